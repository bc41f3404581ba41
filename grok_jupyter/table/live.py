"""Live sending: one chat request a row, started at the account's pace.

The pacer (``rate.pacer_for``) gives each request its start time, so the map
runs at the account's rate whatever the answer time: the number in flight grows
to rate x answer time, up to ``concurrency``. Each request is written down
before it goes out (``inflight.mark``) and its answer committed when it comes
back (``MapRun.settle``).

What ends a row other than an answer:

* an error the client would retry (``retry``: a 429, a 5xx, a connection that
  failed before any answer): the row goes back in the queue, a 429 at once
  (the pacer pauses), the others after the client's jittered back-off; every
  attempt is paced;
* a refused key or account (401, 403): nothing more is sent, by this sender or,
  through the shared book, by any other sender of the same job; a job its caller
  halted (Ctrl-C on a cluster's driver) stops the same way, as interrupted;
* any other error, a transport error included: recorded on the row
  (``on_error="keep"``) or the map stops (``"raise"``);
* Ctrl-C / cancel: the requests in flight are booked and left to finish in the
  background (``inflight.detach``).
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter, deque
from typing import Any

from ..client._errors import RateLimitError
from ..client._observe import observe_responses
from .clients import CURRENT_REQUEST, RequestSlot
from .errors import MapCacheError
from .inflight import (
    book_orphan,
    detach,
    detached_done,
    mark,
    mark_sent,
    still_answering,
    wait_detached,
)
from .rate import STOPPED_BY_CALLER, pacer_for, response_observer
from .run import MapRun


async def send_live(run: MapRun) -> None:
    pacer = run.pacer = pacer_for(run)
    messages = dict(zip(run.plan.keys, run.plan.messages, strict=True))
    queue: deque[str] = deque(run.todo)
    tries: Counter[Any] = Counter()  # (key, "429" | "other") -> failed attempts
    in_flight: dict[asyncio.Task[None], tuple[str, RequestSlot, str | None]] = {}
    wait_s = _read_timeout(run)
    waited: set[str] = set()
    try:
        with observe_responses(response_observer(pacer)):
            while run.stop_reason is None:
                if not queue:
                    if not in_flight:
                        break
                    await asyncio.wait(list(in_flight), return_when=asyncio.FIRST_COMPLETED)
                    continue
                # Taken off now: retries are put back in the queue while this waits.
                key = queue.popleft()
                if run.cache is not None and key not in waited and still_answering(key):
                    waited.add(key)
                    if not await wait_detached(run, key, wait_s):
                        queue.append(key)  # nothing came: send it after all
                    continue
                pacer.demand = len(queue) + 1
                if not await pacer.acquire():
                    if pacer.halted == STOPPED_BY_CALLER:
                        run.stop_reason = "interrupted"
                    else:
                        run.refused(None, _Halted(pacer.halted or "stopped"))
                    break
                if run.stop_reason is None and run.over_budget(pacer.in_flight - 1):
                    run.stop_reason = "budget"
                if run.stop_reason is not None:
                    pacer.release()
                    break
                try:
                    marker_id = mark(run, key)
                except MapCacheError as exc:
                    pacer.release()
                    run.cache_failed(exc)
                    break
                slot = RequestSlot()
                if marker_id is not None:
                    slot.on_sent = functools.partial(mark_sent, run, marker_id)
                task = asyncio.ensure_future(
                    _one(run, key, messages[key], slot, marker_id, queue, tries)
                )
                in_flight[task] = (key, slot, marker_id)
                task.add_done_callback(lambda t: in_flight.pop(t, None))
            if in_flight:  # stopped (budget, error, refused key, cache): let them land
                await asyncio.gather(*list(in_flight))
    except asyncio.CancelledError:
        run.stop_reason = "interrupted"
        detach(run, in_flight)
    except BaseException:
        for task in list(in_flight):  # an unexpected error: no request left running
            task.cancel()
        await asyncio.gather(*list(in_flight), return_exceptions=True)
        raise
    finally:
        run.report.rate_limited = pacer.rate_limited
        run.report.max_in_flight = pacer.max_seen_in_flight
        try:
            await asyncio.wait_for(pacer.flush(), timeout=10)  # a halt reaches the others
        except Exception:  # the shared book may be gone (a killed actor): nothing to tell
            pass


class _Halted(Exception):
    """Another sender of this job was refused by the API; this one stops too."""


def _read_timeout(run: MapRun) -> float:
    timeout = run.client.settings.timeout
    return float(getattr(timeout, "read", None) or 600.0)


async def _one(
    run: MapRun,
    key: str,
    messages: list[dict[str, Any]],
    slot: RequestSlot,
    marker_id: str | None,
    queue: deque[str],
    tries: Counter[str],
) -> None:
    from ..client._usage import cost_usd

    CURRENT_REQUEST.set(slot)  # this task's context only: the tap hands it its record
    tokens, released = None, False
    try:
        completion = await run.client.chat(
            messages, model=run.plan.model, source=run.source, **run.plan.params
        )
    except asyncio.CancelledError:
        if slot.detached:  # its loop is closing: the answer will not come
            detached_done(run, key, slot, marker_id, None, 0.0)
        raise
    except Exception as exc:  # transport errors, unreadable bodies: this row's error
        if slot.detached:
            detached_done(run, key, slot, marker_id, None, 0.0)
            return
        limited = isinstance(exc, RateLimitError)
        delay = run.owner.retry.delay(exc, tries[key, "other"], tries[key, "429"])
        if delay is None or run.stop_reason is not None:
            run.fail(key, exc, marker_id=marker_id)
            book_orphan(run, key, None)
            return
        tries[key, "429" if limited else "other"] += 1
        if marker_id is not None:
            run.unmark(marker_id)  # not answered, so not billed; marked again when resent
        released = True
        run.pacer.release()
        if delay > 0:
            await asyncio.sleep(delay)  # the client's own jittered back-off
        (queue.appendleft if limited else queue.append)(key)
    else:
        usage = completion.usage
        tokens = usage.total_tokens if usage is not None else None
        cost = cost_usd(completion.model or run.plan.model, usage, run.client.catalog) or 0.0
        text = completion.choices[0].message.content if completion.choices else None
        if slot.detached:
            detached_done(run, key, slot, marker_id, text, cost)
        else:
            run.answered(key, text, cost, record=slot.record, marker_id=marker_id)
            book_orphan(run, key, slot.record)
    finally:
        if not released and run.pacer is not None:
            run.pacer.release(tokens=tokens)
