"""``map_rows`` over a Dask DataFrame: each partition is mapped on the cluster.

``map_rows(ddf, ...)`` lands here (``map`` dispatches on the input's type,
so Dask is imported only when the input already is a Dask object). Each
partition runs the ordinary pandas map (``local.map_local``) on a worker with
a client of its own: the driver's client is pickled, which carries its settings (base URL,
timeouts, retries; the key only if it was passed explicitly, otherwise the
worker reads its own ``XAI_API_KEY``), never a connection. The worker's client
records into a ledger of the partition's own, whose records come back with the
partition's rows; the driver merges them into its client's ledger
(``UsageLedger.merge`` skips record ids it holds, so a retried task never
counts twice), and ``%grok usage`` shows what the cluster spent.

The result is computed: a **pandas** DataFrame with every input column, the
new columns, and ``attrs["grok_map"]``, a ``MapReport`` summed over the
partitions (``attrs["grok_map_partitions"]`` keeps each one's).
"""

from __future__ import annotations

import pickle
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..client._errors import GrokError, InvalidRequestError
from ..client._usage import UsageLedger, UsageRecord
from .clients import close_client, driver_client, worker_copy
from .errors import (
    MapAuthError,
    MapBudgetError,
    MapCacheError,
    MapInputError,
    MapRowError,
    auth_error_message,
    dollars,
    row_error_message,
)
from .estimate import Estimate
from .local import map_local
from .options import check_options, split_options
from .plan import template_fields
from .prepare import prepare
from .rate import STOPPED_BY_CALLER
from .report import MapReport

__all__ = ["map_dask"]

_CHECKED = ("on_error", "mode", "concurrency", "poll_interval")  # check_options' other keywords


@dataclass
class _Partition:
    """What one partition sends back: its rows, its ledger, its report, or its error."""

    frame: Any  # pandas DataFrame (None when the partition failed without partial rows)
    records: list[UsageRecord]
    report: MapReport | None = None
    error: BaseException | None = None
    elapsed_s: float = 0.0


@dataclass
class _Job:
    """Everything a worker needs, picklable: no live connection, no key unless explicit."""

    template: str
    client: Any  # a GrokClient / AsyncGrokClient: pickles as its settings
    options: dict[str, Any] = field(default_factory=dict)

    def worker_client(self, ledger: UsageLedger) -> Any:
        # A private copy per partition, even when two partitions run on the same
        # worker at once and share the deserialized job.
        return worker_copy(self.client, ledger)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` itself if it survives pickling, else a copy of the same type that does."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # any failure to round-trip means: rebuild it
        pass
    if isinstance(exc, MapBudgetError):
        return _Rebuilt(exc, "budget", estimate_usd=exc.estimate_usd, budget_usd=exc.budget_usd)
    if isinstance(exc, MapAuthError):
        return _Rebuilt(exc, "auth", row=exc.row, reason=exc.reason)
    if isinstance(exc, MapRowError):
        return _Rebuilt(exc, "row", row=exc.row, reason=exc.reason)
    if isinstance(exc, MapCacheError):
        return _Rebuilt(exc, "cache", path=exc.path)
    if isinstance(exc, InvalidRequestError):
        return _Rebuilt(exc, "invalid")
    return _Rebuilt(exc, "grok" if isinstance(exc, GrokError) else "other")


class _Rebuilt(Exception):
    """A worker's exception that does not pickle, carried as its type name and text."""

    def __init__(self, exc: BaseException | str, kind: str, **extra: Any) -> None:
        text = exc if isinstance(exc, str) else str(exc)
        self.type_name = extra.pop("type_name", None) or type(exc).__name__
        super().__init__(text, kind)
        self.text, self.kind, self.extra = text, kind, extra

    def __reduce__(self) -> Any:
        return (_rebuild, (self.text, self.kind, {"type_name": self.type_name, **self.extra}))


def _rebuild(text: str, kind: str, extra: dict[str, Any]) -> _Rebuilt:
    return _Rebuilt(text, kind, **extra)


def _run_partition(pdf: Any, job: _Job, budget_usd: float | None) -> _Partition:
    """On a worker: map one pandas partition with a client and ledger of its own."""
    started = time.perf_counter()
    ledger = UsageLedger()
    if len(pdf) == 0:  # filtering leaves empty partitions; map_rows refuses empty tables
        return _Partition(pdf, [])
    client = job.worker_client(ledger)
    pace = job.options.get("pace")
    if pace is not None:
        try:
            pace.bind()  # the worker's Dask client, taken in the task's own thread
        except Exception:  # no scheduler to reach: the source falls back when asked
            pass
    try:
        out = map_local(pdf, job.template, client=client, budget_usd=budget_usd, **job.options)
    except BaseException as exc:  # the ledger must come back, whatever happened
        partial = getattr(exc, "result", None)
        report = partial.attrs.get("grok_map") if partial is not None else None
        return _Partition(partial, ledger.records, report, _portable(exc),
                          time.perf_counter() - started)  # fmt: skip
    finally:
        close_client(client)
    return _Partition(out, ledger.records, out.attrs.get("grok_map"), None,
                      time.perf_counter() - started)  # fmt: skip


def _estimate_partition(pdf: Any, job: _Job) -> float:
    """On a worker: what mapping this partition would cost now (cache hits are free).

    Runs ``map_rows``' own preparing step (every check, the cache, the estimate)
    without sending anything.
    """
    if len(pdf) == 0:
        return 0.0
    options = replace(split_options(job.options), progress=False, budget_usd=None,
                      on_row=None, client=job.worker_client(UsageLedger()))  # fmt: skip
    run = prepare(pdf, job.template, options)
    est = run.report.estimate
    return float(est.cost_usd or 0.0) if est is not None else 0.0


def _scheduler() -> Any:
    """The active ``dask.distributed`` client, or None (then Dask's local scheduler runs it)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def map_dask(
    data: Any,
    template: str,
    *,
    client: Any = None,
    budget_usd: float | None = None,
    progress: bool = True,
    resume: str | None = None,
    on_row: Any = None,
    **options: Any,
) -> Any:
    """Map ``template`` over every row of the Dask DataFrame ``data``, partition by partition.

    Takes ``map_rows``' arguments. Each partition is one task on the cluster
    (the active ``dask.distributed`` client, else Dask's local scheduler)
    running the pandas ``map_rows`` with a client built from ``client``'s
    settings (default: the shared client's) and a ledger of its own; the
    records come back and are merged into ``client``'s ledger, once each.

    Returns a pandas DataFrame (computed, in partition order, the input's
    index kept). ``budget_usd``: the whole map is estimated on the cluster
    first (each partition against its worker's cache) and refused with
    ``MapBudgetError`` before anything is sent if the estimate exceeds it;
    each partition then runs with a share of the budget in proportion to its
    estimate, and stops when that share is spent. ``on_error="raise"``: the
    other partitions finish (their spend is merged), then the first
    partition's error is raised; ``MapRowError.result`` holds every row done.
    ``cache``: each worker reads and writes its own cache file (the default
    one in its own user cache directory, or the path given). The progress bar
    counts partitions. Ctrl-C on a ``dask.distributed`` cluster halts the job
    through its shared pace: every partition stops sending at its next ask,
    its requests in flight land, and it comes back with its rows and ledger
    records, so what the workers paid is in the ledger (a second Ctrl-C stops
    waiting and cancels the rest). ``report.interrupted`` is True, and running
    the same call again answers the finished rows from the workers' caches.
    """
    if resume is not None:
        raise MapInputError(
            "resume= picks up one Batch API job, which belongs to one process; call "
            "map_rows(ddf.compute(), ..., resume=...) on the driver instead."
        )
    if on_row is not None:
        raise MapInputError("on_row= is not available for a Dask DataFrame (rows settle on "
                            "the workers); the progress bar counts partitions.")  # fmt: skip
    columns = [str(c) for c in data.columns]
    missing = [f for f in template_fields(template) if f not in columns]
    if missing:
        raise MapInputError(
            f"The template names {', '.join(map(repr, missing))}, which "
            f"{'is not a column' if len(missing) == 1 else 'are not columns'} of the Dask "
            f"DataFrame (its columns: {', '.join(columns)})."
        )
    driver = driver_client(client)
    check_options(**{k: options[k] for k in _CHECKED if k in options}, budget_usd=budget_usd)
    options["progress"] = False  # a worker has no one to show a bar to
    options["run_id"] = uuid.uuid4().hex  # every partition, and any retry of one, shares it
    scheduler = _scheduler()
    if scheduler is not None:  # worker processes: one pace for all of them
        from .cluster_pace import DaskPaceSource

        options["pace"] = DaskPaceSource(driver.settings.base_url)
    job = _Job(template, driver, options)

    import dask

    parts = data.to_delayed()
    shares: list[float | None] = [None] * len(parts)
    if budget_usd is not None:
        shares = _budget_shares(parts, job, float(budget_usd), scheduler)
    run = dask.delayed(_run_partition, pure=False)
    tasks = [run(part, job, share) for part, share in zip(parts, shares, strict=True)]
    started = time.perf_counter()
    results = _compute(tasks, scheduler, progress=progress, halt=_halter(options))
    return _assemble(results, driver.ledger, started, progress=progress)


def _budget_shares(
    parts: list[Any], job: _Job, budget: float, scheduler: Any
) -> list[float | None]:
    import dask

    est = dask.delayed(_estimate_partition, pure=False)
    costs = _gather([est(p, job) for p in parts], scheduler)
    total = sum(costs)
    if total > budget:
        raise MapBudgetError(
            f"The map would cost about {dollars(total)} over {len(parts)} partition(s), over the "
            f"budget of {dollars(budget)}. Raise budget_usd, map fewer rows, or set max_tokens "
            "to bound the answers.",
            estimate_usd=total,
            budget_usd=budget,
        )
    # Each partition may spend its part of the budget, in proportion to its estimate.
    return [budget * c / total if total else budget / len(parts) for c in costs]


def _gather(tasks: list[Any], scheduler: Any) -> list[Any]:
    if scheduler is not None:
        return scheduler.gather(scheduler.compute(tasks))
    import dask

    return list(dask.compute(*tasks))


def _compute(tasks: list[Any], scheduler: Any, *, progress: bool,
             halt: Callable[[], None] | None = None) -> list[_Partition | None]:  # fmt: skip
    """Run the partition tasks; on Ctrl-C ``halt`` the job and keep what every partition
    did (without a shared book, cancel the rest and keep what finished)."""
    results: list[_Partition | None] = [None] * len(tasks)
    if scheduler is None:
        return list(_gather(tasks, None))
    from distributed import as_completed
    from tqdm.auto import tqdm

    futures = scheduler.compute(tasks)
    order = {f.key: i for i, f in enumerate(futures)}
    bar = tqdm(total=len(tasks), unit="partition", desc="grok map (dask)", disable=not progress)
    rows, usd = 0, 0.0
    pending = list(futures)
    try:
        try:
            for future in as_completed(pending):
                rows, usd = _took(future, order, results, bar, rows, usd)
        except KeyboardInterrupt:
            # A running task cannot be cancelled: it would go on sending, and what it paid
            # would never reach this ledger. So the job is halted through its shared book;
            # each partition stops at its next ask, its requests in flight land, and it
            # comes back with its rows and records. A second Ctrl-C stops waiting.
            if halt is None:
                raise
            try:
                halt()
            except Exception:  # the scheduler is out of reach: cancel what is left
                raise KeyboardInterrupt from None
            for future in as_completed([f for f in pending if results[order[f.key]] is None]):
                rows, usd = _took(future, order, results, bar, rows, usd)
    except KeyboardInterrupt:
        scheduler.cancel([f for f in futures if not f.done()])
    finally:
        bar.close()
    return results


def _took(future: Any, order: dict[Any, int], results: list[_Partition | None], bar: Any,
          rows: int, usd: float) -> tuple[int, float]:  # fmt: skip
    part: _Partition = future.result()
    results[order[future.key]] = part
    rows += len(part.frame) if part.frame is not None else 0
    usd += sum(r.total_cost_usd or 0.0 for r in part.records)
    bar.set_postfix_str(f"{rows:,} rows, ${usd:,.4f}", refresh=False)
    bar.update(1)
    return rows, usd


def _halter(options: dict[str, Any]) -> Callable[[], None] | None:
    """How the driver stops every partition of this job: through the shared book."""
    pace = options.get("pace")
    if pace is None:
        return None

    def halt() -> None:
        pace.halt(options["run_id"], STOPPED_BY_CALLER)

    return halt


def _assemble(
    results: list[_Partition | None], ledger: UsageLedger, started: float, *, progress: bool
) -> Any:
    import pandas as pd

    for part in results:
        if part is not None:
            ledger.merge(part.records)
    done = [p for p in results if p is not None]
    frames = [p.frame for p in done if p.frame is not None and len(p.frame)]
    if not frames and all(p is not None and p.error is None for p in results):
        raise MapInputError("The Dask DataFrame has no rows: there is nothing to map.")
    out = pd.concat(frames) if frames else pd.DataFrame()
    reports = [p.report for p in done if p.report is not None]
    total = _sum_reports(reports)
    total.interrupted = any(p is None for p in results) or total.interrupted
    total.elapsed_s = time.perf_counter() - started
    total.cost_usd = sum(r.total_cost_usd or 0.0 for p in done for r in p.records)
    out.attrs["grok_map"] = total
    out.attrs["grok_map_partitions"] = [p.report if p else None for p in results]
    if progress:
        print(f"grok map (dask, {len(results)} partitions): {total.describe()}", file=sys.stderr)
    failed = next((p for p in done if p.error is not None), None)
    if failed is not None:
        raise _driver_error(failed.error, out, total.done)
    return out


def _sum_reports(reports: list[MapReport]) -> MapReport:
    total = MapReport(mode=reports[0].mode if reports else "live")
    for r in reports:
        for f in fields(MapReport):
            value = getattr(r, f.name)
            if f.name in ("interrupted", "stopped_by_budget"):
                setattr(total, f.name, getattr(total, f.name) or value)
            elif f.name == "max_in_flight":
                total.max_in_flight += value  # partitions run side by side
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                setattr(total, f.name, getattr(total, f.name) + value)
    estimates = [r.estimate for r in reports if r.estimate is not None]
    if estimates:
        costs = [e.cost_usd for e in estimates]
        total.estimate = Estimate(
            rows=sum(e.rows for e in estimates),
            prompt_tokens=sum(e.prompt_tokens for e in estimates),
            completion_tokens=sum(e.completion_tokens for e in estimates),
            cost_usd=None if None in costs else sum(c or 0.0 for c in costs),
            model=estimates[0].model,
            discount=estimates[0].discount,
            answer_tokens_assumed=any(e.answer_tokens_assumed for e in estimates),
        )
    return total


def _driver_error(error: BaseException, partial: Any, done: int) -> BaseException:
    """The worker's error as the driver raises it; a row error counts the rows done in
    every partition (``done``) and carries them all in ``.result``."""
    if isinstance(error, _Rebuilt) and error.kind in ("auth", "row"):
        row, reason = error.extra.get("row"), error.extra.get("reason") or error.text
        if error.kind == "auth":
            return MapAuthError(auth_error_message(reason, done), row=row, result=partial,
                                reason=reason)  # fmt: skip
        return MapRowError(row_error_message(row, reason, done), row=row, result=partial,
                           reason=reason)  # fmt: skip
    if isinstance(error, MapAuthError):
        return MapAuthError(auth_error_message(error.reason, done), row=error.row,
                            result=partial, reason=error.reason)  # fmt: skip
    if isinstance(error, MapRowError):
        return MapRowError(row_error_message(error.row, error.reason, done), row=error.row,
                           result=partial, reason=error.reason)  # fmt: skip
    if isinstance(error, MapCacheError):
        return MapCacheError(str(error), path=error.path, result=partial)
    if isinstance(error, _Rebuilt):
        if error.kind == "cache":
            return MapCacheError(error.text, path=error.extra.get("path", ""), result=partial)
        if error.kind == "budget":
            return MapBudgetError(error.text, **error.extra)
        kind = {"invalid": InvalidRequestError, "grok": GrokError}.get(error.kind, RuntimeError)
        return kind(f"{error.type_name} on a Dask worker: {error.text}")
    return error
