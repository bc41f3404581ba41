"""``MapRun``: the state of one table map while it runs, and its live sending.

Every request that ends, live or from a batch, settles here: its answer is kept
(and buffered for the cache) or its error is, the report and the progress bar
move, and the caller's ``on_row`` is told. Live sending keeps at most the
adaptive limiter's window of requests in flight (``rate.AdaptiveLimiter``) and
stops sending once the budget is spent or the map is interrupted.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client._errors import GrokError
from .cache import MapCache
from .plan import Plan
from .rate import AdaptiveLimiter
from .report import MapReport

_FLUSH_EVERY = 50  # answers buffered before a cache write (and at the end, always)


@dataclass
class MapRun:
    """The state of one map while it runs (the worker thread's loop owns it)."""

    plan: Plan
    client: Any  # an AsyncGrokClient
    cache: MapCache | None
    concurrency: int
    budget_usd: float | None
    on_error: str
    progress: bool
    source: str
    on_row: Callable[[MapReport], None] | None
    report: MapReport
    resume: str | None = None  # a batch id to collect
    poll_interval: float = 5.0  # seconds between batch polls
    started: float = 0.0  # perf_counter at the call
    limiter: AdaptiveLimiter | None = None
    answers: dict[str, Any] = field(default_factory=dict)  # key -> raw answer text
    costs: dict[str, float] = field(default_factory=dict)  # key -> USD spent now
    errors: dict[str, str] = field(default_factory=dict)  # key -> error text
    todo: list[str] = field(default_factory=list)  # unique keys still to send
    first_error: tuple[str, BaseException] | None = None
    stop_reason: str | None = None  # "interrupted" | "budget" | "error"
    bar: Any = None
    _buffer: list[tuple[str, str, Any, float | None]] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=dict)

    # --- results -------------------------------------------------------------

    def rows_for(self, key: str) -> int:
        """How many rows of the table share ``key`` (a repeated row is sent once)."""
        if not self._counts:
            for k in self.plan.keys:
                self._counts[k] = self._counts.get(k, 0) + 1
        return self._counts.get(key, 1)

    def settle(self, key: str, answer: str | None, cost: float, error: str | None) -> None:
        """One request ended: keep its answer (and cache it) or its error; move the bar."""
        self.report.requests += 1
        self.report.cost_usd += cost
        self.costs[key] = cost
        if error is None:
            self.answers[key] = answer
            if self.cache is not None:
                self._buffer.append((key, self.plan.model, answer, cost))
                if len(self._buffer) >= _FLUSH_EVERY:
                    self.flush()
        else:
            self.errors[key] = error
        n = self.rows_for(key)
        if error is None:
            self.report.done += n
        else:
            self.report.failed += n
        if self.bar is not None:
            self.bar.set_postfix_str(f"${self.report.cost_usd:,.4f}", refresh=False)
            self.bar.update(n)
        if self.on_row is not None:
            try:
                self.on_row(self.report)
            except Exception as exc:  # the caller's callback must not lose the map's rows
                warnings.warn(f"map_rows on_row raised {exc!r}; not called again", stacklevel=1)
                self.on_row = None

    def flush(self) -> None:
        if self.cache is not None and self._buffer:
            items, self._buffer = self._buffer, []
            self.cache.put_many(items)

    def over_budget(self, in_flight: int) -> bool:
        """True once the spend (plus what the requests in flight will likely cost) reaches it."""
        if self.budget_usd is None:
            return False
        spent = self.report.cost_usd
        done = max(self.report.requests, 1)
        likely = spent / done * in_flight if self.report.requests else 0.0
        return spent + likely >= self.budget_usd

    # --- live sending --------------------------------------------------------

    async def send_live(self) -> None:
        from ..client._observe import observe_responses

        limiter = AdaptiveLimiter(self.concurrency)
        self.limiter = limiter
        messages = dict(zip(self.plan.keys, self.plan.messages, strict=True))
        tasks: set[asyncio.Task[None]] = set()
        try:
            with observe_responses(limiter.observe):
                for key in self.todo:
                    await limiter.acquire()
                    if self.stop_reason is None and self.over_budget(limiter.in_flight - 1):
                        self.stop_reason = "budget"
                    if self.stop_reason is not None:
                        limiter.release(ok=False)
                        break
                    task = asyncio.ensure_future(self._one(key, messages[key], limiter))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if tasks:
                    await asyncio.gather(*list(tasks))
        except asyncio.CancelledError:
            self.stop_reason = "interrupted"
            await _cancel_all(tasks)
        except BaseException:
            await _cancel_all(tasks)  # an unexpected error: no request left running
            raise
        finally:
            self.report.rate_limited = limiter.rate_limited
            self.report.max_in_flight = limiter.max_in_flight
            self.flush()

    async def _one(
        self, key: str, messages: list[dict[str, Any]], limiter: AdaptiveLimiter
    ) -> None:
        from ..client._usage import cost_usd

        ok = False
        try:
            completion = await self.client.chat(
                messages, model=self.plan.model, source=self.source, **self.plan.params
            )
        except asyncio.CancelledError:
            raise
        except GrokError as exc:
            self.fail(key, exc)
        else:
            ok = True
            cost = cost_usd(
                completion.model or self.plan.model, completion.usage, self.client.catalog
            )
            text = completion.choices[0].message.content if completion.choices else None
            self.answered(key, text, cost or 0.0)
        finally:
            limiter.release(ok)

    def answered(self, key: str, text: str | None, cost: float) -> None:
        """An answer arrived (live or from a batch): parse it for the schema, then settle."""
        schema = self.plan.schema
        if text is None:
            self.fail(key, GrokError("the answer had no text"), cost)
            return
        if schema is not None:
            try:
                schema.parse(text)
            except Exception as exc:  # pydantic's ValidationError, JSON errors
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.fail(key, GrokError(f"the answer does not fit the schema: {why}"), cost)
                return
        self.settle(key, text, cost, None)

    def fail(self, key: str, exc: BaseException, cost: float = 0.0) -> None:
        if self.first_error is None:
            self.first_error = (key, exc)
        if self.on_error == "raise" and self.stop_reason is None:
            self.stop_reason = "error"
        self.settle(key, None, cost, f"{type(exc).__name__}: {exc}")


async def _cancel_all(tasks: set[asyncio.Task[None]]) -> None:
    for task in list(tasks):
        task.cancel()
    if tasks:
        await asyncio.gather(*list(tasks), return_exceptions=True)
