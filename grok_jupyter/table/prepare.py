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
import sys
import time
from collections.abc import Callable
from typing import Any

from ..client._errors import ContextWindowExceededError, InvalidRequestError
from .cache import open_cache
from .clients import async_client_for
from .errors import MapBudgetError, MapInputError, dollars
from .estimate import estimate
from .plan import make_plan
from .report import MapReport
from .run import MapRun


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


def _check_options(on_error: str, mode: str, concurrency: Any, budget_usd: Any) -> None:
    if on_error not in ("raise", "keep"):
        raise MapInputError(f"on_error must be 'raise' or 'keep', not {on_error!r}.")
    if mode not in ("live", "batch"):
        raise MapInputError(f"mode must be 'live' or 'batch', not {mode!r}.")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise MapInputError(
            f"concurrency must be a whole number of at least 1, not {concurrency!r}."
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
    concurrency: int = 256,
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
) -> MapRun:
    """Plan, read the cache, estimate and check the budget: every refusal happens here."""
    started = time.perf_counter()
    if resume is not None:
        mode = "batch"
    _check_options(on_error, mode, concurrency, budget_usd)
    aclient = async_client_for(client)
    model = model or aclient.catalog.default_chat_model
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
    )
    run.resume, run.poll_interval, run.started = resume, poll_interval, started
    hits = store.get_many(plan.keys) if store is not None else {}
    for key, (answer, _) in hits.items():
        run.answers[key] = answer
        run.costs[key] = 0.0
    report.cached = sum(1 for k in plan.keys if k in hits)
    report.done = report.cached
    todo = [k for k in dict.fromkeys(plan.keys) if k not in hits]
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
