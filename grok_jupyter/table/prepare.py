"""Preparing a table map: every check and every refusal, before anything is sent.

``prepare`` checks the options, plans the rows (``plan``), answers the rows
already done from the cache (``cache``), runs the client's own request check
on each row still to do, estimates the rest (``estimate``) and refuses a map
over its budget. What it returns, a ``MapRun``, is ready to send. Its keywords
are ``map_rows``' own, with the same defaults; every other keyword of
``map_rows`` is a request field (``params``).
"""

from __future__ import annotations

import inspect
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..client._errors import ContextWindowExceededError, InvalidRequestError
from .cache import open_cache
from .clients import map_client
from .errors import MapBudgetError, MapCacheError, MapInputError, dollars
from .estimate import estimate
from .inflight import claim_orphans, still_answering
from .plan import make_plan
from .report import MapReport
from .run import MapRun

DEFAULT_CONCURRENCY = 1024
BATCH_ID = re.compile(r"batch_[A-Za-z0-9][A-Za-z0-9_-]*")  # the API's prefix is [V]


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(map keywords, request fields)``: ``map_rows``' own keywords (``prepare``'s) from
    the rest, which go with every request (``temperature``, ``max_tokens``, ...)."""
    own = {
        name
        for name, p in inspect.signature(prepare).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "params"
    }
    named = {k: v for k, v in options.items() if k in own}
    params = {k: v for k, v in options.items() if k not in own}
    return named, params


def check_options(
    on_error: str = "raise",
    mode: str = "live",
    concurrency: Any = DEFAULT_CONCURRENCY,
    budget_usd: Any = None,
    poll_interval: Any = 5.0,
    resume: Any = None,
) -> None:
    """Every option's refusal, before anything is read or sent (also run on a cluster's
    driver, so a bad option fails there and not on each worker)."""
    if on_error not in ("raise", "keep"):
        raise MapInputError(f"on_error must be 'raise' or 'keep', not {on_error!r}.")
    if mode not in ("live", "batch"):
        raise MapInputError(f"mode must be 'live' or 'batch', not {mode!r}.")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise MapInputError(
            f"concurrency must be a whole number of at least 1 (the most requests in flight; "
            f"default {DEFAULT_CONCURRENCY}), not {concurrency!r}."
        )
    if (
        isinstance(poll_interval, bool)
        or not isinstance(poll_interval, (int, float))
        or not poll_interval >= 0
    ):
        raise MapInputError(
            f"poll_interval must be a number of seconds, 0 or more (default 5.0), not "
            f"{poll_interval!r}."
        )
    if resume is not None and (not isinstance(resume, str) or not BATCH_ID.fullmatch(resume)):
        raise MapInputError(
            f"resume must be a batch id such as 'batch_0f3c…' (report.batch_id of the map "
            f"that submitted it, or %grok batches), not {resume!r}."
        )
    if budget_usd is not None and (
        isinstance(budget_usd, bool)
        or not isinstance(budget_usd, (int, float))
        or not budget_usd > 0
    ):
        raise MapInputError(f"budget_usd must be a positive number of dollars, not {budget_usd!r}.")


def prepare(
    data: Any,
    template: str,
    *,
    schema: Any = None,
    model: str | None = None,
    system: str | None = None,
    client: Any = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    budget_usd: float | None = None,
    on_error: str = "raise",
    cache: Any = True,
    mode: str = "live",
    resume: str | None = None,
    progress: bool = True,
    source: str = "map",
    on_row: Callable[[MapReport], None] | None = None,
    poll_interval: float = 5.0,
    params: dict[str, Any] | None = None,
    run_id: str | None = None,
    pace: Any = None,
) -> MapRun:
    """Plan, read the cache, estimate and check the budget: every refusal happens here.

    ``run_id``: the job this map belongs to (a Dask or Ray job gives every partition
    or batch the same one, retries included); ``pace``: the job's shared
    ``PaceSource`` (default: this process's book for the account).
    """
    started = time.perf_counter()
    check_options(on_error, mode, concurrency, budget_usd, poll_interval, resume)
    if resume is not None:
        mode = "batch"
    owner = map_client(client, concurrency, single_attempt=mode == "live")
    aclient = owner.client
    model = model or aclient.catalog.default_chat_model
    if mode == "batch":
        # Before anything is sent: grok-4.5 and grok-4.6 take no batches (ModelNotBatchableError
        # names those that do); where support is [U] it warns and sends.
        aclient.catalog.check_batchable(model, stacklevel=3)
    plan = make_plan(data, template, schema=schema, model=model, system=system, params=params or {})
    store = open_cache(cache)
    report = MapReport(rows=len(plan.keys), mode=mode)
    run = MapRun(
        plan=plan,
        client=aclient,
        cache=store,
        concurrency=concurrency,
        budget_usd=budget_usd,
        on_error=on_error,
        progress=progress,
        source=source,
        on_row=on_row,
        report=report,
        run_id=run_id or uuid.uuid4().hex,
        resume=resume,
        poll_interval=float(poll_interval),
        started=started,
        pace=pace,
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
    sendable = []
    for key in todo:
        try:
            aclient._chat_body(messages[key], model, dict(plan.params))
        except ContextWindowExceededError as exc:
            if on_error == "raise":
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
    if budget_usd is not None and est.cost_usd is not None and est.cost_usd > budget_usd:
        raise MapBudgetError(
            f"The map would cost about {dollars(est.cost_usd)} ({est.describe()}), over the budget "
            f"of {dollars(budget_usd)}. Raise budget_usd, map fewer rows (df.head(n)), or set "
            "max_tokens to bound the answers.",
            estimate_usd=est.cost_usd,
            budget_usd=float(budget_usd),
        )
    if progress and (sendable or resume):
        cached = f" ({report.cached:,} rows from the cache)" if report.cached else ""
        print(f"grok map: {est.describe()}{cached}", file=sys.stderr)
    return run
