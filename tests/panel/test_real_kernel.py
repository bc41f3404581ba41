"""The panel in a real ipykernel 7: it streams from a worker thread while cells run.

These check order of events on IOPub, never wall-clock time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.panel.panel_helpers import Kernel
from tests.wire import turn_requests

TEST_API_KEY = "xai-emulator-test-key-7Qk9"  # tests/conftest.py's key, which the emu fixture sets
NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "04-chat-panel.ipynb"


@pytest.fixture
def kernel(emu) -> Iterator[Kernel]:
    yield from Kernel.running()


def _live_update_of(model_id: str):
    """A change of the streaming answer's text sent to the panel's script."""

    def match(msg) -> bool:
        if msg["msg_type"] != "comm_msg" or msg["content"]["comm_id"] != model_id:
            return False
        content = msg["content"]["data"].get("content") or {}
        return content.get("type") == "live" and bool(content.get("tail") or content.get("append"))

    return match


def _reply_of(cell_text: str):
    def match(msg) -> bool:
        return msg["msg_type"] == "stream" and cell_text in msg["content"]["text"]

    return match


def test_cells_run_while_the_panel_streams(emu, kernel):
    emu.inject("slow_chunks", delay=0.01)  # 3000 words: a stream far longer than the cells below
    live_id = kernel.execute(
        "import time\n"
        "from grok_jupyter import ChatPanel\n"
        "p = ChatPanel(conversation='kernel')\n"
        "from tests.panel.panel_helpers import browser_send\n"
        "browser_send(p, 'reply with 3000 words')  # what the browser's Enter delivers\n"
        "print(p.model_id)"
    ).strip()
    cell1_done = len(kernel.events)

    # The worker thread's widget updates reach the frontend after the cell has finished.
    first_update = kernel.wait_for(
        _live_update_of(live_id), "a streamed update"
    )
    assert first_update >= cell1_done

    # Another cell runs, and returns, while the reply is still streaming.
    assert kernel.execute("print('cell 2:', p.busy, len(p.conversation))") == "cell 2: True 0\n"

    # A cell that blocks until more of the reply arrives returns: the stream advances while a
    # cell runs (an asyncio task on the kernel's loop would be stalled for the whole cell).
    out = kernel.execute(
        "n = len(p.live_html)\n"
        "while len(p.live_html) <= n:\n"
        "    time.sleep(0.01)\n"
        "print('cell 3: the reply grew while this cell ran; busy', p.busy)"
    )
    assert out == "cell 3: the reply grew while this cell ran; busy True\n"

    out = kernel.execute(
        "from tests.panel.panel_helpers import from_browser\n"
        "from_browser(p, {'type': 'stop'})  # the Stop button\n"
        "r = p.wait(10)\n"
        "print('stopped', r.interrupted, [m.role for m in p.conversation.messages])"
    )
    assert out == "stopped True ['user', 'assistant']\n"
    assert kernel.index(_reply_of("cell 2: True")) < kernel.index(_reply_of("stopped True"))
    assert len(turn_requests(emu)) == 1  # one request, never retried


def test_saved_notebook_has_the_transcript_but_no_key(emu, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    saved = nbformat.writes(nb)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    values = json.dumps([model["state"].get("history_html", "") for model in state.values()])
    assert "What can you do in a notebook?" in values  # a panel turn
    assert "What did I ask you a moment ago?" in values  # the magic's turn, shown in the panel
    assert "city_population(" in values  # a tool call in the transcript
    # Two outputs: the widget view, then a static transcript of its own that followed the
    # chat, for viewers without the live widget (a restarted kernel, nbviewer, GitHub).
    view, static_output = nb.cells[2].outputs
    assert "application/vnd.jupyter.widget-view+json" in view["data"]
    assert "text/html" not in view["data"]
    assert list(static_output["data"]) == ["text/html"]
    static = static_output["data"]["text/html"]
    assert "grok-static" in static and "<style" not in static
    for turn in ("What can you do in a notebook?", "What did I ask you a moment ago?"):
        assert turn in static  # every turn, the magic's too
    _tools_view, tools_static = nb.cells[8].outputs  # displayed after its turn: already there
    assert "city_population(" in tools_static["data"]["text/html"]
    assert TEST_API_KEY not in saved
    assert TEST_API_KEY[-8:] not in saved
