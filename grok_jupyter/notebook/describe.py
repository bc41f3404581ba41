"""Compact descriptions of tabular and array data for a prompt, under a token budget.

A DataFrame's repr is either truncated in the middle (useless to a model) or
enormous. A frame that fits the budget goes in whole; a bigger one becomes
its shape, column types, its first and last rows (the description says how
many rows were left out) and a numeric summary, trimmed until it fits.

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


def _sample_note(shown: int, total: int) -> str:
    half = shown // 2
    return (f"first {half:,} and last {half:,} of {total:,} rows; "
            f"{total - shown:,} rows left out")


def describe_dataframe(df: Any, *, budget_tokens: int = 800) -> str:
    rows, cols = df.shape
    header = f"pandas DataFrame: {rows:,} rows × {cols:,} columns"
    names = [str(c) for c in df.columns]
    dtypes = [str(t) for t in df.dtypes]
    columns = _columns_line(names, dtypes, budget_tokens)
    parts = [header, columns]
    remaining = budget_tokens - count_tokens("\n".join(parts))
    missing = int(df.isna().sum().sum()) if rows else 0
    missing_line = f"missing values: {missing:,}" if missing else ""
    # The whole frame when it fits: a model asked about a 6-row table needs all 6 rows.
    # (Each row costs at least a token, so a longer frame is never even rendered.)
    if 0 < rows <= remaining:
        text = f"all {rows:,} rows:\n{df.to_string(max_colwidth=40)}"
        if count_tokens(text) <= remaining - count_tokens(missing_line):
            return "\n".join([*parts, text, *([missing_line] if missing_line else [])])
    # Otherwise the first and last rows (and as many columns as fit), saying what is left out.
    max_cols = min(cols, 12)
    more_cols = f"\n(… {cols - max_cols:,} more columns)" if max_cols < cols else ""
    sample = f"no rows shown; {rows:,} rows left out" if rows else ""
    for half in range(min(_MAX_HEAD_ROWS, rows), _MIN_HEAD_ROWS - 1, -1):
        if half == 0:
            break
        if 2 * half >= rows:
            table = df.iloc[:, :max_cols].to_string(max_colwidth=40)
            text = f"all {rows:,} rows:\n{table}{more_cols}"
        else:
            picked = df.iloc[list(range(half)) + list(range(rows - half, rows)), :max_cols]
            table = picked.to_string(max_colwidth=40)
            text = f"{_sample_note(2 * half, rows)}:\n{table}{more_cols}"
        if count_tokens(text) <= remaining:
            sample = text
            break
    if sample:
        parts.append(sample)
    numeric = df.select_dtypes("number")
    if numeric.shape[1] and rows:
        stats = numeric.iloc[:, :max_cols].agg(["min", "mean", "max"]).to_string(
            float_format=lambda x: f"{x:.4g}"
        )
        parts.append(f"numeric summary (all rows):\n{stats}")
    if missing_line:
        parts.append(missing_line)
    return _fit(parts, budget_tokens)


def describe_series(series: Any, *, budget_tokens: int = 800) -> str:
    name = f" {series.name!r}" if series.name is not None else ""
    n = len(series)
    header = f"pandas Series{name}: {n:,} values, dtype {series.dtype}"
    parts = [header]
    if n:
        stats = ""
        if series.dtype.kind in "iuf":
            stats = f"min {series.min():.4g}, mean {series.mean():.4g}, max {series.max():.4g}"
        remaining = budget_tokens - count_tokens("\n".join([header, stats]))
        whole = f"all {n:,} values:\n{series.to_string()}" if n <= remaining else ""
        if whole and count_tokens(whole) <= remaining:
            parts.append(whole)
        else:
            half = min(_MAX_HEAD_ROWS, n // 2) or 1
            picked = series.iloc[list(range(half)) + list(range(n - half, n))]
            note = (f"first {half:,} and last {half:,} of {n:,} values; "
                    f"{n - 2 * half:,} values left out")
            parts.append(f"{note}:\n{picked.to_string()}")
        if stats:
            parts.append(stats)
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
