"""The chat panel in a real JupyterLab, driven through Debian's Chromium by Playwright.

JupyterLab runs on 127.0.0.1 with a known token on a free port, its kernels
pointed at the session's emulator through the environment. The notebook is a
temporary copy, so the repository's copy keeps its cleared outputs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "grok-panel-browser-test"
TEST_API_KEY = "xai-emulator-test-key-7Qk9"  # tests/conftest.py's key, which the emu fixture sets
ARTIFACTS = ROOT / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(emu, tmp_path) -> Iterator[str]:
    """JupyterLab's base URL; kernels inherit XAI_BASE_URL / XAI_API_KEY from the emu fixture."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "notebooks", work)
    port = _free_port()
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                 "JUPYTERLAB_SETTINGS_DIR"):
        env[name] = str(tmp_path / name.lower())  # nothing read from or left in the user's home
    # No "official Jupyter news?" toast over the panel: a closed network cannot fetch news anyway.
    news = tmp_path / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={work}",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         "--allow-root",  # CI runs as root
         f"--IdentityProvider.token={TOKEN}", "--ServerApp.open_browser=False",
         "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/status", params={"token": TOKEN}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    "JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()
                )
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def page(jupyterlab):
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium: run `./run test` as root (it "
            "installs Debian's chromium) or `apt-get install -y chromium`.", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking",
                  "--disable-component-update"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def test_chat_panel_streams_and_stops_in_jupyterlab(emu, jupyterlab, page):
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        _chat_in_the_panel(emu, jupyterlab, page)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "chat-panel-failure.png"), full_page=True)
        raise
    page.screenshot(path=str(ARTIFACTS / "chat-panel.png"), full_page=True)
    assert TEST_API_KEY not in page.content()


def _chat_in_the_panel(emu, jupyterlab: str, page) -> None:
    from playwright.sync_api import expect

    page.goto(f"{jupyterlab}/lab/tree/04-chat-panel.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # Keys pressed before the kernel is connected are lost: wait for the status bar's "Idle".
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for()

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
