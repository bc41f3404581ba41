"""df.grok.map and series.grok.map; when the accessor is registered; pandas stays lazy."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from grok_jupyter import map_rows

from .conftest import TEMPLATE, Sentiment


def test_dataframe_accessor_is_map_rows(emu, gclient, df):
    out = df.grok.map(TEMPLATE, schema=Sentiment, client=gclient, progress=False)
    emu.reset()
    same = map_rows(df, TEMPLATE, schema=Sentiment, client=gclient, progress=False)
    assert emu.chat_requests == []  # the accessor's rows are the function's: cached
    assert out.drop(columns="_cost_usd").equals(same.drop(columns="_cost_usd"))
    assert (out["_cost_usd"] > 0).all() and (same["_cost_usd"] == 0).all()


def test_series_accessor(emu, gclient, df):
    out = df["review"].grok.map("Translate: {review}", client=gclient, progress=False)
    assert list(out.columns) == ["review", "answer", "_cost_usd"]
    assert "Translate: Love it" in out.loc["d", "answer"]


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_grok_jupyter_does_not_import_pandas():
    out = _python(
        """
        import sys, grok_jupyter
        print("pandas" in sys.modules, "grok_jupyter.table.map" in sys.modules)
        """
    )
    assert out == "False False"


def test_import_grok_jupyter_registers_when_pandas_is_there():
    out = _python(
        """
        import pandas as pd
        print(hasattr(pd.DataFrame(), "grok"))
        import grok_jupyter
        print(hasattr(pd.DataFrame(), "grok"), hasattr(pd.Series(dtype=str), "grok"))
        """
    )
    assert out.split() == ["False", "True", "True"]


def test_importing_map_rows_registers():
    out = _python(
        """
        from grok_jupyter import map_rows
        import pandas as pd
        print(hasattr(pd.DataFrame(), "grok"))
        """
    )
    assert out == "True"


def test_load_ext_registers_even_before_pandas_is_imported():
    out = _python(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
        shell.run_line_magic("load_ext", "grok_jupyter")
        print("pandas" in sys.modules)
        import pandas as pd
        print(hasattr(pd.DataFrame(), "grok"))
        """
    )
    assert out.split() == ["False", "True"]
