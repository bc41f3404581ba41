"""Compact descriptions of tabular and array data for a prompt, under a token budget.

A DataFrame's repr is either truncated in the middle (useless to a model) or
enormous. What a model needs is its shape, column types and a few rows, so
that is what goes in, trimmed until it fits the budget.

pandas and numpy are never imported here: an object can only be a DataFrame
if pandas is already in ``sys.modules``.
"""

from __future__ import annotations

import sys
from typing import Any

from ..client._tokens import count_tokens

_MAX_HEAD_ROWS = 5
_MIN_HEAD_ROWS = 1


def describe(obj: Any, *, budget_tokens: int = 800) -> str | None:
    """A description of ``obj`` if it is a DataFrame, Series or ndarray; otherwise None."""
    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(obj, pd.DataFrame):
            return describe_dataframe(obj, budget_tokens=budget_tokens)
        if isinstance(obj, pd.Series):
            return describe_series(obj, budget_tokens=budget_tokens)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(obj, np.ndarray):
        return describe_array(obj, budget_tokens=budget_tokens)
    return None


def _fit(parts: list[str], budget_tokens: int) -> str:
    """Join ``parts``, dropping from the end until the text fits; the first part always stays."""
    kept = list(parts)
    while len(kept) > 1 and count_tokens("\n".join(kept)) > budget_tokens:
        kept.pop()
    return "\n".join(kept)


def _columns_line(names: list[str], dtypes: list[str], budget_tokens: int) -> str:
    items = [f"{n} ({d})" for n, d in zip(names, dtypes, strict=True)]
    line = "columns: " + ", ".join(items)
    shown = len(items)
    # Very wide frames: list as many columns as half the budget allows.
    while shown > 1 and count_tokens(line) > budget_tokens // 2:
        shown = max(1, shown * 3 // 4)
        line = f"columns: {', '.join(items[:shown])}, … and {len(items) - shown:,} more"
    return line


def describe_dataframe(df: Any, *, budget_tokens: int = 800) -> str:
    rows, cols = df.shape
    header = f"pandas DataFrame: {rows:,} rows × {cols:,} columns"
    names = [str(c) for c in df.columns]
    dtypes = [str(t) for t in df.dtypes]
    columns = _columns_line(names, dtypes, budget_tokens)
    parts = [header, columns]
    remaining = budget_tokens - count_tokens("\n".join(parts))
    # The head, with as many rows and columns as still fit.
    max_cols = min(cols, 12)
    for n_rows in range(min(_MAX_HEAD_ROWS, rows), _MIN_HEAD_ROWS - 1, -1):
        if n_rows == 0:
            break
        head = df.iloc[:n_rows, :max_cols].to_string(max_colwidth=40)
        if max_cols < cols:
            head += f"\n(… {cols - max_cols:,} more columns)"
        text = f"first {n_rows} rows:\n{head}"
        if count_tokens(text) <= remaining:
            parts.append(text)
            remaining -= count_tokens(text)
            break
    numeric = df.select_dtypes("number")
    if numeric.shape[1] and rows:
        stats = numeric.iloc[:, :max_cols].agg(["min", "mean", "max"]).to_string(
            float_format=lambda x: f"{x:.4g}"
        )
        parts.append(f"numeric summary:\n{stats}")
    missing = int(df.isna().sum().sum()) if rows else 0
    if missing:
        parts.append(f"missing values: {missing:,}")
    return _fit(parts, budget_tokens)


def describe_series(series: Any, *, budget_tokens: int = 800) -> str:
    name = f" {series.name!r}" if series.name is not None else ""
    header = f"pandas Series{name}: {len(series):,} values, dtype {series.dtype}"
    parts = [header]
    if len(series):
        parts.append("first values:\n" + series.head(_MAX_HEAD_ROWS).to_string(max_rows=5))
        if series.dtype.kind in "iuf":
            parts.append(
                f"min {series.min():.4g}, mean {series.mean():.4g}, max {series.max():.4g}"
            )
    return _fit(parts, budget_tokens)


def describe_array(arr: Any, *, budget_tokens: int = 800) -> str:
    np = sys.modules["numpy"]
    shape = "×".join(str(d) for d in arr.shape) or "scalar"
    parts = [f"numpy array: shape {shape}, dtype {arr.dtype}"]
    if arr.size and arr.dtype.kind in "iuf":
        parts.append(f"min {arr.min():.4g}, mean {arr.mean():.4g}, max {arr.max():.4g}")
    if arr.size:
        preview = np.array2string(arr, threshold=20, edgeitems=3, precision=4)
        parts.append(f"values:\n{preview}")
    return _fit(parts, budget_tokens)
