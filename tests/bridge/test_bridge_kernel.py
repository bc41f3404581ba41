"""The notebook bridge in a real ipykernel driven by jupyter_client: a front end without the
``grok-jupyter-bridge`` extension (as nbclient, VS Code or a script are).

The extension's own behaviour (inserting, running, the side panel) is in tests/browser.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.panel.panel_helpers import Kernel

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def kernel(emu) -> Iterator[Kernel]:
    yield from Kernel.running()


def test_without_the_extension_there_is_no_bridge_and_the_side_chat_shows_inline(emu, kernel):
    kernel.execute("%load_ext grok_jupyter")
    # Loading opened the bridge's comm: a front end with the extension would answer it.
    opened = [
        m
        for m in kernel.events
        if m["msg_type"] == "comm_open" and m["content"]["target_name"] == "grok-jupyter-bridge"
    ]
    assert len(opened) == 1
    assert kernel.execute("from grok_jupyter.bridge import open_bridge\nprint(open_bridge())") == (
        "None\n"
    )

    start = len(kernel.events)
    out = kernel.execute("%grok chat plain --side")
    assert out.count("\n") == 1 and out.startswith("No notebook bridge here")
    views = [
        m
        for m in kernel.events[start:]
        if m["msg_type"] == "display_data" and WIDGET_VIEW in m["content"]["data"]
    ]
    assert len(views) == 1  # the live chat, inline


BAD_CALLS = """
from grok_jupyter.bridge import BridgeError, install
bridge = install(get_ipython())
calls = {
    "empty below": lambda: bridge.insert_cell(below="", source="x = 1"),
    "source not str": lambda: bridge.insert_cell(below="c1", source=b"x = 1"),
    "output without type": lambda: bridge.insert_cell(
        below="c1", source="x = 1", outputs=[{"text": "1"}]),
    "count not int": lambda: bridge.insert_cell(below="c1", source="x", execution_count="3"),
    "not connected": lambda: bridge.insert_cell(below="c1", source="x = 1"),
    "run in a cell": lambda: bridge.run_cell("c1", 1),
}
for name, call in calls.items():
    try:
        call()
    except (TypeError, ValueError, BridgeError) as exc:
        print(f"{name} | {type(exc).__name__} | {exc}")
"""


def test_bad_requests_get_a_typed_error_that_says_what_to_change(emu, kernel):
    kernel.execute("%load_ext grok_jupyter")
    lines = dict(
        (name, (kind, text))
        for name, kind, text in (
            line.split(" | ") for line in kernel.execute(BAD_CALLS).splitlines()
        )
    )
    assert lines["empty below"][0] == "ValueError" and "cell id" in lines["empty below"][1]
    assert lines["source not str"][0] == "TypeError"
    assert lines["output without type"][0] == "ValueError"
    assert "output_type" in lines["output without type"][1]
    assert lines["count not int"][0] == "TypeError"
    assert lines["not connected"][0] == "BridgeError"
    assert "%load_ext grok_jupyter" in lines["not connected"][1]
    assert (
        lines["run in a cell"][0] == "BridgeError" and "worker thread" in lines["run in a cell"][1]
    )
