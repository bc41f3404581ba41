"""The chat panel in a real JupyterLab (Chromium + Playwright): keyboard, layout, themes,
and chats that outlast a kernel restart, an export and a save."""

from __future__ import annotations

import json

import pytest

from ._jupyter import (
    TEST_API_KEY,
    assert_fits_narrow,
    assert_text_contrast,
    border_contrast,
    chat_notebook,
    collapse_side_panels,
    command,
    open_notebook,
    run_all,
    screenshot,
    send_fast_typed,
    send_two_lines,
    set_theme,
    shut_down_kernel,
    stop_with_esc,
    type_and_enter,
    wait_idle_panel,
    wait_kernel_idle,
)

pytestmark = pytest.mark.browser

FILLER = "the quick brown fox jumps over the lazy dog, 0123456789; "


def prompt_of(n: int, length: int = 200) -> str:
    return (f"Trial {n}: " + FILLER * 5)[:length]


def test_enter_sends_a_fast_typed_prompt_whole_and_shift_enter_adds_a_line(emu, lab, tab):
    page = tab
    open_notebook(page, lab, chat_notebook(lab, "lab-keys"))
    panel = run_all(page)

    for n in range(1, 11):  # 10 of 10 trials arrive whole
        text = prompt_of(n)
        assert len(text) == 200
        send_fast_typed(page, panel, emu, text, n)

    send_two_lines(page, panel, emu, "first line", "second line", 11)
    assert TEST_API_KEY not in page.content()


def test_esc_stops_and_the_panel_reads_well_in_light_dark_and_narrow(emu, lab, tab):
    page = tab
    open_notebook(page, lab, chat_notebook(lab, "lab-looks"))
    panel = run_all(page)
    collapse_side_panels(page)

    # Esc while an answer streams: it stops at once, and the partial answer stays.
    stopped = stop_with_esc(page, panel, emu, 1)

    # An error a user can see: an MCP URL that is not http(s) is refused at Send.
    panel.locator("[data-testid=grok-mcp]").fill("ftp://example.org/mcp")
    type_and_enter(page, panel, "use the MCP server")
    error = panel.locator("[data-testid=grok-error]")
    error.wait_for()
    assert "http" in error.text_content()
    status = panel.locator("[data-testid=grok-status]")
    assert status.text_content().strip()

    panel.scroll_into_view_if_needed()
    for theme, name in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
        set_theme(page, theme)
        screenshot(page, f"lab-{name}")
        assert_text_contrast(name, {"error": error, "status": status, "stopped": stopped})
        for action in ("edit", "delete", "regenerate"):  # buttons, not plain text, on a prompt
            button = panel.locator(f"[data-testid=grok-turn-{action}]").first
            ratio = border_contrast(button)
            assert ratio >= 3, f"{name} theme: {action} button border contrast {ratio:.2f} < 3"

    set_theme(page, "JupyterLab Light")
    assert_fits_narrow(page, panel, "lab-narrow")


def test_a_chat_lasts_through_restart_reload_export_and_save(emu, lab, tab, tmp_path):
    page = tab
    chat = "lab-lasting"
    name = chat_notebook(lab, chat)
    open_notebook(page, lab, name)
    panel = run_all(page)
    prompts = ["What is a parquet file?", "And how do I read one with pandas?"]
    for n, text in enumerate(prompts, 1):
        type_and_enter(page, panel, text)
        wait_idle_panel(page, n)
    answers = [a.inner_text().strip() for a in panel.locator(".grok-history .grok-assistant").all()]
    assert len(answers) == 2

    # Export: the downloaded Markdown has every turn.
    with page.expect_download() as download:
        panel.locator("[data-testid=grok-export]").click()
    markdown = tmp_path / "chat.md"
    download.value.save_as(markdown)
    text = markdown.read_text()
    for prompt in prompts:
        assert prompt in text
    for answer in answers:
        assert answer.splitlines()[0][:40] in text
    assert TEST_API_KEY not in text

    # Save: the notebook's output holds a static HTML transcript of both turns.
    command(page, "docmanager:save")
    path = lab.work / name
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    saved = json.loads(path.read_text())
    html = "".join(
        "".join(out.get("data", {}).get("text/html", "")) for out in saved["cells"][1]["outputs"]
    )
    for prompt in prompts:
        assert prompt in html
    assert TEST_API_KEY not in path.read_text()

    # A viewer without a kernel (nbconvert, as nbviewer does): the transcript, not CSS.
    import nbconvert

    body, _ = nbconvert.HTMLExporter().from_filename(str(path))
    rendered = tmp_path / "rendered.html"
    rendered.write_text(body)
    page.goto(rendered.as_uri())
    shown = page.locator("body").inner_text()
    for prompt in prompts:
        assert prompt in shown
    assert "{" not in shown.split(prompts[0])[0], "CSS shown as text before the transcript"

    # Restart the kernel and reload the page: `%grok chat NAME` shows the earlier turns.
    open_notebook(page, lab, name)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.restartKernel()")
    wait_kernel_idle(page)
    assert list(lab.chats.glob("*.json")), "the chat was saved in GROK_JUPYTER_CHAT_DIR"
    page.reload()
    wait_kernel_idle(page)
    panel = run_all(page)
    wait_idle_panel(page, 2)
    history = panel.locator("[data-testid=grok-history]").inner_text()
    for prompt in prompts:
        assert prompt in history

    # The kernel shut down: Send says so, and keeps the message.
    shut_down_kernel(page)
    type_and_enter(page, panel, "anyone there?")
    error = panel.locator("[data-testid=grok-error]")
    error.wait_for()
    assert "kernel is not running" in error.text_content()
    assert panel.locator("[data-testid=grok-input]").input_value() == "anyone there?"


def test_the_saved_notebook_reopened_without_its_widget_shows_the_transcript(emu, lab, tab):
    """After a kernel restart the widget is gone; the saved output must still read as a chat."""
    page = tab
    name = chat_notebook(lab, "lab-reopened")
    open_notebook(page, lab, name)
    panel = run_all(page)
    type_and_enter(page, panel, "Remember the number 42.")
    wait_idle_panel(page, 1)
    # While the live view is shown, the static transcript (an output of its own) is hidden.
    static = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".grok-static")
    page.wait_for_function(  # the turn's update has replaced it
        "() => (document.querySelector('.grok-static') || {}).textContent?.includes('number 42')"
    )
    assert static.count() == 1 and static.is_hidden() and panel.is_visible()
    outputs = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-child")
    assert [o.is_visible() for o in outputs.all()] == [True, False]  # no empty gap either
    command(page, "docmanager:save")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.restartKernel()")
    wait_kernel_idle(page)
    page.reload()
    wait_kernel_idle(page)
    saved_view = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output")
    saved_view.first.wait_for()
    page.wait_for_function(  # the widget renderer has given up on the missing model
        "(n) => !n.innerText.includes('Loading widget')", arg=saved_view.first.element_handle()
    )
    screenshot(page, "lab-reopened-after-restart")
    seen = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-Cell-outputArea").inner_text()
    assert "Remember the number 42." in seen, f"the reopened notebook shows {seen!r}"
    assert ".grok-" not in seen and "{" not in seen, "CSS shown as text"
    assert static.is_visible() and "Grok chat: lab-reopened" in static.inner_text()
    assert static.locator(".grok-turn.grok-user").count() == 1
    assert static.locator(".grok-turn.grok-assistant").count() == 1
