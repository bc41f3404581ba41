"""Ray Data: ``GrokMapper``, a callable class for ``ray.data.Dataset.map_batches``.

```python
from grok_jupyter.ray import GrokMapper

mapper = GrokMapper("Sentiment of this review: {review}", schema=Sentiment, client=client)
labelled = ds.map_batches(mapper, batch_format="pandas")       # lazy, as usual in Ray
df = mapper.collect(labelled)                                  # pandas; spend merged
```

The public import path; the mapper lives with the rest of the table map, in
``grok_jupyter.table.ray``. Ray itself is not imported.
"""

from __future__ import annotations

from .table.ray import LEDGER_COLUMN, GrokMapper

__all__ = ["LEDGER_COLUMN", "GrokMapper"]
