"""The result of a table map: the input's table with the answers as columns, and its report.

``finish`` turns a ``MapRun`` into what ``map_rows`` returns: a DataFrame for a
DataFrame or Series (the report in ``attrs["grok_map"]``), else ``MapRows``.
Each schema field becomes a column (else ``answer``), plus ``_cost_usd``, and
``_error`` under ``on_error="keep"`` or when rows were left undone.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from .errors import MapAuthError, MapRowError, auth_error_message, row_error_message
from .plan import ANSWER, Plan
from .report import MapRows
from .run import MapRun

NOT_DONE_INTERRUPTED = "not done: interrupted"
NOT_DONE_BUDGET = "not done: budget spent"
NOT_DONE_ERROR = "not done: stopped at the first failed row"
NOT_DONE_AUTH = "not done: the API refused the key (see XAI_API_KEY)"
NOT_DONE_CACHE = "not done: the cache could not be written"
NOT_DONE = {
    "interrupted": NOT_DONE_INTERRUPTED,
    "budget": NOT_DONE_BUDGET,
    "error": NOT_DONE_ERROR,
    "auth": NOT_DONE_AUTH,
    "cache": NOT_DONE_CACHE,
}
ERROR = "_error"
COST = "_cost_usd"


def finish(run: MapRun) -> Any:
    """The output table, the report filled in. Raises ``MapAuthError`` (a refused key, in
    both on_error modes), ``MapCacheError`` (the cache failed mid-map) or, under
    on_error='raise', ``MapRowError``; each carries the table in ``.result``."""
    plan, report = run.plan, run.report
    report.elapsed_s = time.perf_counter() - run.started
    not_done = NOT_DONE.get(run.stop_reason or "interrupted", NOT_DONE_INTERRUPTED)
    report.interrupted = run.stop_reason == "interrupted"
    report.stopped_by_budget = run.stop_reason == "budget"
    report.stopped = run.stop_reason
    columns = plan.result_columns
    values: dict[str, list[Any]] = {c: [] for c in columns}
    costs: list[float] = []
    errors: list[str | None] = []
    missing = 0
    charged: set[str] = set()
    for key in plan.keys:
        answer = run.answers.get(key)
        error = run.errors.get(key)
        if answer is None and error is None:
            error = not_done
            missing += 1
        fields = _fields(plan, answer) if answer is not None else dict.fromkeys(columns)
        for c in columns:
            values[c].append(fields.get(c))
        # A row repeated in the table is sent once: its cost goes on its first row only.
        costs.append(run.costs.get(key, 0.0) if key not in charged else 0.0)
        charged.add(key)
        errors.append(error)
    report.not_done = missing
    with_errors = run.on_error == "keep" or missing > 0
    out = _build(plan, values, costs, errors if with_errors else None)
    if isinstance(out, MapRows):
        out.report = report
    else:
        out.attrs["grok_map"] = report
    if run.progress and (run.todo or report.mode == "batch"):
        print(f"grok map: {report.describe()}", file=sys.stderr)
    if run.auth_error is not None:
        key, exc = run.auth_error
        row = plan.index[plan.keys.index(key)] if key is not None else None
        reason = f"{type(exc).__name__}: {exc}" if key is not None else str(exc)
        raise MapAuthError(auth_error_message(reason, report.done), row=row, result=out,
                           reason=reason) from exc  # fmt: skip
    if run.cache_error is not None:
        error = run.cache_error
        error.result = out
        raise error
    if run.on_error == "raise" and run.first_error is not None:
        key, exc = run.first_error
        row = plan.index[plan.keys.index(key)]
        reason = f"{type(exc).__name__}: {exc}"
        raise MapRowError(
            row_error_message(row, reason, report.done), row=row, result=out, reason=reason
        ) from exc
    return out


def _fields(plan: Plan, answer: Any) -> dict[str, Any]:
    if plan.schema is None:
        return {ANSWER: answer}
    return plan.schema.parse(answer)


def _build(
    plan: Plan, values: dict[str, list[Any]], costs: list[float], errors: list[Any] | None
) -> Any:
    new: dict[str, list[Any]] = dict(values)
    new[COST] = costs
    if errors is not None:
        new[ERROR] = errors
    if plan.kind == "frame":
        out = plan.source.copy()
        for name, column in new.items():
            out[name] = column
        return out
    if plan.kind == "series":
        out = plan.source.to_frame(name=plan.series_column)
        for name, column in new.items():
            out[name] = column
        return out
    rows = MapRows()
    for i, row in enumerate(plan.rows):
        item = dict(row)
        for name, column in new.items():
            item[name] = column[i]
        rows.append(item)
    return rows
