"""Shared helpers for the browser tests: a real Jupyter server and the panel in Chromium.

A server (JupyterLab or Notebook 7) runs on 127.0.0.1 on a free port with a known token and
its own config, data, runtime, settings and workspace folders, so nothing is read from or
left in the user's home. Its kernels inherit the session emulator's URL and the test key
through the environment, and a chat folder (GROK_JUPYTER_CHAT_DIR) of the test's own.
The app object is exposed in the page (``window.jupyterapp``), so a test drives the
commands a user picks from the menus (run all, save, change theme) without hunting menus.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.wire import last_body, turn_requests, user_text

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "grok-panel-browser-test"
TEST_API_KEY = "xai-emulator-test-key-7Qk9"  # tests/conftest.py's key
SHOTS = ROOT / "artifacts" / "browser"  # artifacts/ is gitignored

PANEL = ".grok-chat"


@dataclass
class Server:
    app: str  # "lab" or "notebook"
    url: str
    work: Path  # the server's root folder (notebooks live here)
    chats: Path  # GROK_JUPYTER_CHAT_DIR of its kernels

    def notebook_url(self, name: str) -> str:
        if self.app == "lab":  # a workspace of its own: no tab of another test comes back
            workspace = name.rsplit(".", 1)[0]
            return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?token={TOKEN}"
        return f"{self.url}/notebooks/{name}?token={TOKEN}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_server(app: str, tmp: Path, emulator_url: str) -> Iterator[Server]:
    """Start ``jupyter lab`` or ``jupyter notebook`` in ``tmp``; stop it on exit."""
    work = tmp / "work"
    work.mkdir(parents=True, exist_ok=True)
    chats = tmp / "chats"
    port = _free_port()
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
    ):
        env[name] = str(tmp / name.lower())
    env.update(
        XAI_API_KEY=TEST_API_KEY, XAI_BASE_URL=emulator_url, GROK_JUPYTER_CHAT_DIR=str(chats)
    )
    settings = tmp / "jupyterlab_settings_dir" / "@jupyterlab"
    # No "official Jupyter news?" toast over the panel: a closed network cannot fetch news.
    _write(
        settings / "apputils-extension" / "notification.jupyterlab-settings", {"fetchNews": "false"}
    )
    module, cls = ("jupyterlab", "LabApp") if app == "lab" else ("notebook", "JupyterNotebookApp")
    log_path = tmp / f"{app}.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            f"--ServerApp.root_dir={work}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--allow-root",  # CI runs as root
            f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.open_browser=False",
            f"--{cls}.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=work,
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
                raise AssertionError(f"Jupyter ({app}) did not start:\n" + log_path.read_text())
            time.sleep(0.2)
        yield Server(app, url, work, chats)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _write(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


def write_notebook(server: Server, name: str, *sources: str) -> str:
    """A notebook of code cells in the server's folder; returns its file name."""
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": src,
        }
        for i, src in enumerate(sources)
    ]
    nb = {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    }
    (server.work / name).write_text(json.dumps(nb))
    return name


def chat_notebook(server: Server, chat: str) -> str:
    """A notebook whose second cell opens the chat panel on ``chat`` as users do."""
    return write_notebook(server, f"{chat}.ipynb", "%load_ext grok_jupyter", f"%grok chat {chat}")


# --- in the page ----------------------------------------------------------------------------

KERNEL = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const s = w && w.sessionContext && w.sessionContext.session;
  return s && s.kernel ? s.kernel : null;
}"""

KERNEL_IDLE = f"""() => {{ const k = ({KERNEL})();
  return Boolean(k) && k.status === 'idle' && k.connectionStatus === 'connected'; }}"""


def open_notebook(page, server: Server, name: str) -> None:
    """Open a notebook and wait until its kernel is idle (keys sent before are lost)."""
    page.goto(server.notebook_url(name))
    page.wait_for_function(
        "(n) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return Boolean(w && w.context && w.context.path === n); }",
        arg=name,
    )
    wait_kernel_idle(page)


def wait_kernel_idle(page) -> None:
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(KERNEL_IDLE)


def command(page, name: str, args: dict | None = None) -> None:
    """Run a Jupyter command, as its menu entry would."""
    page.evaluate("([n, a]) => window.jupyterapp.commands.execute(n, a)", [name, args or {}])


def run_all(page):
    """Run every cell; returns the (last) panel's locator once its script has drawn it."""
    command(page, "notebook:run-all-cells")
    panel = page.locator(PANEL).last
    panel.locator("[data-testid=grok-input]").wait_for()
    return panel


def wait_idle_panel(page, user_turns: int) -> None:
    """Wait until the transcript holds ``user_turns`` prompts and no answer is in flight."""
    page.wait_for_function(
        """(n) => { const p = [...document.querySelectorAll('.grok-chat')].pop();
          return p && !p.classList.contains('grok-busy')
            && p.querySelectorAll('.grok-history .grok-user').length >= n
            && p.querySelector('[data-testid=grok-input]').value === ''; }""",
        arg=user_turns,
    )


def type_and_enter(page, panel, text: str) -> None:
    """Type ``text`` with no delay between keys, then press Enter, as a fast typist does."""
    panel.locator("[data-testid=grok-input]").click()
    page.keyboard.type(text, delay=0)
    page.keyboard.press("Enter")


def send_fast_typed(page, panel, emu, text: str, turn: int) -> None:
    """Type ``text`` fast and press Enter as turn ``turn``: it is sent once, whole, and the
    box is left empty (nothing typed joins the next send)."""
    before = len(turn_requests(emu))
    type_and_enter(page, panel, text)
    wait_idle_panel(page, turn)
    assert len(turn_requests(emu)) == before + 1, f"turn {turn}: sent once"
    assert last_prompt(emu) == text, f"turn {turn}"
    assert panel.locator("[data-testid=grok-input]").input_value() == ""


def send_two_lines(page, panel, emu, first: str, second: str, turn: int) -> None:
    """Shift+Enter between two lines adds a line (it does not send or run the cell); Enter
    then sends both lines as turn ``turn``."""
    box = panel.locator("[data-testid=grok-input]")
    box.click()
    page.keyboard.type(first, delay=0)
    page.keyboard.press("Shift+Enter")
    page.keyboard.type(second, delay=0)
    assert box.input_value() == f"{first}\n{second}"
    page.keyboard.press("Enter")
    wait_idle_panel(page, turn)
    assert last_prompt(emu) == f"{first}\n{second}"


def stop_with_esc(page, panel, emu, turn: int):
    """Ask for a long, slow answer as turn ``turn`` and press Esc while it streams; returns
    the locator of the stopped answer's mark once the panel is idle again."""
    emu.inject("slow_chunks", delay=0.02)
    type_and_enter(page, panel, "reply with 3000 words")
    page.wait_for_function(
        "() => document.querySelector('.grok-chat .grok-live-answer').textContent.length > 300"
    )
    page.keyboard.press("Escape")
    stopped = panel.locator(".grok-history .grok-interrupted").first
    stopped.wait_for()
    wait_idle_panel(page, turn)
    return stopped


def shut_down_kernel(page) -> None:
    """Kernel ▸ Shut Down Kernel, waiting until the notebook has no session."""
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.session")


def assert_text_contrast(theme: str, nodes: dict) -> None:
    """Each named node's text reads at WCAG AA (4.5:1) against its background."""
    for label, node in nodes.items():
        ratio = contrast(node)
        assert ratio >= 4.5, f"{theme} theme: {label} text contrast {ratio:.2f} < 4.5"


def assert_fits_narrow(page, panel, shot: str) -> None:
    """At 360 px wide (tall, so the whole panel is in view) no control spills or scrolls."""
    page.set_viewport_size({"width": 360, "height": 1800})
    page.wait_for_timeout(500)  # the layout settles after the resize
    panel.scroll_into_view_if_needed()
    screenshot(page, shot)
    assert panel.evaluate(OVERFLOW_JS) == []


def last_prompt(emu) -> str:
    """The last user message the emulator received, as text (on either API)."""
    return user_text(last_body(emu))


def collapse_side_panels(page) -> None:
    page.evaluate("""() => { const s = window.jupyterapp.shell;
      if (s.collapseLeft) s.collapseLeft(); if (s.collapseRight) s.collapseRight(); }""")


def set_theme(page, theme: str) -> None:
    """'JupyterLab Light' or 'JupyterLab Dark' (Settings ▸ Theme); waits until applied."""
    command(page, "apputils:change-theme", {"theme": theme})
    light = "true" if "Light" in theme else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
    page.wait_for_timeout(300)  # the theme's stylesheet swaps in after the flag


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


# WCAG 2.x contrast of an element's text against the first opaque background up its ancestors
# (semi-transparent layers on the way are composited onto it).
CONTRAST_JS = """(node) => {
  const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]))
    .concat([1]);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const layers = [];
  let bg = null;
  for (let n = node; n; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c[3] >= 0.999) { bg = c; break; }
    if (c[3] > 0) layers.push(c);
  }
  bg = bg || [255, 255, 255, 1];
  for (const layer of layers.reverse()) bg = over(layer, bg);
  let fg = rgba(getComputedStyle(node).color);
  const opacity = (() => { let o = 1; for (let n = node; n; n = n.parentElement)
    o *= Number(getComputedStyle(n).opacity); return o; })();
  fg = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def contrast(locator) -> float:
    return locator.evaluate(CONTRAST_JS)


# WCAG contrast of an element's border against the background it sits on (its parent's first
# opaque background, translucent layers composited): a button's outline must be seen (3:1).
BORDER_CONTRAST_JS = CONTRAST_JS.replace(
    "for (let n = node; n; n = n.parentElement) {",
    "for (let n = node.parentElement; n; n = n.parentElement) {",
    1,
).replace("rgba(getComputedStyle(node).color)", "rgba(getComputedStyle(node).borderTopColor)")


def border_contrast(locator) -> float:
    return locator.evaluate(BORDER_CONTRAST_JS)


# Every visible control inside the panel, and every container that could scroll sideways.
OVERFLOW_JS = """(root) => {
  const box = root.getBoundingClientRect();
  const out = [];
  const name = (n) => n.dataset.testid || n.className || n.tagName;
  if (box.right > window.innerWidth + 1)
    out.push(`panel ends at ${box.right} > ${window.innerWidth}`);
  const controls = root.querySelectorAll('button, select, input, textarea, label, .grok-status');
  for (const n of controls) {
    const r = n.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || n.type === 'file') continue;
    if (r.left < box.left - 1 || r.right > box.right + 1)
      out.push(`${name(n)} spans ${r.left}-${r.right}, panel ${box.left}-${box.right}`);
    if (n.tagName === 'BUTTON' && n.scrollWidth > n.clientWidth + 1)
      out.push(`${name(n)} text clipped: ${n.scrollWidth} > ${n.clientWidth}`);
  }
  for (const n of [root, ...root.querySelectorAll('.grok-row, .grok-transcript, .grok-buttons')]) {
    if (n.scrollWidth > n.clientWidth + 1)
      out.push(`${name(n)} scrolls sideways: ${n.scrollWidth} > ${n.clientWidth}`);
  }
  return out;
}"""


def saved_static_html(page, server: Server, name: str, cell: int = 1) -> str:
    """Save the notebook (File ▸ Save) and return the text/html its ``cell`` holds on disk:
    what GitHub, nbviewer and a restarted kernel show."""
    command(page, "docmanager:save")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    saved = json.loads((server.work / name).read_text())
    return "".join(
        "".join(out.get("data", {}).get("text/html", "")) for out in saved["cells"][cell]["outputs"]
    )


def reload_with_the_kernel_running(page) -> None:
    """Reload the page (F5) while the kernel runs on: the panel's view is drawn again from
    the kernel's widget, and its cell is not run again."""
    page.reload()
    wait_kernel_idle(page)
    page.locator(f"{PANEL} [data-testid=grok-input]").last.wait_for()


def turns_after_a_reload_reach_the_saved_transcript(page, server: Server, chat: str) -> None:
    """Issue 23 item 11, in either front end: a turn before and a turn after a browser
    reload both reach the one static transcript saved in the notebook."""
    name = chat_notebook(server, chat)
    open_notebook(page, server, name)
    panel = run_all(page)
    type_and_enter(page, panel, "Before the reload: remember 41.")
    wait_idle_panel(page, 1)
    assert "remember 41" in saved_static_html(page, server, name)

    reload_with_the_kernel_running(page)
    panel = page.locator(".grok-chat").last
    type_and_enter(page, panel, "After the reload: remember 42.")
    wait_idle_panel(page, 2)
    html = saved_static_html(page, server, name)
    assert "remember 41" in html and "After the reload: remember 42." in html
    assert html.count('class="grok-static"') == 1  # the one transcript, updated in place


# The same for an input's placeholder text (its ::placeholder colour and opacity).
PLACEHOLDER_CONTRAST_JS = CONTRAST_JS.replace(
    "rgba(getComputedStyle(node).color)", "rgba(getComputedStyle(node, '::placeholder').color)"
).replace("let o = 1;", "let o = Number(getComputedStyle(node, '::placeholder').opacity || 1);")


def placeholder_contrast(locator) -> float:
    return locator.evaluate(PLACEHOLDER_CONTRAST_JS)


FOCUS_IN_PANEL = """() => { const a = document.activeElement;
  return Boolean(a && a.closest('.grok-chat') && a !== document.body); }"""
