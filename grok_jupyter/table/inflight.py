"""Requests in flight: written down before they are sent, booked when they are lost.

A request the server received is billed whether or not its answer ever reaches
us. Two cases lose the answer, and both are booked in the ledger as estimated
spend (``UsageRecord.estimated``; ``%grok usage`` shows ``~``):

* **Stopped in flight** (Ctrl-C, ``task.cancel()``): the map returns at once and
  books each request still in flight at the run's typical answer (its mean so
  far, else the catalogue estimate). The requests keep running in the
  background; an answer that arrives is committed to the cache, so the resume
  does not pay for it again, and its real record stays out of the ledger (its
  estimate is there). A resume in the same process waits for those answers
  before sending the same rows.
* **A dead process** (a Dask worker or Ray task killed mid-run): its markers
  stay in the cache. The next attempt of the same job (same ``run_id``, same
  machine) claims the markers whose process is gone and books each at what the
  same request costs when it is sent again (the emulator bills a prompt the
  same each time), else at the estimate.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from typing import Any

from ..client._usage import UsageRecord
from .errors import MapCacheError
from .estimate import estimate
from .run import MapRun

HOST = socket.gethostname()
# Keys whose requests were stopped in flight in this process and may still be answered.
_DETACHED: dict[str, threading.Event] = {}
_BACKGROUND: set[asyncio.Task[Any]] = set()  # keeps detached tasks alive on a caller's loop


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` on this machine still runs (a zombie counts as gone)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def mark(run: MapRun, key: str) -> str | None:
    """Write ``key`` down as in flight (committed) before it is sent; None without a cache.

    The map's own pool reports when the body has gone out whole (``mark_sent``); with a
    pool the caller gave, the request counts as sent from the start.
    """
    if run.cache is None or run.cache_error is not None:
        return None
    watched = run.owner is not None and run.owner.watches_sends
    return run.cache.mark(key, run.run_id, HOST, os.getpid(), sent=not watched)


def mark_sent(run: MapRun, marker_id: str) -> None:
    if run.cache is not None and run.cache_error is None:
        try:
            run.cache.mark_sent(marker_id)
        except MapCacheError as exc:
            run.cache_failed(exc)


def claim_orphans(run: MapRun, keys: list[str]) -> None:
    """Take over the markers that dead processes left on ``keys``.

    Those of this same job whose body had gone out are booked (``book_orphan``); the
    others are only cleared: a request never sent was not billed, and a dead process of
    another job took its own ledger with it.
    """
    if run.cache is None or not keys:
        return
    for m in run.cache.markers(keys):
        if m.host != HOST or pid_alive(m.pid):
            continue
        claimed = run.cache.claim(m.marker_id)
        if claimed and m.run_id == run.run_id and m.sent and not m.booked:
            run.orphans.setdefault(m.key, []).append(m.marker_id)


def estimated_record(run: MapRun, key: str, record_id: str) -> UsageRecord:
    """What a request whose answer we never saw most likely cost."""
    typical = run.typical_answer()
    if typical is not None:
        prompt, out, usd = typical
    else:
        messages = run.plan.messages[run.plan.keys.index(key)]
        est = estimate([messages], run.plan.model, run.plan.params, run.client.catalog)
        prompt, out, usd = est.prompt_tokens, est.completion_tokens, est.cost_usd or 0.0
    return UsageRecord(
        model=run.plan.model,
        source=run.source,
        prompt_tokens=prompt,
        completion_tokens=out,
        cost_usd=usd,
        estimated=True,
        record_id=record_id,
    )


def book_orphan(run: MapRun, key: str, like: UsageRecord | None) -> None:
    """Book the requests a dead attempt of this job lost on ``key``: as ``like`` (the same
    request's record now) when there is one, else estimated."""
    for marker_id in run.orphans.pop(key, []):
        record_id = f"lost-{marker_id}"
        if like is not None:
            fields = {**like.as_dict(), "record_id": record_id, "estimated": True}
            record = UsageRecord.from_dict(fields)
        else:
            record = estimated_record(run, key, record_id)
        run.client.ledger.record(record)
        cost = record.total_cost_usd or 0.0
        run.report.cost_usd += cost
        run.report.estimated_usd += cost
        run.report.lost_in_flight += 1


def book_remaining_orphans(run: MapRun) -> None:
    for key in list(run.orphans):
        book_orphan(run, key, None)


# --- stopped in flight ---------------------------------------------------------


def detach(run: MapRun, in_flight: dict[Any, tuple[str, Any, str | None]]) -> None:
    """Ctrl-C: book each request in flight as estimated spend and let it run on, so its
    answer, if it comes, lands in the cache. ``in_flight``: task -> (key, slot, marker)."""
    booked = []
    for task, (key, slot, marker_id) in list(in_flight.items()):
        if task.done():
            continue
        slot.detached = True
        record = estimated_record(run, key, f"stopped-{marker_id or id(task)}")
        slot.record = record  # what the ledger holds for it, stored with a late answer
        run.client.ledger.record(record)
        cost = record.total_cost_usd or 0.0
        run.report.cost_usd += cost
        run.report.estimated_usd += cost
        run.report.in_flight_at_stop += 1
        _DETACHED.setdefault(key, threading.Event()).clear()
        run.detached.append(task)
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)
        if marker_id is not None:
            booked.append(marker_id)
    if booked and run.cache is not None and run.cache_error is None:
        try:
            run.cache.set_booked(booked)
        except MapCacheError as exc:
            run.cache_failed(exc)


def detached_done(
    run: MapRun, key: str, slot: Any, marker_id: str | None, text: str | None, cost: float
) -> None:
    """A stopped request's answer arrived after the map returned: cache it, nothing else."""
    try:
        if run.cache is not None and run.cache_error is None:
            fits = text is not None
            if fits and run.plan.schema is not None:
                try:
                    run.plan.schema.parse(text)  # type: ignore[arg-type]
                except Exception:  # an answer that does not fit is not kept
                    fits = False
            if fits:
                run.cache.put(
                    key,
                    run.plan.model,
                    text,
                    cost,
                    record=slot.record.as_dict() if slot.record else None,
                    run_id=run.run_id,
                    marker_id=marker_id,
                )
            elif marker_id is not None:
                run.cache.unmark(marker_id)
    except MapCacheError:
        pass  # the map has returned; the next call reports an unusable cache itself
    finally:
        event = _DETACHED.get(key)
        if event is not None:
            event.set()


def still_answering(key: str) -> threading.Event | None:
    """The event of a request for ``key`` stopped in flight here and not answered yet."""
    event = _DETACHED.get(key)
    return event if event is not None and not event.is_set() else None


async def wait_detached(run: MapRun, key: str, timeout: float) -> bool:
    """Wait for a stopped request of this process on ``key``; True if its answer is cached
    (then it is settled as a cache hit: it was booked when it was stopped)."""
    event = still_answering(key)
    if event is None or run.cache is None:
        return False
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not event.is_set() and loop.time() < deadline:
        await asyncio.sleep(0.05)
    try:
        hit = run.cache.get_many([key]).get(key)
    except MapCacheError as exc:
        run.cache_failed(exc)
        return False
    if hit is None:
        return False
    run.settle_cached(key, hit.answer)
    return True


async def drain(run: MapRun) -> None:
    """Wait for the requests stopped in flight (each ends by its own timeout)."""
    if run.detached:
        await asyncio.gather(*run.detached, return_exceptions=True)
