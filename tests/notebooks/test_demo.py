"""The main job, ``python -m grok_jupyter.demo``, as a user runs it: a fresh process, no key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]


def run_demo(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "XAI_BASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "grok_jupyter.demo", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


def test_demo_runs_the_quickstart_on_the_emulator(tmp_path) -> None:
    out_path = tmp_path / "quickstart.executed.ipynb"
    done = run_demo("--output", str(out_path))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "No XAI_API_KEY: answering with the local emulator at http://127.0.0.1:" in out
    assert "Your name is Ada." in out  # an answer, printed in the terminal
    assert "293 * 12 = 3516" in out
    assert "jupyter lab notebooks/01-quickstart.ipynb" in out
    executed = nbformat.read(out_path, as_version=4)
    grok_cells = [c for c in executed.cells if c.source.startswith("%%grok")]
    assert grok_cells and all(len(c.outputs) == 1 for c in grok_cells)
    assert "xai-emulator-demo-key" not in out_path.read_text()


def test_demo_exit_codes(tmp_path) -> None:
    missing = run_demo("--notebook", str(tmp_path / "nope.ipynb"))
    assert missing.returncode == 2
    assert "error: notebook not found" in missing.stdout

    broken = tmp_path / "broken.ipynb"
    nbformat.write(
        new_notebook(cells=[new_code_cell("%load_ext grok_jupyter"),
                            new_code_cell("%%grok -m grok-9000\nhello")]),
        broken,
    )
    failed = run_demo("--notebook", str(broken), "--output", str(tmp_path / "out.ipynb"))
    assert failed.returncode == 1
    assert "error: a cell failed: UsageError: grok: unknown model 'grok-9000'" in failed.stdout
    assert (tmp_path / "out.ipynb").exists()  # what ran is still saved, for a look
