"""Ray Data: ``GrokMapper``, a callable class for ``ray.data.Dataset.map_batches``.

```python
from grok_jupyter.ray import GrokMapper

mapper = GrokMapper("Sentiment of this review: {review}", schema=Sentiment, client=client)
labelled = ds.map_batches(mapper, batch_format="pandas")       # lazy, as usual in Ray
df = mapper.collect(labelled)                                  # pandas; spend merged
```

Each batch runs the pandas map (``local.map_local``, what ``map_rows`` runs for
a DataFrame) on its Ray worker with a client of its own, a copy made from
``client``'s settings when the batch arrives (no connection travels; the key
only if it was passed explicitly, otherwise the worker reads its own
``XAI_API_KEY``), and a ledger of its own. The batch comes
back with the new columns plus one hidden column, ``_grok_ledger``: that
batch's usage records as JSON, on its first row. ``collect(ds)`` computes the
dataset to pandas, drops the hidden column and merges the records into the
driver's ledger once each (``UsageLedger.merge``), so ``%grok usage`` shows
what the cluster spent. To keep the result as a Dataset (``write_parquet``...),
call ``mapper.take_ledger(batch_df)`` on each pandas frame you bring back.

Ray itself is not imported here: the mapper needs only pandas. The public
import path is ``grok_jupyter.ray``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ..client._usage import UsageLedger, UsageRecord
from .clients import close_client, driver_client, worker_copy
from .cluster_pace import RayPaceSource
from .local import map_local
from .options import DEFAULT_CONCURRENCY, check_options
from .plan import read_schema

__all__ = ["LEDGER_COLUMN", "GrokMapper"]

LEDGER_COLUMN = "_grok_ledger"


class GrokMapper:
    """Label every row of a Ray Dataset with Grok: ``ds.map_batches(GrokMapper(...),
    batch_format="pandas")``.

    Takes ``map_rows``' arguments (``template``, ``schema``, ``model``,
    ``system``, ``concurrency`` per batch, ``cache``, request parameters such
    as ``temperature``). ``client``: a ``GrokClient`` or ``AsyncGrokClient``
    whose settings the workers copy (default: the shared client's, as the
    process that builds the mapper sees it). As a class with
    ``fn_constructor_kwargs`` (Ray's actor pool) it is built in the worker,
    and so is its client.

    ``on_error`` defaults to ``"keep"`` here, unlike ``map_rows``: a Ray task
    that raises loses its output, and with it the ledger records of the rows
    it had paid for, so a failed row is kept in ``_error`` instead.
    ``budget_usd`` applies to each batch on its own. Every batch starts its
    requests at the account's rate, from one book the whole cluster shares (a
    named Ray actor, ``cluster_pace``); ``concurrency`` caps each batch's
    requests in flight. A batch Ray retries after its worker died finds the
    rows its first attempt paid for in the cache, with their ledger records.
    """

    def __init__(
        self,
        template: str,
        *,
        schema: Any = None,
        model: str | None = None,
        system: str | None = None,
        client: Any = None,
        on_error: str = "keep",
        cache: Any = True,
        concurrency: int = DEFAULT_CONCURRENCY,
        budget_usd: float | None = None,
        source: str = "map",
        **params: Any,
    ) -> None:
        client = driver_client(client)
        check_options(on_error=on_error, concurrency=concurrency, budget_usd=budget_usd)
        read_schema(schema)  # a bad schema is refused here, on the driver, before any batch
        self.template = template
        self.client = client  # pickles as its settings
        self.options: dict[str, Any] = {
            "schema": schema,
            "model": model,
            "system": system,
            "on_error": on_error,
            "cache": cache,
            "concurrency": concurrency,
            "budget_usd": budget_usd,
            "source": source,
            # One job: every batch, and any retry of one, books the same run and shares
            # one pace for the account with every other worker (a named Ray actor).
            "run_id": uuid.uuid4().hex,
            "pace": RayPaceSource(client.settings.base_url),
            **params,
        }

    def __repr__(self) -> str:
        return f"GrokMapper({self.template!r}, model={self.options['model']!r})"

    # --- on the worker -----------------------------------------------------------

    def __call__(self, batch: Any) -> Any:
        """Map one pandas batch; returns it with the new columns and ``_grok_ledger``."""
        if len(batch) == 0:  # map_rows refuses an empty table; an empty batch just passes
            out = batch.copy()
            out[LEDGER_COLUMN] = []
            return out
        ledger = UsageLedger()
        # A private copy per batch: its own pool, its own ledger, whatever Ray reuses.
        client = worker_copy(self.client, ledger)
        try:
            out = map_local(batch, self.template, client=client, progress=False, **self.options)
        finally:
            close_client(client)
        out.attrs.pop("grok_map", None)  # Arrow keeps no attrs; the records carry the spend
        records = json.dumps([r.as_dict() for r in ledger.records])
        out[LEDGER_COLUMN] = [records] + [None] * (len(out) - 1)
        return out

    # --- on the driver -----------------------------------------------------------

    @property
    def ledger(self) -> UsageLedger:
        """The ledger ``collect`` merges into: the driver client's (by default the shared one)."""
        return self.client.ledger

    def take_ledger(self, df: Any, ledger: UsageLedger | None = None) -> Any:
        """Drop ``_grok_ledger`` from the pandas frame ``df`` and merge its records (once each).

        Returns ``df`` without the column. ``ledger``: default ``self.ledger``.
        """
        target = ledger if ledger is not None else self.ledger
        if LEDGER_COLUMN not in df.columns:
            return df
        records: list[UsageRecord] = []
        for cell in df[LEDGER_COLUMN]:
            if isinstance(cell, str) and cell:
                records.extend(UsageRecord.from_dict(d) for d in json.loads(cell))
        target.merge(records)
        return df.drop(columns=[LEDGER_COLUMN])

    def collect(self, ds: Any, ledger: UsageLedger | None = None) -> Any:
        """Compute the mapped Dataset ``ds`` to a pandas DataFrame and merge its spend.

        The hidden column is removed; every batch's usage records go into
        ``ledger`` (default: the driver client's), each once: a record already
        merged is skipped. (Ray Datasets are lazy: collecting twice runs the
        batches twice, and rows answered from the cache the second time cost 0.)
        """
        return self.take_ledger(ds.to_pandas(), ledger)
