"""Issue 23: "Go on." in two cells in a row is two turns, in a real kernel run by nbclient
(as papermill runs notebooks). nbclient 0.11 sends no cellId with a cell, as terminal
IPython has none: the harness test in test_details.py covers cells with ids."""

from __future__ import annotations

import json

import nbformat
from nbclient import NotebookClient

COUNT = (
    "from grok_jupyter.notebook.conversation import get_conversation\n"
    "print(json.dumps([m.text for m in get_conversation('default').messages "
    "if m.role == 'user']))"
)


def test_go_on_twice_keeps_both_turns(emu, tmp_path) -> None:
    sources = ["import json\n%load_ext grok_jupyter", "%%grok\nSay hi.",
               "%%grok\nGo on.", "%%grok\nGo on.", COUNT]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}},
                   extra_arguments=["--log-level=ERROR"]).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert json.loads(printed) == ["Say hi.", "Go on.", "Go on."]
