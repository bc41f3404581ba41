"""``map_rows``: one Grok request per row of a table, with progress, budget, cache and resume.

A map runs in three steps. Planning (``table_plan``) reads the rows, renders
each prompt and finds every bad input before anything is sent. The cache
(``table_cache``) answers the rows already done, and the rest are estimated
(``table_estimate``) and checked against the budget. Then the rows are sent,
through the adaptive limiter (``table_rate``) live or as one Batch API job
(``table_batch``), and each answer is written to the cache as it arrives, so
an interrupted map loses nothing it paid for and a later call resumes.

``map_rows`` is synchronous and always sends from a worker thread with its
own event loop: it works the same in a script and in a notebook cell, where
ipykernel's loop is already running, and Ctrl-C in the calling thread stops
the map and returns what is done. ``amap_rows`` is the same for a coroutine.
"""

from __future__ import annotations

import asyncio
import pickle
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client._errors import ContextWindowExceededError, GrokError, InvalidRequestError
from .table_accessor import register as register_accessor
from .table_cache import MapCache, open_cache
from .table_errors import MapBudgetError, MapInputError, MapRowError, dollars
from .table_estimate import Estimate, estimate
from .table_plan import ANSWER, Plan, make_plan
from .table_rate import AdaptiveLimiter

NOT_DONE_INTERRUPTED = "not done: interrupted"
NOT_DONE_BUDGET = "not done: budget spent"
NOT_DONE_ERROR = "not done: stopped at the first failed row"
ERROR = "_error"
COST = "_cost_usd"
_FLUSH_EVERY = 50  # answers buffered before a cache write (and at the end, always)


@dataclass
class MapReport:
    """What a map did. On the result: ``df.attrs["grok_map"]``, or ``rows.report``."""

    rows: int = 0
    done: int = 0  # rows with an answer (cached ones included)
    cached: int = 0  # rows answered from the cache
    failed: int = 0
    not_done: int = 0
    requests: int = 0  # requests that got an answer or an error from the server
    rate_limited: int = 0  # 429 answers seen (each retried by the client)
    cost_usd: float = 0.0  # spent by this call
    estimate: Estimate | None = None
    elapsed_s: float = 0.0
    interrupted: bool = False
    stopped_by_budget: bool = False
    mode: str = "live"
    batch_id: str | None = None
    max_in_flight: int = 0

    def describe(self) -> str:
        parts = [f"{self.done:,}/{self.rows:,} rows done"]
        if self.cached:
            parts.append(f"{self.cached:,} from the cache")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.not_done:
            why = "interrupted" if self.interrupted else "budget spent"
            parts.append(f"{self.not_done:,} not done ({why})")
        parts.append(f"${self.cost_usd:,.4f} in {self.elapsed_s:.1f}s")
        return ", ".join(parts)


class MapRows(list):  # type: ignore[type-arg]
    """The result of mapping a list of dicts or strings: a list of dicts, plus ``.report``."""

    report: MapReport


@dataclass
class _Run:
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


# --- the public functions ------------------------------------------------------


def map_rows(
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
    **params: Any,
) -> Any:
    """Ask Grok ``template`` once per row of ``data`` and add the answers as columns.

    ``data``: a pandas DataFrame, a Series (its values fill ``{text}`` and
    ``{<its name>}``), or an iterable of dicts (keys fill the fields) or of
    strings (each fills ``{text}``). ``template``: a ``str.format`` string such
    as ``"Sentiment of: {review}"``; a field that is not a column is an error
    before anything is sent.

    ``schema``: a pydantic model class or a JSON-schema dict; each top-level
    field becomes a column (else one ``answer`` column). ``_cost_usd`` is
    always added (what this call spent on the row; 0 for a cached row).
    ``on_error="keep"`` adds ``_error`` and keeps going; ``"raise"`` (default)
    raises ``MapRowError`` (with ``.result``, the rows done) at the first
    failed row. ``_error`` is also added when the map stops early: Ctrl-C
    marks the rest ``"not done: interrupted"``, a spent ``budget_usd``
    ``"not done: budget spent"``; run the same call again to resume.

    ``budget_usd``: refuse a map whose estimate exceeds it (``MapBudgetError``),
    and stop sending once it is spent. ``concurrency``: the most requests in
    flight (the limiter adapts below it to the rate limit). ``cache``: True
    (the user cache dir), a SQLite file path, or False. ``mode="batch"``: send
    through the Batch API (20% cheaper, slower); ``resume="batch_..."`` picks
    up a batch submitted earlier. ``client``: an ``AsyncGrokClient`` or
    ``GrokClient`` to send with (its ledger records every request). Other
    keywords (``temperature``, ``max_tokens``, ...) go with every request.
    ``on_row(report)`` is called after each row settles (from the worker thread).
    ``poll_interval``: seconds between batch status polls.

    Returns a DataFrame for a DataFrame or Series; else a list of dicts (``MapRows``).
    """
    # The same keywords go to the Dask engine and to the planning step.
    named = dict(
        schema=schema,
        model=model,
        system=system,
        client=client,
        concurrency=concurrency,
        budget_usd=budget_usd,
        on_error=on_error,
        cache=cache,
        mode=mode,
        resume=resume,
        progress=progress,
        source=source,
        on_row=on_row,
        poll_interval=poll_interval,
    )
    if _is_dask(data):
        from . import table_dask  # the Dask engine (its own module)

        return table_dask.map_dask(data, template, **named, **params)
    run = _prepare(data, template, params=params, **named)
    if run.todo or run.report.mode == "batch":
        # The bar is made here, in the caller's thread: a notebook widget displayed from
        # the worker thread could land in another cell's output. The worker only updates it.
        run.bar = _bar(run) if run.progress else None
        try:
            _run_in_thread(run)
        finally:
            if run.bar is not None:
                run.bar.close()
    return _finish(run)


async def amap_rows(
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
    **params: Any,
) -> Any:
    """``map_rows`` for a coroutine, on the running loop. Cancelling it (``task.cancel()``)
    stops the map and returns the partial table, as Ctrl-C does for ``map_rows``."""
    run = _prepare(
        data,
        template,
        schema=schema,
        model=model,
        system=system,
        client=client,
        concurrency=concurrency,
        budget_usd=budget_usd,
        on_error=on_error,
        cache=cache,
        mode=mode,
        resume=resume,
        progress=progress,
        source=source,
        on_row=on_row,
        poll_interval=poll_interval,
        params=params,
    )
    if run.todo or run.report.mode == "batch":
        await _send(run)
    return _finish(run)


# --- the steps ------------------------------------------------------------------


def _is_dask(data: Any) -> bool:
    return (type(data).__module__ or "").startswith("dask")


def driver_client(client: Any) -> Any:
    """``client`` once checked to be a GrokClient or AsyncGrokClient, or the shared default."""
    from ..client import AsyncGrokClient, GrokClient, get_async_client

    if client is None:
        return get_async_client()
    if isinstance(client, (GrokClient, AsyncGrokClient)):
        return client
    raise MapInputError(
        f"client must be an AsyncGrokClient or a GrokClient, not {type(client).__name__}."
    )


def worker_copy(client: Any, ledger: Any) -> Any:
    """A private copy of ``client`` recording into ``ledger``, for one partition or batch.

    Pickling carries the settings (the key only if explicit), never a connection, so
    each copy has its own pool even when two run in one worker process at once.
    """
    copy = pickle.loads(pickle.dumps(client))
    copy.ledger = ledger
    return copy


def close_client(client: Any) -> None:
    """Close a GrokClient or, on a fresh event loop, an AsyncGrokClient."""
    from ..client import AsyncGrokClient

    if isinstance(client, AsyncGrokClient):
        asyncio.run(client.aclose())
    else:
        client.close()


def async_client_for(client: Any) -> Any:
    """An AsyncGrokClient for ``client``: itself, a twin of a GrokClient (same settings,
    key, ledger and catalogue), or the shared default."""
    from ..client import AsyncGrokClient, GrokClient

    client = driver_client(client)
    if isinstance(client, GrokClient):
        twin = AsyncGrokClient.__new__(AsyncGrokClient)
        twin._configure(
            client.settings,
            explicit_key=client._explicit_key,
            catalog=client._catalog,
            ledger=client.ledger,
            http_client=None,
            default_headers=dict(client._default_headers),
            retry_backoff=client.retry_backoff,
            retry_backoff_max=client.retry_backoff_max,
            validate=client.validate,
        )
        return twin
    return client


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


def _prepare(
    data: Any,
    template: str,
    *,
    schema: Any,
    model: str | None,
    system: str | None,
    client: Any,
    concurrency: int,
    budget_usd: float | None,
    on_error: str,
    cache: Any,
    mode: str,
    resume: str | None,
    progress: bool,
    source: str,
    on_row: Callable[[MapReport], None] | None,
    poll_interval: float,
    params: dict[str, Any],
) -> _Run:
    """Plan, read the cache, estimate and check the budget: every refusal happens here."""
    started = time.perf_counter()
    if resume is not None:
        mode = "batch"
    _check_options(on_error, mode, concurrency, budget_usd)
    aclient = async_client_for(client)
    model = model or aclient.catalog.default_chat_model
    plan = make_plan(data, template, schema=schema, model=model, system=system, params=params)
    store = open_cache(cache)
    report = MapReport(rows=len(plan.keys), mode=mode)
    run = _Run(
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


async def _send(run: _Run) -> None:
    """Send the rows still to do, with the progress bar, live or as a batch."""
    own_bar = run.bar is None and run.progress
    if own_bar:
        run.bar = _bar(run)
    try:
        if run.report.mode == "batch":
            from .table_batch import send_batch

            await send_batch(run)
        else:
            await run.send_live()
    except asyncio.CancelledError:
        run.stop_reason = "interrupted"
    finally:
        run.flush()
        if own_bar and run.bar is not None:
            run.bar.close()


def _bar(run: _Run) -> Any:
    from tqdm.auto import tqdm

    bar = tqdm(
        total=run.report.rows,
        initial=run.report.done + run.report.failed,
        desc="grok map",
        unit="row",
        dynamic_ncols=True,
    )
    bar.set_postfix_str("$0.0000", refresh=False)
    return bar


def _run_in_thread(run: _Run) -> None:
    """Run ``_send`` on a worker thread's own loop; Ctrl-C here cancels it and waits for it."""
    state: dict[str, Any] = {}
    ready = threading.Event()
    # Waited on instead of thread.join: a KeyboardInterrupt inside join() can leave
    # is_alive() False while the thread still runs (CPython before 3.13).
    finished = threading.Event()

    def work() -> None:
        loop = asyncio.new_event_loop()
        state["loop"] = loop
        try:
            task = loop.create_task(_send(run))
            state["task"] = task
            ready.set()
            loop.run_until_complete(task)
        except BaseException as exc:  # re-raised in the calling thread
            state["error"] = exc
        finally:
            ready.set()
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())  # closes the loop's pools
            finally:
                loop.close()
                finished.set()

    thread = threading.Thread(target=work, name="grok-map", daemon=True)
    thread.start()
    interrupts = 0
    while not finished.is_set():
        try:
            finished.wait(0.1)
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts > 1:
                raise  # a second Ctrl-C: stop waiting (the worker cancels on its own)
            ready.wait()
            run.stop_reason = "interrupted"
            loop, task = state.get("loop"), state.get("task")
            if loop is not None and task is not None and not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)
    if "error" in state:
        raise state["error"]


def _finish(run: _Run) -> Any:
    """The output table, the report filled in; raise ``MapRowError`` under on_error='raise'."""
    plan, report = run.plan, run.report
    report.elapsed_s = time.perf_counter() - run.started
    not_done = {
        "interrupted": NOT_DONE_INTERRUPTED,
        "budget": NOT_DONE_BUDGET,
        "error": NOT_DONE_ERROR,
    }.get(run.stop_reason or "interrupted", NOT_DONE_INTERRUPTED)
    report.interrupted = run.stop_reason == "interrupted"
    report.stopped_by_budget = run.stop_reason == "budget"
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
    if run.on_error == "raise" and run.first_error is not None:
        key, exc = run.first_error
        row = plan.index[plan.keys.index(key)]
        raise MapRowError(
            f"Row {row!r} failed: {type(exc).__name__}: {exc}. The {report.done:,} rows done are "
            "in .result and in the cache; on_error='keep' maps the other rows anyway.",
            row=row,
            result=out,
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


# Importing map_rows registers df.grok / series.grok (pandas imported only if installed).
register_accessor(import_pandas=True)
