"""Notebooks 01-05 and 08 run top to bottom in a real kernel against the emulator, keyless.

The same check CI runs with ``pytest --nbval-lax notebooks/``; here the outputs
are also scanned for the API key and for the one-output-per-answer rule.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.wire import turn_requests

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = [
    "01-quickstart.ipynb",
    "02-vision.ipynb",
    "03-tools-in-the-kernel.ipynb",
    "04-chat-panel.ipynb",
    "05-langchain.ipynb",
    "08-agent.ipynb",
]


# Committed with the outputs of a real run (so it reads well on GitHub); run below.
WITH_OUTPUTS = ["06-search-and-tools.ipynb"]
# Saved with outputs too; run (with a Dask cluster) in tests/distributed/test_notebook_tables.py.
TESTED_ELSEWHERE = ["07-tables.ipynb"]


def test_every_notebook_is_covered() -> None:
    shipped = sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb") if ".executed." not in p.name)
    assert shipped == sorted(NAMES + WITH_OUTPUTS + TESTED_ELSEWHERE)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_against_the_emulator(name: str, emu, tmp_path) -> None:
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    # Committed clean: no outputs, no execution counts.
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in nb.cells if c.cell_type == "code")
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # files the notebook writes go here
        extra_arguments=["--log-level=ERROR"],
    )
    client.execute()  # raises CellExecutionError, with the cell, if any cell fails

    text = json.dumps(nb.cells)
    assert os.environ["XAI_API_KEY"] not in text  # the emu fixture's recognisable key
    assert turn_requests(emu), "the notebook talked to the emulator"
    for cell in nb.cells:
        agent = "--agent" in cell.source.partition("\n")[0]  # steps shown as they run
        if cell.cell_type == "code" and cell.source.startswith("%%grok") and not agent:
            shown = [o for o in cell.outputs if o.output_type == "display_data"
                     and o.data != {"text/plain": ""}]  # a long answer streamed in blocks
            assert len(shown) == 1, cell.source  # one final output per answer
            assert not any(o.output_type == "error" for o in cell.outputs)


@pytest.mark.parametrize("name", WITH_OUTPUTS)
def test_saved_outputs_notebook_runs_against_the_emulator(name: str, emu, tmp_path) -> None:
    path = NOTEBOOKS / name
    saved = path.read_text()
    assert "xai-" not in saved  # no key of any kind in what is committed
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
        extra_arguments=["--log-level=ERROR"],
    )
    client.execute()
    assert os.environ["XAI_API_KEY"] not in json.dumps(nb.cells)
    posted = [r for r in emu.requests if r.path == "/v1/responses"]
    assert posted, "the notebook used the Responses API"
    kinds = {t["type"] for r in posted for t in r.body.get("tools") or ()}
    assert {"x_search", "web_search", "code_interpreter", "mcp"} <= kinds
    for cell in nb.cells:
        agent = "--agent" in cell.source.partition("\n")[0]  # steps shown as they run
        if cell.cell_type == "code" and cell.source.startswith("%%grok") and not agent:
            shown = [o for o in cell.outputs if o.output_type == "display_data"
                     and o.data != {"text/plain": ""}]  # a long answer streamed in blocks
            assert len(shown) == 1, cell.source
            assert not any(o.output_type == "error" for o in cell.outputs)
