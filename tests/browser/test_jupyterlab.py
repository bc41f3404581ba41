"""The chat panel in a real JupyterLab, driven through Debian's Chromium by Playwright.

The server, the browser and the page are the shared fixtures of tests/browser/conftest.py.
The notebook is a temporary copy of notebooks/04-chat-panel.ipynb, so the repository's copy
keeps its cleared outputs.
"""

from __future__ import annotations

import shutil

import pytest

from ._jupyter import ROOT, TEST_API_KEY, open_notebook, screenshot

pytestmark = pytest.mark.browser

NOTEBOOK = "04-chat-panel.ipynb"


def test_chat_panel_streams_and_stops_in_jupyterlab(emu, lab, tab):
    from playwright.sync_api import expect

    page = tab
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, lab.work / NOTEBOOK)
    open_notebook(page, lab, NOTEBOOK)

    # Run the setup cell, the introduction and the panel cell, as a user would.
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Escape")
    for _ in range(3):
        page.keyboard.press("Shift+Enter")
    panel = page.locator(".grok-chat")
    panel.wait_for()

    # A question, typed and sent: the streamed reply appears in the transcript.
    panel.locator(".grok-input textarea").fill("Hello from the browser!")
    panel.locator("button.grok-send").click()
    transcript = panel.locator(".grok-transcript")
    transcript.get_by_text("Hello from the browser!", exact=False).first.wait_for()
    transcript.get_by_text("grok-jupyter emulator answering", exact=False).first.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.grok-chat .grok-status').textContent.includes('TTFT')"
    )

    # A long reply, stopped while it streams: the partial answer stays, marked as stopped.
    emu.inject("slow_chunks", delay=0.02)
    panel.locator(".grok-input textarea").fill("reply with 3000 words")
    panel.locator("button.grok-send").click()
    page.wait_for_function(
        "() => document.querySelector('.grok-chat .grok-status').textContent.includes('streaming')"
    )
    page.wait_for_function(  # some of the answer is on screen before Stop
        "() => document.querySelector('.grok-chat .grok-transcript').textContent.length > 2000"
    )
    panel.locator("button.grok-stop").click()
    transcript.get_by_text("stopped: the partial answer is kept").wait_for()
    expect(panel.locator("button.grok-send")).to_be_enabled()  # ready for the next question
    panel.scroll_into_view_if_needed()
    screenshot(page, "chat-panel")
    assert TEST_API_KEY not in page.content()
