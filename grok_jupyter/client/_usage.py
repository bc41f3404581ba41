"""The usage ledger: one record per finished call, whoever made it.

Every client records into a ledger (by default the shared ``get_ledger()``),
so the magic, the panel and ``ChatGrok`` add up in one place. The cost is the
server's ``cost_in_usd_ticks`` when it sends one, else the catalogue's price;
``None`` when neither is known (a model the catalogue has not heard of).

Catalogue prices follow the bill: cached prompt tokens at the cached rate, a
long prompt at the long-context tier, a retired id at its redirect target's
rates (``priced_as``), a ``service_tier="priority"`` call at the catalogue's
multiplier (2x). ``cache_savings_usd`` is what the cache saved against
the full input price. Server-side tool calls (Responses) are priced apart, in
``tool_cost_usd``; a summary's ``cost_usd`` is tokens and tools together.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ._catalog import USD_TICKS_PER_USD

if TYPE_CHECKING:
    from ._catalog import Catalog
    from ._types import Usage


@dataclass(frozen=True)
class UsageRecord:
    model: str
    source: str = "client"  # "client" | "magic" | "panel" | "langchain"
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    image_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    ttft_s: float | None = None  # streams only
    timestamp: float = field(default_factory=time.time)
    request_id: str | None = None
    images_generated: int = 0
    estimated: bool = False  # tokens counted locally: the stream ended before its usage
    priced_as: str | None = None  # the catalogue entry whose rates apply (a retired id's target)
    cache_savings_usd: float | None = None  # cached tokens x (input - cached rate); None: unknown
    tool_cost_usd: float = 0.0  # server-side tool calls, on top of cost_usd
    tool_calls: int = 0
    tool_call_counts: dict[str, int] = field(default_factory=dict, hash=False)  # by counter
    # A Batch API result (request_id "<batch_id>/<batch_request_id>"), at the batch price.
    batch: bool = False
    # Unique per finished call, so a record that travels between processes (a Dask or
    # Ray worker's ledger returned with its results) is merged once however often it
    # arrives: ``UsageLedger.merge`` skips ids it holds already. A batch result's is its
    # request_id, so fetching the results again bills nothing twice (_batches.py).
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    service_tier: str | None = None  # "priority" is billed at a multiple (catalogue)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UsageRecord:
        """A record from ``as_dict()`` output; unknown keys (a newer version's) are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["tool_call_counts"] = dict(values.get("tool_call_counts") or {})
        return cls(**values)

    @property
    def total_cost_usd(self) -> float | None:
        """Tokens and tool calls together; None if the token cost is unknown."""
        return None if self.cost_usd is None else self.cost_usd + self.tool_cost_usd


@dataclass
class UsageSummary:
    """Totals over a set of records."""

    calls: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    image_tokens: int = 0
    images_generated: int = 0
    cost_usd: float = 0.0  # tokens and tool calls
    cost_known: bool = True  # False if some record had no price
    latency_s: float = 0.0
    cache_savings_usd: float = 0.0  # what cached prompt tokens saved (records with a price)
    tool_cost_usd: float = 0.0  # the part of cost_usd spent on server-side tools
    tool_calls: int = 0
    batch_calls: int = 0  # records from Batch API results
    batch_cost_usd: float = 0.0  # the part of cost_usd spent through the Batch API

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens + self.reasoning_tokens

    @property
    def cached_share(self) -> float:
        """Cached prompt tokens as a share of all prompt tokens (0 with no prompt)."""
        return self.cached_tokens / self.prompt_tokens if self.prompt_tokens else 0.0

    def add(self, r: UsageRecord) -> None:
        self.calls += 1
        self.prompt_tokens += r.prompt_tokens
        self.cached_tokens += r.cached_tokens
        self.completion_tokens += r.completion_tokens
        self.reasoning_tokens += r.reasoning_tokens
        self.image_tokens += r.image_tokens
        self.images_generated += r.images_generated
        self.latency_s += r.latency_s
        self.cache_savings_usd += r.cache_savings_usd or 0.0
        self.tool_cost_usd += r.tool_cost_usd
        self.tool_calls += r.tool_calls
        self.cost_usd += r.tool_cost_usd
        if r.cost_usd is None:
            self.cost_known = False
        else:
            self.cost_usd += r.cost_usd
        if r.batch:
            self.batch_calls += 1
            self.batch_cost_usd += (r.cost_usd or 0.0) + r.tool_cost_usd


def cost_usd(
    model: str, usage: Usage | None, catalog: Catalog | None, service_tier: str | None = None
) -> float | None:
    """The cost of a call: the server's own figure first, else catalogue prices (times the
    ``service_tier``'s multiplier: a priority call costs 2x)."""
    if usage is None:
        return None
    if usage.cost_in_usd_ticks is not None:
        return usage.cost_in_usd_ticks / USD_TICKS_PER_USD
    if catalog is None:
        return None
    cost = catalog.cost_usd(model, usage)
    return None if cost is None else cost * catalog.service_tier_multiplier(service_tier)


def cache_savings_usd(model: str, usage: Usage | None, catalog: Catalog | None) -> float | None:
    """What the cached prompt tokens saved against the full input price (catalogue rates)."""
    if usage is None:
        return None
    if not usage.cached:
        return 0.0
    info = catalog.price_model(model) if catalog is not None else None
    return info.cache_savings_usd(usage) if info is not None else None


def tool_cost_usd(counts: dict[str, int], catalog: Catalog | None) -> float | None:
    """Server-side tool calls (``{"web_search_calls": 2}``) at §3.3 prices.

    A tool without a published price (MCP, image understanding: [U] in §3.3) adds
    nothing here rather than unpricing the others; the API's ``cost_in_usd_ticks``
    stays the authority for the request's total. None only if no call is priced.
    """
    total = 0.0
    priced = False
    for name, n in counts.items():
        price = catalog.tool_price_usd(name) if catalog is not None else None
        if price is None or not n:
            continue
        priced = True
        total += price * n
    return total if priced else None


def image_cost_usd(model: str, n: int, catalog: Catalog | None) -> float | None:
    """``n`` generated images at the per-image price of the model that answers ``model``."""
    info = catalog.price_model(model) if catalog is not None else None
    price = info.image_price_usd if info is not None else None
    return price * n if price is not None else None


def record_from_usage(
    model: str,
    usage: Usage | None,
    *,
    source: str,
    latency_s: float,
    ttft_s: float | None = None,
    request_id: str | None = None,
    catalog: Catalog | None = None,
    estimated: bool = False,
    tool_call_counts: dict[str, int] | None = None,
    service_tier: str | None = None,
) -> UsageRecord:
    u = usage
    counts = {k: v for k, v in (tool_call_counts or {}).items() if v}
    tools = (tool_cost_usd(counts, catalog) or 0.0) if counts else 0.0
    cost = cost_usd(model, u, catalog, service_tier)
    if cost is not None and counts and u is not None and u.cost_in_usd_ticks is not None:
        cost = max(cost - tools, 0.0)  # the server's figure covers the tools too: split it
    priced = catalog.price_model(model) if catalog is not None else None
    return UsageRecord(
        model=model,
        source=source,
        prompt_tokens=u.prompt_tokens if u else 0,
        cached_tokens=u.cached if u else 0,
        completion_tokens=u.completion_tokens if u else 0,
        reasoning_tokens=u.reasoning if u else 0,
        image_tokens=u.image if u else 0,
        cost_usd=cost,
        latency_s=latency_s,
        ttft_s=ttft_s,
        request_id=request_id,
        estimated=estimated,
        priced_as=priced.id if priced is not None else None,
        cache_savings_usd=cache_savings_usd(model, u, catalog),
        tool_cost_usd=tools,
        tool_calls=sum(counts.values()),
        tool_call_counts=counts,
        service_tier=service_tier,
    )


def estimate_usage(body: dict[str, Any], content: str, reasoning: str = "") -> Usage:
    """Usage counted with the shared tokenizer, for a stream that never sent its own."""
    from ._tokens import count_prompt_tokens, count_tokens
    from ._types import CompletionTokensDetails, Usage

    prompt = count_prompt_tokens(body.get("messages") or [], body.get("tools"))
    completion, thought = count_tokens(content), count_tokens(reasoning)
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion,
        total_tokens=prompt + completion + thought,
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=thought),
    )


class UsageLedger:
    """Thread-safe list of ``UsageRecord``s with per-model and total summaries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[UsageRecord] = []
        self._ids: set[str] = set()

    def record(self, record: UsageRecord | None = None, /, **fields: Any) -> UsageRecord:
        """Add ``record`` (or one built from ``fields``) and return it."""
        if record is None:
            record = UsageRecord(**fields)
        with self._lock:
            self._records.append(record)
            self._ids.add(record.record_id)
        return record

    def merge(self, records: Iterable[UsageRecord | Mapping[str, Any]]) -> int:
        """Add records made elsewhere (another process's ledger); return how many were new.

        Each record is a ``UsageRecord`` or its ``as_dict()``. A record whose
        ``record_id`` this ledger already holds is skipped, so merging the same
        worker's records twice (a retried Dask task, a re-run collect) counts once.
        """
        incoming = [r if isinstance(r, UsageRecord) else UsageRecord.from_dict(r) for r in records]
        added = 0
        with self._lock:
            for r in incoming:
                if r.record_id in self._ids:
                    continue
                self._records.append(r)
                self._ids.add(r.record_id)
                added += 1
        return added

    @property
    def records(self) -> list[UsageRecord]:
        with self._lock:
            return list(self._records)

    def summary(self) -> dict[str, UsageSummary]:
        """Totals per model, in the order models were first used."""
        out: dict[str, UsageSummary] = {}
        for r in self.records:
            out.setdefault(r.model, UsageSummary()).add(r)
        return out

    def total(self) -> UsageSummary:
        total = UsageSummary()
        for r in self.records:
            total.add(r)
        return total

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._ids.clear()

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        t = self.total()
        cost = f"${t.cost_usd:.6f}" + ("" if t.cost_known else "+?")
        cached = f" ({t.cached_tokens} cached)" if t.cached_tokens else ""
        return f"<UsageLedger {t.calls} call(s), {t.total_tokens} tokens{cached}, {cost}>"


_shared = UsageLedger()


def get_ledger() -> UsageLedger:
    """The process-wide ledger every client records into unless given another."""
    return _shared
