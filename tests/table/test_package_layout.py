"""Where the table map lives and the import paths users rely on (issue 19).

The map is its own package, ``grok_jupyter.table``, one module a concern; the
notebook layer keeps no ``table_*`` modules; ``from grok_jupyter import map_rows``,
``grok_jupyter.ray.GrokMapper`` and ``df.grok.map`` keep working; importing a
piece of the package (the panel imports its ``errors``) stays cheap.
"""

from __future__ import annotations

import inspect
import pickle
import pkgutil
from pathlib import Path

import pytest

import grok_jupyter.notebook
import grok_jupyter.table
from tests.fresh_python import python_prints
from tests.structure.import_graph import ImportGraph

ROOT = Path(__file__).resolve().parents[2]

CONCERNS = set("map plan rate cache batch dask ray estimate accessor errors".split())


def _modules(package) -> set[str]:
    return {m.name for m in pkgutil.iter_modules(package.__path__)}


def test_the_table_package_has_a_module_for_each_concern():
    assert CONCERNS <= _modules(grok_jupyter.table)


def test_the_notebook_layer_has_no_table_modules():
    left = sorted(m for m in _modules(grok_jupyter.notebook) if m.startswith("table"))
    assert left == []


def test_the_public_names_are_the_table_packages():
    from grok_jupyter import MapReport, amap_rows, map_rows
    from grok_jupyter.ray import LEDGER_COLUMN, GrokMapper
    from grok_jupyter.table import map as map_module
    from grok_jupyter.table import ray as ray_module
    from grok_jupyter.table.report import MapReport as report_class

    assert map_rows is map_module.map_rows and amap_rows is map_module.amap_rows
    assert MapReport is report_class
    assert GrokMapper is ray_module.GrokMapper and LEDGER_COLUMN == ray_module.LEDGER_COLUMN
    assert grok_jupyter.table.map_rows is map_rows


def test_a_report_pickles_by_its_module_path():
    # Dask partitions send their MapReport back to the driver.
    from grok_jupyter.table import MapReport

    report = MapReport(rows=3, done=2, failed=1, cost_usd=0.25)
    assert pickle.loads(pickle.dumps(report)) == report


def test_the_dask_and_ray_engines_take_map_rows_keywords_as_the_maps_own():
    # A keyword the engines did not know would be sent to the API as a request field.
    from grok_jupyter.table.map import amap_rows, map_rows
    from grok_jupyter.table.options import MapOptions, split_options

    def keywords(fn) -> dict[str, object]:
        params = inspect.signature(fn).parameters.values()
        return {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY}

    assert keywords(map_rows) == keywords(amap_rows)
    options = split_options({**keywords(map_rows), "temperature": 0.2})
    assert {k: getattr(options, k) for k in keywords(map_rows)} == keywords(map_rows)
    assert options.params == {"temperature": 0.2}
    assert keywords(map_rows) == {k: v for k, v in keywords(MapOptions).items()
                                  if k not in ("params", "run_id", "pace")}  # fmt: skip


def test_importing_a_piece_of_the_package_imports_neither_the_map_nor_pandas():
    out = python_prints(
        """
        import sys
        from grok_jupyter.table.errors import dollars
        print("pandas" in sys.modules, "grok_jupyter.table.map" in sys.modules)
        """
    )
    assert out == "False False"


def test_taking_map_rows_from_the_table_package_registers_df_grok():
    out = python_prints(
        """
        from grok_jupyter.table import map_rows
        import pandas as pd
        print(hasattr(pd.DataFrame(), "grok"), hasattr(pd.Series(dtype=str), "grok"))
        """
    )
    assert out == "True True"


@pytest.mark.parametrize("package", ["grok_jupyter.table", "grok_jupyter.pacing"])
def test_no_import_circle_and_no_module_over_450_lines(package):
    folder = package.replace(".", "/")
    graph = ImportGraph(ROOT, [folder])
    assert graph.cycles() == [], graph.describe_cycles()
    sizes = {p.name: len(p.read_text().splitlines()) for p in (ROOT / folder).glob("*.py")}
    assert max(sizes.values()) <= 450, sizes
