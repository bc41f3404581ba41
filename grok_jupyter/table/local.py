"""The table map in this process: prepare, send from a worker thread, build the result.

``map_local`` is ``map_rows`` for a table held here (a DataFrame, a Series, a
list): the pandas path of ``map_rows``, and what each Dask partition and Ray
batch runs on its worker. It always sends from a worker thread with its own
event loop, so it works the same in a script and in a notebook cell, where
ipykernel's loop is already running, and Ctrl-C in the calling thread stops
the map and returns what is done; the requests then in flight finish on that
thread in the background (``inflight``). ``send`` is the same sending for a
caller already on a loop (``amap_rows``).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from .batch import send_batch
from .inflight import book_remaining_orphans, drain
from .live import send_live
from .options import split_options
from .prepare import prepare
from .result import finish
from .run import MapRun

_CLOSING: set[asyncio.Task[None]] = set()  # amap_rows: the twin closes after the stragglers


def map_local(data: Any, template: str, **options: Any) -> Any:
    """Map ``template`` over the rows of ``data`` here; takes ``map_rows``' arguments
    (its own keywords and request fields alike) and returns what it returns."""
    run = prepare(data, template, split_options(options))
    if run.todo or run.report.mode == "batch":
        # The bar is made here, in the caller's thread: a notebook widget displayed from
        # the worker thread could land in another cell's output. The worker only updates it.
        run.bar = progress_bar(run) if run.progress else None
        try:
            _send_in_thread(run)
        finally:
            if run.bar is not None:
                run.bar.close()
    else:
        book_remaining_orphans(run)
    return finish(run)


async def amap(run: MapRun) -> None:
    """``amap_rows``' sending on the caller's loop; the twin is closed once nothing runs."""
    try:
        if run.todo or run.report.mode == "batch":
            await send(run)
        else:
            book_remaining_orphans(run)
    finally:
        if run.detached:
            closing = asyncio.ensure_future(_close_after_drain(run))
            _CLOSING.add(closing)
            closing.add_done_callback(_CLOSING.discard)
        else:
            await run.owner.aclose()


async def _close_after_drain(run: MapRun) -> None:
    await drain(run)
    await run.owner.aclose()


async def send(run: MapRun) -> None:
    """Send the rows still to do, with the progress bar, live or as a batch."""
    own_bar = run.bar is None and run.progress
    if own_bar:
        run.bar = progress_bar(run)
    try:
        if run.report.mode == "batch":
            await send_batch(run)
        else:
            await send_live(run)
    except asyncio.CancelledError:
        run.stop_reason = "interrupted"
    finally:
        book_remaining_orphans(run)
        if own_bar and run.bar is not None:
            run.bar.close()


def progress_bar(run: MapRun) -> Any:
    from tqdm.auto import tqdm

    bar = tqdm(
        total=run.report.rows,
        initial=run.report.done + run.report.failed,
        desc="grok map",
        unit="row",
        dynamic_ncols=True,
    )
    bar.set_postfix_str("$0.0000", refresh=False)
    return bar


def _send_in_thread(run: MapRun) -> None:
    """Run ``send`` on a worker thread's own loop; Ctrl-C here cancels it.

    The caller goes on as soon as ``send`` returns; the thread then waits for the
    requests stopped in flight (their answers go to the cache) and closes the loop.
    """
    state: dict[str, Any] = {}
    ready = threading.Event()
    # Waited on instead of thread.join: a KeyboardInterrupt inside join() can leave
    # is_alive() False while the thread still runs (CPython before 3.13).
    sent = threading.Event()

    def work() -> None:
        loop = asyncio.new_event_loop()
        state["loop"] = loop
        try:
            task = loop.create_task(send(run))
            state["task"] = task
            ready.set()
            loop.run_until_complete(task)
        except BaseException as exc:  # re-raised in the calling thread
            state["error"] = exc
        finally:
            ready.set()
            sent.set()
            try:
                loop.run_until_complete(drain(run))
                loop.run_until_complete(run.owner.aclose())
                loop.run_until_complete(loop.shutdown_asyncgens())  # closes the loop's pools
            finally:
                loop.close()

    thread = threading.Thread(target=work, name="grok-map", daemon=True)
    thread.start()
    interrupts = 0
    while not sent.is_set():
        try:
            sent.wait(0.1)
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts > 1:
                raise  # a second Ctrl-C: stop waiting (the worker cancels on its own)
            ready.wait()
            run.stop_reason = "interrupted"
            loop, task = state.get("loop"), state.get("task")
            if loop is not None and task is not None and not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)
    if "error" in state:
        raise state["error"]
