"""Compact descriptions of DataFrames, Series and arrays, under a token budget."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from grok_jupyter.client._tokens import count_tokens
from grok_jupyter.notebook.describe import describe


def test_wide_and_long_frame_fits_every_budget() -> None:
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(5_000, 60)),
                      columns=[f"feature_{i}" for i in range(60)])
    for budget in (60, 200, 800):
        text = describe(df, budget_tokens=budget)
        assert text is not None
        assert text.startswith("pandas DataFrame: 5,000 rows × 60 columns")
        # The header line may exceed a tiny budget on its own; nothing else may.
        assert count_tokens(text) <= max(budget, count_tokens(text.splitlines()[0]))
    roomy = describe(df, budget_tokens=2_000)
    assert "first 5 and last 5 of 5,000 rows; 4,990 rows left out" in roomy
    assert "numeric summary" in roomy and "more columns" in roomy


def test_missing_values_are_counted() -> None:
    df = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", None, "z"]})
    assert "missing values: 2" in describe(df)


def test_series_and_arrays() -> None:
    s = pd.Series([3, 1, 2], name="score")
    text = describe(s)
    assert "Series 'score': 3 values, dtype int64" in text and "min 1, mean 2, max 3" in text
    arr = np.arange(12).reshape(3, 4)
    text = describe(arr)
    assert "shape 3×4, dtype int64" in text and "max 11" in text


def test_other_objects_are_not_described() -> None:
    assert describe([1, 2, 3]) is None
    assert describe("text") is None


def test_describing_does_not_import_pandas() -> None:
    code = (
        "import sys; from grok_jupyter.notebook.interpolate import interpolate;"
        "print(interpolate('{x}', {'x': [1]}));"
        "print('pandas' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[1]", "False", "False"]
