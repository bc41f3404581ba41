"""Running a step's code in the kernel's main thread, as a cell would, capturing its outputs.

The code goes through ``shell.run_cell`` from the agent's cell (the magic runs in the
main thread), so magics, matplotlib's inline backend (its figures are flushed on
``post_execute``) and display hooks behave as in the user's own cells. Output is
captured (``IPython.utils.capture``), the last expression's value through a display hook
of our own, and a traceback through the shell's ``_showtraceback``; nothing reaches the
front end until the agent shows it. A time limit interrupts the code with
``KeyboardInterrupt`` in the main thread (``_thread.interrupt_main``), as the kernel's
Ctrl-C does; a Ctrl-C of the user's own is told apart and ends the turn.
"""

from __future__ import annotations

import _thread
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from IPython.utils.capture import capture_output


@dataclass
class StepRun:
    """What one step's code did: nbformat outputs, and how it ended."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"  # "ok", "failed", "timed out after N s", "interrupted"
    error: str | None = None  # the traceback's text, when it raised
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _ValueHook:
    """``sys.displayhook`` while the step runs: the last expression's value, kept."""

    def __init__(self, shell: Any, outputs: list[dict[str, Any]]) -> None:
        self.shell, self.outputs = shell, outputs

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        data, metadata = self.shell.display_formatter.format(value)
        self.outputs.append({"output_type": "execute_result", "data": data,
                             "metadata": metadata, "execution_count": None})


def _interrupt(ident: int) -> None:
    """KeyboardInterrupt in the thread running the step. The main thread gets SIGINT, as
    the kernel's interrupt sends it, so a ``time.sleep`` or a blocking read wakes too; another
    thread (a LangChain tool node's worker) gets it at its next bytecode."""
    import signal

    if ident == threading.main_thread().ident:
        if hasattr(signal, "pthread_kill"):
            signal.pthread_kill(ident, signal.SIGINT)
        else:  # Windows: seen at the next bytecode
            _thread.interrupt_main()
        return
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                               ctypes.py_object(KeyboardInterrupt))


def _plain_traceback(lines: list[str]) -> str:
    import re

    text = "\n".join(lines)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def run_code(shell: Any, code: str, *, timeout: float | None = None) -> StepRun:
    """Run ``code`` in ``shell`` from the main thread; raise ``KeyboardInterrupt`` when the
    user pressed Ctrl-C (a timeout is reported in the result instead)."""
    run = StepRun()
    timer_fired = threading.Event()
    timer: threading.Timer | None = None
    if timeout:
        target = threading.get_ident()

        def fire() -> None:
            timer_fired.set()
            _interrupt(target)

        timer = threading.Timer(timeout, fire)
        timer.daemon = True
    shown: list[list[str]] = []
    saved_hook = sys.displayhook
    shell_tb = shell.__dict__.get("_showtraceback")

    def keep_traceback(etype: Any, evalue: Any, stb: list[str]) -> None:
        shown.append(list(stb))

    started = time.perf_counter()
    result = None
    try:
        with capture_output(display=True) as captured:
            sys.displayhook = _ValueHook(shell, run.outputs)
            shell._showtraceback = keep_traceback
            if timer is not None:
                timer.start()
            try:
                result = shell.run_cell(code, store_history=False, silent=False)
            finally:
                if timer is not None:
                    timer.cancel()
                sys.displayhook = saved_hook
                if shell_tb is None:
                    shell.__dict__.pop("_showtraceback", None)
                else:
                    shell._showtraceback = shell_tb
    except KeyboardInterrupt:
        if not timer_fired.is_set():
            raise
    run.seconds = time.perf_counter() - started
    outputs = _stream_outputs(captured)
    outputs += [{"output_type": "display_data", "data": o.data, "metadata": o.metadata or {}}
                for o in captured.outputs]
    run.outputs[:0] = outputs  # printed text and displays came before the last value
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if timer_fired.is_set():
        run.status = f"timed out after {timeout:g} s"
        run.error = f"The code was interrupted: it ran longer than the {timeout:g} s limit."
        run.outputs.append(_error_output("TimeoutError", run.error, []))
    elif isinstance(error, KeyboardInterrupt):
        raise KeyboardInterrupt  # the user's Ctrl-C: the turn stops
    elif error is not None:
        run.status = "failed"
        text = _plain_traceback(shown[-1]) if shown else f"{type(error).__name__}: {error}"
        run.error = text
        run.outputs.append(_error_output(type(error).__name__, str(error), shown[-1] if shown
                                         else [text]))
    return run


def _stream_outputs(captured: Any) -> list[dict[str, Any]]:
    out = []
    for name in ("stdout", "stderr"):
        text = getattr(captured, name)
        if text:
            out.append({"output_type": "stream", "name": name, "text": text})
    return out


def _error_output(ename: str, evalue: str, traceback: list[str]) -> dict[str, Any]:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}
