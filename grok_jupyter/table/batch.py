"""``map_rows(..., mode="batch")``: the same map as one Batch API job, 20% cheaper.

Each row still to do becomes one batch request whose ``batch_request_id`` is
the row's cache key, so results map back to rows whatever order they come
in, and identical rows are sent once. The batch is remembered in the map's
SQLite store (id, model, template, row keys) the moment it is created, as
"adding" with a count of the requests added so far; it is "submitted" only once
all are in. After a kernel restart, ``map_rows(..., resume="batch_...")``
collects it, and the same ``mode="batch"`` call finds it by its keys instead of
paying twice. A batch stopped while its requests were being added (Ctrl-C or a
killed kernel during ``add_requests``) is finished by the same call: the rest
are added to the same batch when the server's request count says which chunks
landed, else the batch is cancelled and the rows go in a new one; a batch that
lacks requests is never waited on. Ctrl-C while waiting stops the waiting, not
the batch: it keeps running on xAI's side.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from ..client._errors import GrokError
from .cache import BatchEntry
from .errors import MapCacheError
from .run import MapRun

ADD_CHUNK = 500  # requests per add-requests call
ADDING, SUBMITTED, DONE, CANCELLED = "adding", "submitted", "done", "cancelled"


def _find_remembered(run: MapRun) -> BatchEntry | None:
    """A batch created earlier (here or before a restart) for every row to do: submitted,
    or still being added to when its call was stopped."""
    if run.cache is None:
        return None
    wanted = set(run.todo)
    for entry in run.cache.batches():
        if (
            entry.state in (SUBMITTED, ADDING)
            and entry.model == run.plan.model
            and wanted <= set(entry.keys)
        ):
            return entry
    return None


async def _create(run: MapRun) -> BatchEntry:
    """A new batch for the rows to do, remembered at once (as being added to)."""
    plan = run.plan
    batch = await run.client.batches.create(f"grok map: {plan.template[:60]}")
    run.report.batch_id = batch.batch_id  # known at once: a Ctrl-C from here on can say which
    entry = BatchEntry(
        batch_id=batch.batch_id,
        model=plan.model,
        template=plan.template,
        spec={"params": plan.params, "rows": len(run.todo), "chunk": ADD_CHUNK},
        keys=list(run.todo),
        state=ADDING,
        created=time.time(),
        added=0,
    )
    if run.cache is not None:
        run.cache.remember_batch(entry)
    return entry


async def _add_rest(run: MapRun, entry: BatchEntry) -> None:
    """Add the entry's requests from ``entry.added`` on, counting each chunk as it lands;
    the batch is recorded as submitted only once all are in."""
    batches, plan = run.client.batches, run.plan
    messages = dict(zip(plan.keys, plan.messages, strict=True))
    size = int(entry.spec.get("chunk") or ADD_CHUNK)
    for start in range(max(entry.added, 0), len(entry.keys), size):
        chunk = entry.keys[start : start + size]
        requests = [
            batches.chat_request(key, messages[key], model=plan.model, **plan.params)
            for key in chunk
        ]
        await batches.add_requests(entry.batch_id, requests)
        entry.added = start + len(chunk)
        if run.cache is not None:
            run.cache.set_batch_state(entry.batch_id, ADDING, added=entry.added)
    entry.state = SUBMITTED
    if run.cache is not None:
        run.cache.set_batch_state(entry.batch_id, SUBMITTED, added=len(entry.keys))


async def _finish_adding(run: MapRun, entry: BatchEntry) -> str:
    """A batch whose adding was stopped (Ctrl-C, a killed kernel): add what is missing to
    the same batch when the server's count says which chunks landed; else cancel it and
    submit the rows in a new one. Never wait on a batch that lacks requests."""
    batches = run.client.batches
    known = set(run.plan.keys)
    try:
        batch = await batches.get(entry.batch_id)
    except GrokError:
        batch = None
    if batch is not None and batch.cancel_time is None and entry.added >= 0:
        landed = batch.state.num_requests
        size = int(entry.spec.get("chunk") or ADD_CHUNK)  # the chunks its call added
        next_chunk = min(size, len(entry.keys) - entry.added)
        if landed == entry.added + next_chunk:  # the chunk in flight at the stop got there
            entry.added = landed
        if landed == entry.added and set(entry.keys[entry.added :]) <= known:
            if run.progress:
                print(f"grok map: batch {entry.batch_id} was stopped while its requests were "
                      f"being added ({entry.added:,}/{len(entry.keys):,}); adding the rest.",
                      file=sys.stderr)  # fmt: skip
            run.report.batch_id = entry.batch_id
            await _add_rest(run, entry)
            return entry.batch_id
    # Which requests the batch holds is unknown: it cannot be completed safely.
    if batch is not None and batch.cancel_time is None:
        await batches.cancel(entry.batch_id)
    if run.cache is not None:
        run.cache.set_batch_state(entry.batch_id, CANCELLED)
    if run.progress:
        print(f"grok map: batch {entry.batch_id} was stopped while its requests were being "
              "added and cannot be completed; cancelled it, submitting a new one.",
              file=sys.stderr)  # fmt: skip
    fresh = await _create(run)
    await _add_rest(run, fresh)
    return fresh.batch_id


async def _submit(run: MapRun) -> str:
    entry = await _create(run)
    await _add_rest(run, entry)
    return entry.batch_id


async def send_batch(run: MapRun) -> None:
    """Submit (or pick up) the batch, wait for it with the bar, and settle every row."""
    from ..client._usage import cost_usd

    batches = run.client.batches
    resume = run.resume
    if resume is None and not run.todo:
        return
    if resume is not None:
        batch_id = resume
        await batches.get(batch_id)  # NotFoundError for an id the API does not know
        entry = run.cache.batch(batch_id) if run.cache is not None else None
        if entry is not None and entry.state == ADDING:
            batch_id = await _finish_adding(run, entry)
    else:
        entry = _find_remembered(run)
        if entry is None:
            batch_id = await _submit(run)
        elif entry.state == ADDING:
            batch_id = await _finish_adding(run, entry)
        else:
            batch_id = entry.batch_id
    run.report.batch_id = batch_id
    wanted = set(run.todo)
    seen = 0
    try:
        while True:
            batch = await batches.get(batch_id)
            state = batch.state
            finished = state.num_success + state.num_error + state.num_cancelled
            if run.bar is not None and (finished != seen or seen == 0):
                # The bar counts rows once their results are read; until then the
                # server's counters show how far the batch is.
                run.bar.set_postfix_str(
                    f"batch {batch.status}: {finished:,}/{state.num_requests:,} answered"
                )
                seen = finished
            if batch.status in ("completed", "cancelled", "failed"):
                break
            await asyncio.sleep(run.poll_interval)
    except asyncio.CancelledError:
        run.stop_reason = "interrupted"
        if run.progress:
            print(
                f"grok map: batch {batch_id} keeps running on the server; "
                f"map_rows(..., resume={batch_id!r}) collects it.",
                file=sys.stderr,
            )
        raise
    catalog = run.client.catalog
    async for result in batches.iter_results(batch_id, source=run.source):
        key = result.batch_request_id
        if key not in wanted or key in run.answers or key in run.errors:
            continue
        completion = result.completion
        if completion is not None:
            cost = cost_usd(completion.model or run.plan.model, completion.usage, catalog) or 0.0
            if completion.usage is not None and completion.usage.cost_in_usd_ticks is None:
                cost *= 1 - catalog.batch_discount  # the server's figure has it already
            text = completion.choices[0].message.content if completion.choices else None
            run.answered(key, text, cost)
        else:
            error = result.error
            why = error.message if error is not None else "no answer"
            run.fail(key, GrokError(f"batch request failed: {why}"))
    if run.cache is not None and run.cache_error is None:
        state = CANCELLED if batch.status == "cancelled" else DONE
        try:
            run.cache.set_batch_state(batch_id, state)
        except MapCacheError as exc:
            run.cache_failed(exc)


def describe_batches(cache: Any, client: Any) -> list[dict[str, Any]]:
    """Remembered batches with their status now (``%grok batches``); newest first."""
    rows = []
    for entry in cache.batches():
        status, done = entry.state, None
        try:
            batch = client.batches.get(entry.batch_id)
            status = batch.status
            done = batch.state.num_success + batch.state.num_error
        except GrokError as exc:
            status = f"unknown ({type(exc).__name__})"
        if entry.state == ADDING:
            status = (
                f"stopped while adding requests ({max(entry.added, 0):,}/{len(entry.keys):,} "
                "added; the same map_rows call finishes it)"
            )
        rows.append(
            {
                "batch_id": entry.batch_id,
                "model": entry.model,
                "template": entry.template,
                "rows": len(entry.keys),
                "answered": done,
                "status": status,
                "collected": entry.state == DONE,
                "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.created)),
            }
        )
    return rows
