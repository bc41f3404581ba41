"""Preparing a table map: every check and every refusal, before anything is sent.

``prepare`` checks the options (``MapOptions``), plans the rows (``plan``),
answers the rows already done from the cache (``cache``), runs the client's
own request check on each row still to do, estimates the rest (``estimate``)
and refuses a map over its budget. What it returns, a ``MapRun``, is ready to
send.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..client._errors import ContextWindowExceededError, InvalidRequestError
from ..client._validation import CONTEXT_SAFETY_MARGIN
from .cache import open_cache
from .clients import map_client
from .errors import MapBudgetError, MapCacheError, dollars
from .estimate import estimate
from .inflight import claim_orphans, still_answering
from .options import MapOptions
from .plan import make_plan
from .report import MapReport
from .run import MapRun


def prepare(data: Any, template: str, options: MapOptions) -> MapRun:
    """Plan, read the cache, estimate and check the budget: every refusal happens here.

    ``options.run_id``: the job this map belongs to (a Dask or Ray job gives every
    partition or batch the same one, retries included); ``options.pace``: the job's
    shared ``PaceSource`` (default: this process's book for the account).
    """
    started = time.perf_counter()
    options.check()
    mode = "batch" if options.resume is not None else options.mode
    owner = map_client(options.client, options.concurrency, single_attempt=mode == "live")
    aclient = owner.client
    model = options.model or aclient.catalog.default_chat_model
    if mode == "batch":
        # Before anything is sent: grok-4.5 and grok-4.6 take no batches (ModelNotBatchableError
        # names those that do); where support is [U] it warns and sends.
        aclient.catalog.check_batchable(model, stacklevel=3)
    plan = make_plan(data, template, schema=options.schema, model=model, system=options.system,
                     params=options.params)  # fmt: skip
    store = open_cache(options.cache)
    report = MapReport(rows=len(plan.keys), mode=mode)
    run = MapRun(
        plan=plan,
        client=aclient,
        cache=store,
        concurrency=options.concurrency,
        budget_usd=options.budget_usd,
        on_error=options.on_error,
        progress=options.progress,
        source=options.source,
        on_row=options.on_row,
        report=report,
        run_id=options.run_id or uuid.uuid4().hex,
        resume=options.resume,
        poll_interval=float(options.poll_interval),
        started=started,
        pace=options.pace,
        owner=owner,
    )
    unique = list(dict.fromkeys(plan.keys))
    try:
        hits = store.get_many(unique) if store is not None else {}
        claim_orphans(run, unique)
    except MapCacheError as exc:
        exc.result = None  # nothing was sent
        raise
    for key, hit in hits.items():
        if hit.run_id is not None and hit.run_id == run.run_id:
            run.recover(key, hit)  # bought by an earlier attempt of this job
        else:
            run.answers[key] = hit.answer
            run.costs[key] = 0.0
            report.cached += run.rows_for(key)
    report.done += report.cached
    todo = [k for k in unique if k not in hits]
    # Rows a stopped map of this process may still be answering go last: by then their
    # answers are likely in the cache, and are not paid for twice.
    todo.sort(key=lambda k: still_answering(k) is not None)
    # The client's own validation, row by row, before anything is sent: a prompt over
    # the context window fails its row ("keep") or the whole map ("raise").
    messages = dict(zip(plan.keys, plan.messages, strict=True))
    fits = _surely_fits(aclient, model, plan.params)
    sendable = []
    for i, key in enumerate(todo):
        if i and fits(messages[key]):
            sendable.append(key)  # as the first row, whose check covered the parameters
            continue
        try:
            aclient._chat_body(messages[key], model, dict(plan.params))
        except ContextWindowExceededError as exc:
            if options.on_error == "raise":
                row = plan.index[plan.keys.index(key)]
                raise type(exc)(
                    f"Row {row!r}: {exc.message}",
                    estimated_tokens=exc.estimated_tokens,
                    context_window=exc.context_window,
                ) from None
            run.errors[key] = f"{type(exc).__name__}: {exc.message}"
            run.costs[key] = 0.0
            report.failed += run.rows_for(key)
            run.orphans.pop(key, None)
        except InvalidRequestError:
            raise  # a parameter every row shares: the whole map is wrong
        else:
            sendable.append(key)
    run.todo = sendable
    discount = aclient.catalog.batch_discount if mode == "batch" else 0.0
    est = estimate(
        [messages[k] for k in sendable], model, plan.params, aclient.catalog, discount=discount
    )
    report.estimate = est
    budget_usd = options.budget_usd
    if budget_usd is not None and est.cost_usd is not None and est.cost_usd > budget_usd:
        raise MapBudgetError(
            f"The map would cost about {dollars(est.cost_usd)} ({est.describe()}), over the budget "
            f"of {dollars(budget_usd)}. Raise budget_usd, map fewer rows (df.head(n)), or set "
            "max_tokens to bound the answers.",
            estimate_usd=est.cost_usd,
            budget_usd=float(budget_usd),
        )
    if options.progress and (sendable or options.resume):
        cached = f" ({report.cached:,} rows from the cache)" if report.cached else ""
        print(f"grok map: {est.describe()}{cached}", file=sys.stderr)
    return run


def _surely_fits(aclient: Any, model: str, params: dict[str, Any]) -> Callable[[Any], bool]:
    """Whether a row's messages cannot reach the model's window, by their characters alone.

    The client's check costs ~0.2 ms a row: a second before the first request of a
    4,500-row map. Rows differ only in their text, so after the first row (which checks
    the parameters every row shares) a row whose characters, plus the parameters and
    the tokens reserved for the answer, stay under half the client's own limit (a token
    is at least one character) needs no check of its own; any other row gets it.
    """
    info = aclient.catalog.effective_model(model)
    window = (info.context_window or 0) if info is not None else 0
    reserved = params.get("max_completion_tokens") or params.get("max_tokens") or 0
    room = int(window * CONTEXT_SAFETY_MARGIN) // 2 - reserved - len(json.dumps(params))

    def fits(messages: Any) -> bool:
        if room <= 0:
            return False
        size = 0
        for m in messages:
            content = m.get("content")
            if not isinstance(content, str):
                return False  # parts (images, files): the client's check decides
            size += len(content) + 64
        return size <= room

    return fits
