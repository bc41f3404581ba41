"""``%load_ext grok_jupyter`` is cheap: nothing heavy is imported until a cell runs."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
import IPython.core.magics.extension  # loaded by any %load_ext; not ours to count
before = set(sys.modules)
shell.run_line_magic("load_ext", "grok_jupyter")
print(json.dumps(sorted(set(sys.modules) - before)))
"""

HEAVY = ("langchain", "langchain_core", "httpx", "pydantic", "PIL", "pandas", "numpy",
         "matplotlib", "ipywidgets", "anywidget", "tqdm", "dask", "ray", "mcp", "pypdf",
         "sqlite3", "grok_jupyter.client._client", "grok_jupyter.emulator")


def test_load_ext_imports_almost_nothing() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    new = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in new if m.split(".")[0] in HEAVY or m in HEAVY or
             any(m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []
    assert "grok_jupyter.magic" in new
    # Ours: only the magic's own small modules (the layout splits it by concern); the
    # time this costs is the %load_ext row in benchmarks/RESULTS.md.
    ours = [m for m in new if m.startswith("grok_jupyter")]
    assert all(m == "grok_jupyter" or m.startswith("grok_jupyter.magic") for m in ours), ours
    # One small module per subcommand family (tables, chats, fix): a cap, so a heavy
    # import chain cannot hide behind "ours".
    assert len(ours) <= 14, ours
    # Beyond the standard library (the accessor's import hook needs importlib.abc),
    # almost nothing: IPython's magic_arguments.
    others = [m for m in new if not m.startswith("grok_jupyter")
              and m.split(".")[0].lstrip("_") not in sys.stdlib_module_names]
    assert len(others) < 6, others
