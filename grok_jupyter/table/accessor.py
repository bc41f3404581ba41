"""``df.grok.map(...)`` and ``series.grok.map(...)``: ``map_rows`` as a pandas accessor.

Registered by ``import grok_jupyter`` when pandas is already imported, by
``%load_ext grok_jupyter``, and by importing ``map_rows`` or ``amap_rows``
from ``grok_jupyter`` or ``grok_jupyter.table`` (the package's ``__getattr__``).
Registering never imports pandas unless asked to (``import_pandas=True``:
importing map_rows), so ``import grok_jupyter`` stays cheap. The map itself is
imported only when ``.grok.map`` is first called, for the same reason.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

ACCESSOR = "grok"
_registered = False


class GrokAccessor:
    """``.grok`` on a DataFrame or Series."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def map(self, template: str, **kwargs: Any) -> Any:
        """``map_rows(self, template, **kwargs)``: one Grok request per row, answers as
        new columns (see ``help(grok_jupyter.map_rows)``)."""
        from .map import map_rows

        return map_rows(self._obj, template, **kwargs)


def register(*, import_pandas: bool = False) -> bool:
    """Add ``.grok`` to DataFrame and Series; True if registered (now or before)."""
    global _registered
    if _registered:
        return True
    if "pandas" not in sys.modules and not import_pandas:
        return False
    try:
        import pandas as pd
    except ImportError:
        return False
    with warnings.catch_warnings():
        # pandas warns when an accessor replaces one: a %reload_ext re-registers ours.
        warnings.simplefilter("ignore", UserWarning)
        pd.api.extensions.register_dataframe_accessor(ACCESSOR)(GrokAccessor)
        pd.api.extensions.register_series_accessor(ACCESSOR)(GrokAccessor)
    _registered = True
    return True
