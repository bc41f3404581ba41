"""What new users met in the panel (issue 23 items 11–13), in a real Notebook 7 (Chromium +
Playwright)."""

from __future__ import annotations

import pytest

from ._jupyter import (
    chat_notebook,
    open_notebook,
    reload_with_the_kernel_running,
    run_all,
    saved_static_html,
    type_and_enter,
    wait_idle_panel,
)

pytestmark = pytest.mark.browser


def test_turns_after_a_reload_reach_the_saved_transcript_in_notebook7(emu, notebook7, tab):
    page = tab
    name = chat_notebook(notebook7, "nb7-reload")
    open_notebook(page, notebook7, name)
    panel = run_all(page)
    type_and_enter(page, panel, "Before the reload: remember 41.")
    wait_idle_panel(page, 1)
    assert "remember 41" in saved_static_html(page, notebook7, name)

    reload_with_the_kernel_running(page)
    panel = page.locator(".grok-chat").last
    type_and_enter(page, panel, "After the reload: remember 42.")
    wait_idle_panel(page, 2)
    html = saved_static_html(page, notebook7, name)
    assert "remember 41" in html and "After the reload: remember 42." in html
    assert html.count('class="grok-static"') == 1  # the one transcript, updated in place
