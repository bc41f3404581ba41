"""The main job: run the quickstart notebook headlessly and show what Grok answered.

    python -m grok_jupyter.demo [--notebook PATH] [--output PATH] [--timeout S]

Without ``XAI_API_KEY`` it starts the local emulator first, so it works
offline; the kernel inherits the environment, so the notebook's own
``%grok emulator --if-no-key`` sees the key and leaves it alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_NOTEBOOK = Path("notebooks") / "01-quickstart.ipynb"
DEMO_KEY = "xai-emulator-demo-key"

# Exit codes
OK, CELL_FAILED, BAD_INPUT, NO_KERNEL = 0, 1, 2, 3


def _say(text: str = "") -> None:
    print(text, flush=True)


def _find_notebook(path: str | None) -> Path:
    if path:
        return Path(path)
    if DEFAULT_NOTEBOOK.exists():
        return DEFAULT_NOTEBOOK
    # Run from elsewhere: the notebook beside the package (an editable install / checkout).
    return Path(__file__).resolve().parent.parent / DEFAULT_NOTEBOOK


@contextmanager
def _backend() -> Iterator[str]:
    """The API to talk to: the real one when a key is set, else a fresh local emulator."""
    if os.environ.get("XAI_API_KEY"):
        url = os.environ.get("XAI_BASE_URL") or "https://api.x.ai/v1"
        yield f"XAI_API_KEY is set: using {url} (this costs real tokens)"
        return
    from .emulator import serve

    with serve() as emu:
        saved = {k: os.environ.get(k) for k in ("XAI_API_KEY", "XAI_BASE_URL")}
        os.environ["XAI_API_KEY"] = DEMO_KEY
        os.environ["XAI_BASE_URL"] = str(emu.base_url)
        try:
            yield f"No XAI_API_KEY: answering with the local emulator at {emu.base_url}"
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _answer_text(cell: Any) -> str:
    """What a ``%%grok`` cell showed, as text (its final display's text/plain)."""
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") in ("display_data", "execute_result"):
            texts.append(output.get("data", {}).get("text/plain", ""))
        elif output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
    return "\n".join(t if isinstance(t, str) else "".join(t) for t in texts).strip()


def _scrub_key(nb: Any, key: str | None) -> int:
    """Belt and braces: no output may hold the key. Returns how many outputs were cleaned."""
    if not key:
        return 0
    cleaned = 0
    for cell in nb.cells:
        for i, output in enumerate(cell.get("outputs", [])):
            text = json.dumps(output)
            if key in text:
                cell.outputs[i] = type(output)(json.loads(text.replace(key, "[redacted]")))
                cleaned += 1
    return cleaned


def run(notebook: Path, output: Path, *, timeout: float, kernel_name: str) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    try:
        nb = nbformat.read(notebook, as_version=4)
    except FileNotFoundError:
        _say(f"error: notebook not found: {notebook}")
        return BAD_INPUT
    except Exception as exc:  # not JSON, not a notebook
        _say(f"error: cannot read {notebook}: {exc}")
        return BAD_INPUT

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any = None, **_: Any) -> None:
        source = cell.source.lstrip()
        if not source.startswith("%%grok"):
            return
        first, _, prompt = source.partition("\n")
        _say(f"\n[cell {cell_index + 1}] {first}")
        _say("  > " + " ".join(prompt.split())[:100])
        _say(_answer_text(cell) or "(no answer shown)")

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(notebook.parent.resolve())}},
        on_cell_executed=on_cell_executed,
        # The kernel's own start-up chatter (e.g. its TCP notice) is not the user's concern.
        extra_arguments=["--log-level=ERROR"],
    )
    started = time.perf_counter()
    status = OK
    try:
        client.execute()
    except CellExecutionError as exc:
        ename, evalue = getattr(exc, "ename", ""), getattr(exc, "evalue", "")
        _say(f"\nerror: a cell failed: {ename}: {evalue}" if ename else f"\nerror: {exc}")
        status = CELL_FAILED
    except Exception as exc:
        name = type(exc).__name__
        if name == "NoSuchKernel":
            _say(f"error: no Jupyter kernel named {kernel_name!r}. "
                 f"Install one with: {sys.executable} -m pip install ipykernel")
            return NO_KERNEL
        if name in ("TimeoutError", "CellTimeoutError", "DeadKernelError"):
            _say(f"error: the notebook did not finish: {name}: {exc}")
            status = CELL_FAILED
        else:
            raise
    cleaned = _scrub_key(nb, os.environ.get("XAI_API_KEY"))
    if cleaned:
        _say(f"warning: the API key appeared in {cleaned} output(s); it was redacted.")
    output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, output)
    _say(f"\nWrote {output} ({time.perf_counter() - started:.1f} s).")
    return status


def _open_hint(notebook: Path) -> str:
    venv_jupyter = Path(sys.executable).parent / "jupyter"
    jupyter = str(venv_jupyter) if venv_jupyter.exists() else "jupyter"
    try:
        shown = os.path.relpath(jupyter)
    except ValueError:
        shown = jupyter
    lines = [f"Open it in JupyterLab:  {shown} lab {notebook}"]
    has_lab = shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) or (
        importlib.util.find_spec("jupyterlab") is not None
    )
    if not has_lab:
        lines.append(f"(JupyterLab is not installed here; first: {sys.executable} -m pip install "
                     "jupyterlab)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grok_jupyter.demo",
        description="Run a %%grok notebook headlessly (against the local emulator when "
        "XAI_API_KEY is not set), print Grok's answers, and save the executed notebook.",
    )
    parser.add_argument("--notebook", help=f"notebook to run (default: {DEFAULT_NOTEBOOK})")
    parser.add_argument(
        "--output", help="where to write the executed notebook (default: NAME.executed.ipynb)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per cell")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name")
    args = parser.parse_args(argv)

    notebook = _find_notebook(args.notebook)
    if not notebook.exists():
        _say(f"error: notebook not found: {notebook}")
        return BAD_INPUT
    output = Path(args.output) if args.output else notebook.with_suffix(".executed.ipynb")
    with _backend() as where:
        _say(where)
        _say(f"Running {notebook} ...")
        status = run(notebook, output, timeout=args.timeout, kernel_name=args.kernel)
    if status in (OK, CELL_FAILED):
        _say(_open_hint(notebook))
        _say(f"(the executed copy with outputs is {output})")
    return status


if __name__ == "__main__":
    sys.exit(main())
