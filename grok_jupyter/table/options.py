"""``MapOptions``: a table map's own keywords, their defaults and their refusals, in one place.

``map_rows`` takes them by name (its signature is the documented list);
``amap_rows``, ``prepare``, the in-process map and the Dask and Ray engines
pass one ``MapOptions`` on. ``split_options`` tells the map's own keywords
from the request fields (``temperature``, ``max_tokens``, ...) that go with
every request, so a keyword the map knows is never sent to the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import MapInputError
from .report import MapReport

DEFAULT_CONCURRENCY = 1024
BATCH_ID = re.compile(r"batch_[A-Za-z0-9][A-Za-z0-9_-]*")  # the API's prefix is [V]


@dataclass(kw_only=True)
class MapOptions:
    """Everything a map is told besides its table and template (``map_rows``' keywords)."""

    schema: Any = None
    model: str | None = None
    system: str | None = None
    client: Any = None
    concurrency: int = DEFAULT_CONCURRENCY
    budget_usd: float | None = None
    on_error: str = "raise"
    cache: Any = True
    mode: str = "live"
    resume: str | None = None
    progress: bool = True
    source: str = "map"
    on_row: Callable[[MapReport], None] | None = None
    poll_interval: float = 5.0
    params: dict[str, Any] = field(default_factory=dict)  # request fields, sent with every row
    # Set by the Dask and Ray engines, never by users: the job every partition or batch
    # (and any retry of one) belongs to, and the pace the whole cluster shares.
    run_id: str | None = None
    pace: Any = None

    def check(self) -> None:
        check_options(self.on_error, self.mode, self.concurrency, self.budget_usd,
                      self.poll_interval, self.resume)  # fmt: skip

    def as_keywords(self) -> dict[str, Any]:
        """The options as ``map_rows`` keywords again, request fields included."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}
        return {**own, **self.params}


OWN = frozenset(f.name for f in fields(MapOptions)) - {"params"}


def split_options(options: dict[str, Any]) -> MapOptions:
    """``map_rows``' keywords as a ``MapOptions``: its own by name, every other keyword a
    request field (``params``)."""
    own = {k: v for k, v in options.items() if k in OWN}
    params = {k: v for k, v in options.items() if k not in OWN}
    return MapOptions(**own, params=params)


def check_options(
    on_error: str = "raise",
    mode: str = "live",
    concurrency: Any = DEFAULT_CONCURRENCY,
    budget_usd: Any = None,
    poll_interval: Any = 5.0,
    resume: Any = None,
) -> None:
    """Every option's refusal, before anything is read or sent (also run on a cluster's
    driver, so a bad option fails there and not on each worker)."""
    if on_error not in ("raise", "keep"):
        raise MapInputError(f"on_error must be 'raise' or 'keep', not {on_error!r}.")
    if mode not in ("live", "batch"):
        raise MapInputError(f"mode must be 'live' or 'batch', not {mode!r}.")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise MapInputError(
            f"concurrency must be a whole number of at least 1 (the most requests in flight; "
            f"default {DEFAULT_CONCURRENCY}), not {concurrency!r}."
        )
    if (
        isinstance(poll_interval, bool)
        or not isinstance(poll_interval, (int, float))
        or not poll_interval >= 0
    ):
        raise MapInputError(
            f"poll_interval must be a number of seconds, 0 or more (default 5.0), not "
            f"{poll_interval!r}."
        )
    if resume is not None and (not isinstance(resume, str) or not BATCH_ID.fullmatch(resume)):
        raise MapInputError(
            f"resume must be a batch id such as 'batch_0f3c…' (report.batch_id of the map "
            f"that submitted it, or %grok batches), not {resume!r}."
        )
    if budget_usd is not None and (
        isinstance(budget_usd, bool)
        or not isinstance(budget_usd, (int, float))
        or not budget_usd > 0
    ):
        raise MapInputError(f"budget_usd must be a positive number of dollars, not {budget_usd!r}.")
