"""The usage ledger: one record per finished call, whoever made it.

Every client records into a ledger (by default the shared ``get_ledger()``),
so the magic, the panel and ``ChatGrok`` add up in one place. The cost is the
server's ``cost_in_usd_ticks`` when it sends one, else the catalogue's price;
``None`` when neither is known (a model the catalogue has not heard of).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    cost_usd: float = 0.0
    cost_known: bool = True  # False if some record had no price
    latency_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens + self.reasoning_tokens

    def add(self, r: UsageRecord) -> None:
        self.calls += 1
        self.prompt_tokens += r.prompt_tokens
        self.cached_tokens += r.cached_tokens
        self.completion_tokens += r.completion_tokens
        self.reasoning_tokens += r.reasoning_tokens
        self.image_tokens += r.image_tokens
        self.images_generated += r.images_generated
        self.latency_s += r.latency_s
        if r.cost_usd is None:
            self.cost_known = False
        else:
            self.cost_usd += r.cost_usd


def cost_usd(model: str, usage: Usage | None, catalog: Catalog | None) -> float | None:
    """The cost of a call: the server's own figure first, else catalogue prices."""
    if usage is None:
        return None
    if usage.cost_in_usd_ticks is not None:
        return usage.cost_in_usd_ticks / USD_TICKS_PER_USD
    info = catalog.resolve(model) if catalog is not None else None
    return info.cost_usd(usage) if info is not None else None


def record_from_usage(
    model: str,
    usage: Usage | None,
    *,
    source: str,
    latency_s: float,
    ttft_s: float | None = None,
    request_id: str | None = None,
    catalog: Catalog | None = None,
) -> UsageRecord:
    u = usage
    return UsageRecord(
        model=model,
        source=source,
        prompt_tokens=u.prompt_tokens if u else 0,
        cached_tokens=u.cached if u else 0,
        completion_tokens=u.completion_tokens if u else 0,
        reasoning_tokens=u.reasoning if u else 0,
        image_tokens=u.image if u else 0,
        cost_usd=cost_usd(model, u, catalog),
        latency_s=latency_s,
        ttft_s=ttft_s,
        request_id=request_id,
    )


class UsageLedger:
    """Thread-safe list of ``UsageRecord``s with per-model and total summaries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[UsageRecord] = []

    def record(self, record: UsageRecord | None = None, /, **fields: Any) -> UsageRecord:
        """Add ``record`` (or one built from ``fields``) and return it."""
        if record is None:
            record = UsageRecord(**fields)
        with self._lock:
            self._records.append(record)
        return record

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

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        t = self.total()
        cost = f"${t.cost_usd:.6f}" + ("" if t.cost_known else "+?")
        return f"<UsageLedger {t.calls} call(s), {t.total_tokens} tokens, {cost}>"


_shared = UsageLedger()


def get_ledger() -> UsageLedger:
    """The process-wide ledger every client records into unless given another."""
    return _shared
