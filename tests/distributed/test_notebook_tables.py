"""notebooks/07-tables.ipynb runs top to bottom in a real kernel, Dask cluster included.

CI also runs it with ``pytest --nbval-lax notebooks/07-tables.ipynb`` and no
key (the kernel then starts its own emulator); here it runs against the test
emulator, whose records show each part of the notebook really sent its rows.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "07-tables.ipynb"


def test_the_tables_notebook_runs_and_leaks_no_key(emu, tmp_path, monkeypatch):
    monkeypatch.setenv("GROK_JUPYTER_CACHE_DIR", str(tmp_path / "cache"))
    saved = NOTEBOOK.read_text()
    assert "xai-" not in saved  # no key of any kind in what is committed
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
        extra_arguments=["--log-level=ERROR"],
    ).execute()  # raises CellExecutionError, with the cell, if any cell fails
    text = json.dumps(nb.cells)
    assert os.environ["XAI_API_KEY"] not in text
    chats = emu.chat_requests
    prompts = {m["content"] for r in chats for m in r.body["messages"] if m["role"] == "user"}
    # Live: one request per distinct review; the cluster: the second question, from workers.
    assert any(p.startswith("Classify the sentiment") for p in prompts)
    assert any(p.startswith("Which aspect") for p in prompts)
    assert any(r.path.startswith("/v1/batches") for r in emu.requests)  # batch mode
    usage = next(c for c in nb.cells if c.cell_type == "code" and c.source == "%grok usage")
    plain = usage.outputs[0]["data"]["text/plain"]
    queued = sum(
        len(r.body.get("batch_requests") or []) for r in emu.requests
        if r.method == "POST" and r.path.endswith("/requests") and isinstance(r.body, dict)
    )  # fmt: skip
    assert queued > 0
    # `%grok usage`: every request the kernel and the cluster's workers sent, in one ledger.
    # (one line a model: the realistic-speed map uses grok-4.20-0309-non-reasoning)
    assert sum(int(n) for n in re.findall(r"\bmap (\d+)", plain)) == len(chats) + queued
