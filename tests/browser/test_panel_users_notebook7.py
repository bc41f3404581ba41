"""What new users met in the panel (issue 23 items 11 and 13), in a real Notebook 7 (Chromium +
Playwright)."""

from __future__ import annotations

import pytest

from ._jupyter import (
    FOCUS_IN_PANEL,
    chat_notebook,
    contrast,
    open_notebook,
    placeholder_contrast,
    run_all,
    set_theme,
    turns_after_a_reload_reach_the_saved_transcript,
    type_and_enter,
    wait_idle_panel,
)

pytestmark = pytest.mark.browser


def test_turns_after_a_reload_reach_the_saved_transcript_in_notebook7(emu, notebook7, tab):
    turns_after_a_reload_reach_the_saved_transcript(tab, notebook7, "nb7-reload")


def test_esc_closes_the_edit_confirmation_and_dark_text_reads_in_notebook7(emu, notebook7, tab):
    page = tab
    open_notebook(page, notebook7, chat_notebook(notebook7, "nb7-keyboard"))
    panel = run_all(page)
    type_and_enter(page, panel, "First question")
    wait_idle_panel(page, 1)
    confirm = panel.locator("[data-testid=grok-confirm]")
    panel.locator("[data-testid=grok-turn-edit]").first.click()
    confirm.wait_for()
    page.keyboard.press("Escape")
    confirm.wait_for(state="hidden")
    assert page.evaluate(FOCUS_IN_PANEL), "focus left the panel after Esc"
    panel.locator("[data-testid=grok-turn-delete]").first.click()
    page.wait_for_function("() => !document.querySelector('.grok-chat .grok-history .grok-user')")
    assert page.evaluate(FOCUS_IN_PANEL), "focus left the panel after Delete"

    set_theme(page, "JupyterLab Dark")
    box = panel.locator("[data-testid=grok-input]")
    send_label = panel.locator("[data-testid=grok-send] .grok-btn-text")
    ratios = {"Send label": contrast(send_label), "placeholder": placeholder_contrast(box)}
    low = {k: round(v, 2) for k, v in ratios.items() if v < 4.5}
    assert not low, f"dark theme text contrast under 4.5:1: {low}"
