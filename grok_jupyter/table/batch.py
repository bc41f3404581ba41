"""``map_rows(..., mode="batch")``: the same map as one Batch API job, 20% cheaper.

Each row still to do becomes one batch request whose ``batch_request_id`` is
the row's cache key, so results map back to rows whatever order they come
in, and identical rows are sent once. The batch is remembered in the map's
SQLite store (id, model, template, row keys) the moment it is created: after
a kernel restart, ``map_rows(..., resume="batch_...")`` collects it, and the
same ``mode="batch"`` call finds it by its keys instead of paying twice.
Ctrl-C stops the waiting, not the batch: it keeps running on xAI's side.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from ..client._errors import GrokError
from .cache import BatchEntry
from .run import MapRun

ADD_CHUNK = 500  # requests per add-requests call
SUBMITTED, DONE, CANCELLED = "submitted", "done", "cancelled"


def _find_remembered(run: MapRun) -> BatchEntry | None:
    """A batch submitted earlier (here or before a restart) that holds every row to do."""
    if run.cache is None:
        return None
    wanted = set(run.todo)
    for entry in run.cache.batches():
        if entry.state == SUBMITTED and entry.model == run.plan.model and wanted <= set(entry.keys):
            return entry
    return None


async def _submit(run: MapRun) -> str:
    batches = run.client.batches
    plan = run.plan
    messages = dict(zip(plan.keys, plan.messages, strict=True))
    batch = await batches.create(f"grok map: {plan.template[:60]}")
    batch_id = batch.batch_id
    run.report.batch_id = batch_id  # known at once: a Ctrl-C from here on can say which
    if run.cache is not None:
        run.cache.remember_batch(
            BatchEntry(
                batch_id=batch_id,
                model=plan.model,
                template=plan.template,
                spec={"params": plan.params, "rows": len(run.todo)},
                keys=list(run.todo),
                state=SUBMITTED,
                created=time.time(),
            )
        )
    for start in range(0, len(run.todo), ADD_CHUNK):
        chunk = run.todo[start : start + ADD_CHUNK]
        requests = [
            batches.chat_request(key, messages[key], model=plan.model, **plan.params)
            for key in chunk
        ]
        await batches.add_requests(batch_id, requests)
    return batch_id


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
    else:
        entry = _find_remembered(run)
        batch_id = entry.batch_id if entry is not None else await _submit(run)
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
    run.flush()
    if run.cache is not None:
        run.cache.set_batch_state(batch_id, CANCELLED if batch.status == "cancelled" else DONE)


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
