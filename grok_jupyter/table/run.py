"""``MapRun``: the state of one table map while it runs, and how each row settles.

Every request that ends, live or from a batch, settles here: its answer is
committed to the cache first (durable before it is counted), then kept for
the table, the report and the progress bar move, and the caller's ``on_row``
is told; or its error is kept. Sending is elsewhere: ``live`` (one request a
row, paced) and ``batch`` (the Batch API); the requests in flight are
``inflight``'s concern.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client._errors import AuthenticationError, GrokError, PermissionDeniedError
from ..client._usage import UsageRecord
from .cache import Cached, MapCache
from .errors import MapCacheError
from .plan import Plan
from .report import MapReport

AUTH_ERRORS = (AuthenticationError, PermissionDeniedError)  # a refused key stays refused


@dataclass
class MapRun:
    """The state of one map while it runs (the sending loop's thread owns it)."""

    plan: Plan
    client: Any  # the map's AsyncGrokClient twin (clients.map_client)
    cache: MapCache | None
    concurrency: int
    budget_usd: float | None
    on_error: str
    progress: bool
    source: str
    on_row: Callable[[MapReport], None] | None
    report: MapReport
    run_id: str = ""  # one job: the same for every Dask partition and Ray batch, retries too
    resume: str | None = None  # a batch id to collect
    poll_interval: float = 5.0  # seconds between batch polls
    started: float = 0.0  # perf_counter at the call
    pace: Any = None  # a shared PaceSource (a cluster's); None: this process's
    owner: Any = None  # clients.MapClient: the twin and the pool it owns
    pacer: Any = None  # pacing.RequestPacer, while sending live
    answers: dict[str, Any] = field(default_factory=dict)  # key -> raw answer text
    costs: dict[str, float] = field(default_factory=dict)  # key -> USD spent now
    errors: dict[str, str] = field(default_factory=dict)  # key -> error text
    todo: list[str] = field(default_factory=list)  # unique keys still to send
    first_error: tuple[str, BaseException] | None = None
    auth_error: tuple[str | None, BaseException] | None = None
    cache_error: MapCacheError | None = None
    stop_reason: str | None = None  # "interrupted" | "budget" | "error" | "auth" | "cache"
    orphans: dict[str, list[str]] = field(default_factory=dict)  # key -> dead markers to book
    detached: list[Any] = field(default_factory=list)  # tasks stopped in flight, still running
    bar: Any = None
    _counts: dict[str, int] = field(default_factory=dict)
    _seen: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])  # n, in, out, usd

    # --- results -------------------------------------------------------------

    def rows_for(self, key: str) -> int:
        """How many rows of the table share ``key`` (a repeated row is sent once)."""
        if not self._counts:
            for k in self.plan.keys:
                self._counts[k] = self._counts.get(k, 0) + 1
        return self._counts.get(key, 1)

    def store(
        self,
        key: str,
        answer: Any,
        cost: float | None,
        record: UsageRecord | None,
        marker_id: str | None,
    ) -> None:
        """Commit one answer to the cache; a cache that fails stops the map (typed)."""
        if self.cache is None or self.cache_error is not None:
            return
        try:
            self.cache.put(
                key,
                self.plan.model,
                answer,
                cost,
                record=record.as_dict() if record is not None else None,
                run_id=self.run_id,
                marker_id=marker_id,
            )
        except MapCacheError as exc:
            self.cache_failed(exc)

    def cache_failed(self, exc: MapCacheError) -> None:
        """The cache cannot be written: stop sending; the answers stay in the table."""
        if self.cache_error is None:
            self.cache_error = exc
        if self.stop_reason in (None, "budget", "error"):
            self.stop_reason = "cache"

    def settle(
        self,
        key: str,
        answer: str | None,
        cost: float,
        error: str | None,
        *,
        record: UsageRecord | None = None,
        marker_id: str | None = None,
    ) -> None:
        """One request ended: store its answer (durable first) or its error, then count it."""
        self.report.requests += 1
        if error is None:
            self.store(key, answer, cost, record, marker_id)
            self.answers[key] = answer
            if record is not None:
                self._note(record)
        else:
            if marker_id is not None:
                self.unmark(marker_id)
            self.errors[key] = error
        self.report.cost_usd += cost
        self.costs[key] = cost
        self._count(key, failed=error is not None)

    def settle_cached(self, key: str, answer: Any) -> None:
        """A row another call of this process answered meanwhile: free, like any cache hit."""
        self.answers[key] = answer
        self.costs[key] = 0.0
        self.report.cached += self.rows_for(key)
        self._count(key, failed=False)

    def recover(self, key: str, cached: Cached) -> None:
        """An answer an earlier attempt of this same job bought (a retried Dask or Ray task):
        its cost and ledger record come with it, so the job's total still equals the bill."""
        self.answers[key] = cached.answer
        cost = float(cached.cost_usd or 0.0)
        self.costs[key] = cost
        self.report.cost_usd += cost
        n = self.rows_for(key)
        self.report.recovered += n
        self.report.done += n
        if cached.record:
            record = UsageRecord.from_dict(cached.record)
            self.client.ledger.merge([record])  # once per record id, whoever delivers it
            self._note(record)

    def _count(self, key: str, *, failed: bool) -> None:
        n = self.rows_for(key)
        if failed:
            self.report.failed += n
        else:
            self.report.done += n
        if self.bar is not None:
            self.bar.set_postfix_str(f"${self.report.cost_usd:,.4f}", refresh=False)
            self.bar.update(n)
        if self.on_row is not None:
            try:
                self.on_row(self.report)
            except Exception as exc:  # the caller's callback must not lose the map's rows
                warnings.warn(f"map_rows on_row raised {exc!r}; not called again", stacklevel=1)
                self.on_row = None

    def _note(self, record: UsageRecord) -> None:
        """Keep a running mean of what an answer took, for estimates of stopped requests."""
        seen = self._seen
        seen[0] += 1
        seen[1] += record.prompt_tokens
        seen[2] += record.completion_tokens + record.reasoning_tokens
        seen[3] += record.total_cost_usd or 0.0

    def typical_answer(self) -> tuple[int, int, float] | None:
        """(prompt tokens, answer tokens, USD) of this run's mean answer; None before one."""
        n, prompt, out, usd = self._seen
        return (round(prompt / n), round(out / n), usd / n) if n else None

    def unmark(self, marker_id: str) -> None:
        if self.cache is not None and self.cache_error is None:
            try:
                self.cache.unmark(marker_id)
            except MapCacheError as exc:
                self.cache_failed(exc)

    def over_budget(self, in_flight: int) -> bool:
        """True once the spend (plus what the requests in flight will likely cost) reaches it."""
        if self.budget_usd is None:
            return False
        spent = self.report.cost_usd
        done = max(self.report.requests, 1)
        likely = spent / done * in_flight if self.report.requests else 0.0
        return spent + likely >= self.budget_usd

    # --- one answer ------------------------------------------------------------

    def answered(
        self,
        key: str,
        text: str | None,
        cost: float,
        *,
        record: UsageRecord | None = None,
        marker_id: str | None = None,
    ) -> None:
        """An answer arrived (live or from a batch): parse it for the schema, then settle."""
        schema = self.plan.schema
        if text is None:
            self.fail(key, GrokError("the answer had no text"), cost, marker_id=marker_id)
            return
        if schema is not None:
            try:
                schema.parse(text)
            except Exception as exc:  # pydantic's ValidationError, JSON errors
                why = _why_it_does_not_fit(exc)
                self.fail(
                    key,
                    GrokError(f"the answer does not fit the schema: {why}"),
                    cost,
                    marker_id=marker_id,
                )
                return
        self.settle(key, text, cost, None, record=record, marker_id=marker_id)

    def fail(
        self, key: str, exc: BaseException, cost: float = 0.0, *, marker_id: str | None = None
    ) -> None:
        if self.first_error is None:
            self.first_error = (key, exc)
        if isinstance(exc, AUTH_ERRORS):
            self.refused(key, exc)
        elif self.on_error == "raise" and self.stop_reason is None:
            self.stop_reason = "error"
        self.settle(key, None, cost, f"{type(exc).__name__}: {exc}", marker_id=marker_id)

    def refused(self, key: str | None, exc: BaseException) -> None:
        """The API refused the key or the account: stop every sender of this job."""
        if self.auth_error is None:
            self.auth_error = (key, exc)
        self.stop_reason = "auth"
        if self.pacer is not None:
            self.pacer.halt(f"{type(exc).__name__}: {exc}")


def _why_it_does_not_fit(exc: Exception) -> str:
    """The first problem, said plainly: pydantic's field and message, else the first line."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        except Exception:  # not pydantic's errors() after all
            pass
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
