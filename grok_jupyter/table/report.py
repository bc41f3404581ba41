"""What a table map did: ``MapReport``, and ``MapRows`` (the result for a list input)."""

from __future__ import annotations

from dataclasses import dataclass

from .estimate import Estimate


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
