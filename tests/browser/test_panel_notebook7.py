"""The chat panel in a real Notebook 7 (Chromium + Playwright): the keyboard, a stopped
answer, the narrow layout, and Send with the kernel shut down."""

from __future__ import annotations

import pytest

from ._jupyter import (
    TEST_API_KEY,
    assert_fits_narrow,
    assert_text_contrast,
    border_contrast,
    chat_notebook,
    open_notebook,
    run_all,
    screenshot,
    send_fast_typed,
    send_two_lines,
    set_theme,
    shut_down_kernel,
    stop_with_esc,
    type_and_enter,
)

pytestmark = pytest.mark.browser

FILLER = "pack my box with five dozen liquor jugs; 0123456789 "


def test_keyboard_in_notebook7(emu, notebook7, tab):
    page = tab
    open_notebook(page, notebook7, chat_notebook(notebook7, "nb7-keys"))
    panel = run_all(page)
    box = panel.locator("[data-testid=grok-input]")

    for n in range(1, 11):  # Enter sends a fast-typed 200-character prompt whole, 10 of 10
        send_fast_typed(page, panel, emu, (f"Notebook trial {n}: " + FILLER * 5)[:200], n)

    # Esc stops a streaming answer; the partial answer stays, marked as stopped.
    stopped = stop_with_esc(page, panel, emu, 11)
    status = panel.locator("[data-testid=grok-status]")
    # An error a user can see: an MCP URL that is not http(s) is refused, the prompt kept.
    panel.locator("[data-testid=grok-mcp]").fill("ftp://example.org/mcp")
    type_and_enter(page, panel, "use the MCP server")
    error = panel.locator("[data-testid=grok-error]")
    error.wait_for()
    assert box.input_value() == "use the MCP server"
    panel.locator("[data-testid=grok-mcp]").fill("")
    panel.scroll_into_view_if_needed()
    screenshot(page, "nb7-light")
    for theme, name in (("JupyterLab Dark", "dark"), ("JupyterLab Light", "light")):
        set_theme(page, theme)
        if name == "dark":
            screenshot(page, "nb7-dark")
        assert_text_contrast(name, {"error": error, "status": status, "stopped": stopped})
        edit = panel.locator("[data-testid=grok-turn-edit]").first
        ratio = border_contrast(edit)
        assert ratio >= 3, f"{name} theme: the Edit button's border contrast {ratio:.2f} < 3"

    assert_fits_narrow(page, panel, "nb7-narrow")
    assert TEST_API_KEY not in page.content()

    # Kernel ▸ Shut Down Kernel, then Send: the panel says the kernel is not running.
    shut_down_kernel(page)
    box.fill("")
    type_and_enter(page, panel, "anyone there?")
    page.wait_for_function(
        "(n) => n.textContent.includes('kernel is not running')", arg=error.element_handle()
    )
    assert box.input_value() == "anyone there?"


def test_shift_enter_adds_a_line_in_notebook7(emu, notebook7, tab):
    page = tab
    open_notebook(page, notebook7, chat_notebook(notebook7, "nb7-lines"))
    panel = run_all(page)
    # Shift+Enter adds a line in the prompt (it does not run the cell).
    send_two_lines(page, panel, emu, "one", "two", 1)
    # The static transcript beside the live view (what a saved notebook shows without the
    # widget) is hidden while the view lives, and so is its output: no empty gap.
    page.wait_for_function(
        "() => (document.querySelector('.grok-static') || {}).textContent?.includes('two')"
    )
    outputs = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-child")
    assert [o.is_visible() for o in outputs.all()] == [True, False]
    assert outputs.nth(1).locator(".grok-static").count() == 1 and panel.is_visible()
