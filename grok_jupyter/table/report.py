"""What a table map did: ``MapReport``, and ``MapRows`` (the result for a list input)."""

from __future__ import annotations

from dataclasses import dataclass

from .estimate import Estimate


@dataclass
class MapReport:
    """What a map did. On the result: ``df.attrs["grok_map"]``, or ``rows.report``."""

    rows: int = 0
    done: int = 0  # rows with an answer (cached and recovered ones included)
    cached: int = 0  # rows answered from the cache, free: bought by an earlier map
    recovered: int = 0  # rows an earlier attempt of this same job bought (a retried task)
    failed: int = 0
    not_done: int = 0
    requests: int = 0  # requests that got an answer or an error from the server
    rate_limited: int = 0  # 429 answers seen (each retried by the client)
    cost_usd: float = 0.0  # spent by this call (recovered rows and estimates included)
    estimated_usd: float = 0.0  # the part of cost_usd that is estimated (see below)
    in_flight_at_stop: int = 0  # requests in flight at Ctrl-C: booked as estimates
    lost_in_flight: int = 0  # requests a killed attempt of this job had in flight: booked
    estimate: Estimate | None = None
    elapsed_s: float = 0.0
    interrupted: bool = False
    stopped_by_budget: bool = False
    mode: str = "live"
    batch_id: str | None = None
    max_in_flight: int = 0
    stopped: str | None = None  # "interrupted" | "budget" | "error" | "auth" | "cache"

    def describe(self) -> str:
        parts = [f"{self.done:,}/{self.rows:,} rows done"]
        if self.cached:
            parts.append(f"{self.cached:,} from the cache")
        if self.recovered:
            parts.append(f"{self.recovered:,} bought by an earlier attempt of this map")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.not_done:
            why = STOP_REASONS.get(self.stopped or "", "interrupted")
            parts.append(f"{self.not_done:,} not done ({why})")
        cost = f"${self.cost_usd:,.4f}"
        if self.estimated_usd:
            stopped = self.in_flight_at_stop + self.lost_in_flight
            cost = f"~{cost} ({stopped:,} request(s) stopped in flight, estimated)"
        parts.append(f"{cost} in {self.elapsed_s:.1f}s")
        return ", ".join(parts)


STOP_REASONS = {
    "interrupted": "interrupted",
    "budget": "budget spent",
    "error": "stopped at the first failed row",
    "auth": "the API refused the key",
    "cache": "the cache could not be written",
}


class MapRows(list):  # type: ignore[type-arg]
    """The result of mapping a list of dicts or strings: a list of dicts, plus ``.report``."""

    report: MapReport
