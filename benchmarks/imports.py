"""Import and ``%load_ext`` time in fresh processes.

``import X``: wall time of ``python -c "import X"`` minus ``python -c "pass"``
(same interpreter, same round). ``%load_ext X``: an ``InteractiveShell`` is
made in a fresh process and only the ``%load_ext`` step is timed (it includes
importing the extension). jupyter-ai-magics needs langchain-core 0.3, which
conflicts with this project's langchain-core 1.x, so it lives in its own venv
under ``benchmarks/.work/`` (made on first use).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from ._harness import ROOT, WORK, Config, Row, log

GROUP = "Import time (fresh process) and %load_ext (existing IPython shell)"
JAI_VENV = os.path.join(WORK, "jai-venv")
JAI_STAMP = os.path.join(JAI_VENV, ".benchmarks-installed")
JAI_PY = os.path.join(JAI_VENV, "bin", "python")

_LOAD_EXT = r"""
import sys, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
before = len(sys.modules)
t0 = time.perf_counter()
shell.run_line_magic("load_ext", sys.argv[1])
dt = time.perf_counter() - t0
magics = shell.magics_manager.magics
ok = sys.argv[2] in magics["cell"] or sys.argv[2] in magics["line"]
print(dt, len(sys.modules) - before, int(ok))
"""

# (key, what, subject, baseline, target)
_ROWS = [
    ("imports.grok_jupyter_vs_openai", "import, fresh process", "import grok_jupyter",
     "import openai", "<= 0.33"),
    ("imports.langchain_grok_vs_langchain_xai", "import, fresh process", "import langchain_grok",
     "import langchain_xai", "<= 0.6"),
    ("imports.langchain_grok_vs_openai", "import, fresh process", "import langchain_grok",
     "import openai", ""),
    ("imports.client_vs_openai", "import, fresh process", "import grok_jupyter.client",
     "import openai", ""),
    # The packages load their names lazily, so ``import X`` alone says little about what
    # a user waits for: these rows time importing the class a user actually needs.
    ("imports.grokclient_vs_openai_class", "first use, fresh process",
     "from grok_jupyter import GrokClient", "from openai import OpenAI", "<= 0.33"),
    ("imports.chatgrok_vs_chatxai_class", "first use, fresh process",
     "from langchain_grok import ChatGrok", "from langchain_xai import ChatXAI", "<= 0.6"),
    ("imports.grok_jupyter_vs_jai", "import, fresh process", "import grok_jupyter",
     "import jupyter_ai_magics", ""),
    ("imports.load_ext_vs_jai", "%load_ext in an InteractiveShell", "%load_ext grok_jupyter",
     "%load_ext jupyter_ai_magics", "<= 0.1"),
]
KEYS = [r[0] for r in _ROWS]


def ensure_jai(cfg: Config) -> str | None:
    """The jupyter-ai-magics venv's python, or None; the reason is in ``jai_reason``."""
    global jai_reason
    if os.path.exists(JAI_STAMP):
        return JAI_PY
    if not cfg.install_jai:
        jai_reason = "its venv is not installed (benchmarks/.work/jai-venv; a full run makes it)"
        return None
    log(cfg, "[imports] creating benchmarks/.work/jai-venv with jupyter-ai-magics + ipython")
    os.makedirs(WORK, exist_ok=True)
    logfile = os.path.join(WORK, "jai-install.log")
    try:
        with open(logfile, "w") as f:
            if not os.path.exists(JAI_PY):
                subprocess.run([sys.executable, "-m", "venv", JAI_VENV], check=True,
                               stdout=f, stderr=subprocess.STDOUT, timeout=300)
            subprocess.run([JAI_PY, "-m", "pip", "install", "--quiet", "jupyter-ai-magics",
                            "ipython"], check=True, stdout=f, stderr=subprocess.STDOUT,
                           timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        jai_reason = f"jupyter-ai-magics could not be installed ({exc}); see {logfile}"
        return None
    open(JAI_STAMP, "w").close()
    return JAI_PY


jai_reason = ""


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _load_ext(py: str, ext: str, magic: str) -> tuple[float, int]:
    out = subprocess.run([py, "-c", _LOAD_EXT, ext, magic], check=True, cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, "TERM": "dumb"})
    dt, mods, ok = out.stdout.split()[-3:]
    if ok != "1":
        raise RuntimeError(f"%load_ext {ext} registered no %{magic} magic")
    return float(dt), int(mods)


def run(cfg: Config) -> list[Row]:
    jai = ensure_jai(cfg)
    py = sys.executable
    # pip byte-compiles an installed package; an editable checkout on a machine with
    # PYTHONDONTWRITEBYTECODE set never gets its .pyc, so every run would time the
    # compiler. Compile ours as pip would, so both sides load bytecode.
    subprocess.run([py, "-m", "compileall", "-q", "grok_jupyter", "langchain_grok"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    # subject name -> (how to time one run); each returns seconds
    probes: dict[str, object] = {}
    for mod in ("grok_jupyter", "grok_jupyter.client", "langchain_grok", "openai",
                "langchain_xai"):
        probes[f"import {mod}"] = (py, f"import {mod}")
    for mod, name in (("grok_jupyter", "GrokClient"), ("openai", "OpenAI"),
                      ("langchain_grok", "ChatGrok"), ("langchain_xai", "ChatXAI")):
        probes[f"from {mod} import {name}"] = (py, f"from {mod} import {name}")
    if jai:
        probes["import jupyter_ai_magics"] = (jai, "import jupyter_ai_magics")
    errors: dict[str, str] = {}
    for name, (interp, stmt) in list(probes.items()):  # check each once (also warms .pyc)
        done = subprocess.run([interp, "-c", stmt], cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            errors[name] = f"not importable: {last[:120]}"
            del probes[name]
    exts = {"%load_ext grok_jupyter": (py, "grok_jupyter", "grok")}
    if jai:
        exts["%load_ext jupyter_ai_magics"] = (jai, "jupyter_ai_magics", "ai")
    modules: dict[str, list[int]] = {}
    for name, (interp, ext, magic) in list(exts.items()):
        try:
            _load_ext(interp, ext, magic)
        except (subprocess.CalledProcessError, RuntimeError, ValueError) as exc:
            err = getattr(exc, "stderr", "") or str(exc)
            errors[name] = f"failed: {(err.strip().splitlines() or ['?'])[-1][:120]}"
            del exts[name]

    reps = max(cfg.import_repeat, 1)
    log(cfg, f"[imports] {reps} rounds of {len(probes) + len(exts)} fresh processes")
    values: dict[str, list[float]] = {name: [] for name in [*probes, *exts]}
    order = [*probes, *exts]
    for r in range(reps):
        base = {py: _wall([py, "-c", "pass"])}
        if jai:
            base[jai] = _wall([jai, "-c", "pass"])
        for name in order[r % len(order):] + order[: r % len(order)]:
            if name in probes:
                interp, stmt = probes[name]
                values[name].append(max(_wall([interp, "-c", stmt]) - base[interp], 0.0))
            else:
                interp, ext, magic = exts[name]
                dt, nmods = _load_ext(interp, ext, magic)
                values[name].append(dt)
                modules.setdefault(name, []).append(nmods)

    rows = []
    for key, what, subject, baseline, target in _ROWS:
        row = Row(key=key, group=GROUP, what=what, subject=subject, baseline=baseline,
                  unit="ms", target=target)
        s, b = values.get(subject, []), values.get(baseline, [])
        notes = []
        for name in (subject, baseline):
            if name in errors:
                notes.append(f"not available: {name}: {errors[name]}")
            elif name.endswith("jupyter_ai_magics") and not jai:
                notes.append(f"not available: {name}: {jai_reason}")
        if s and b:
            # medians of the nets: per-round ratios of tiny nets are mostly noise
            row.ratio = statistics.median(s) / statistics.median(b) if statistics.median(b) \
                else None
            row.reps = len(s)
        if s:
            row.subject_value = statistics.median(s) * 1e3
        if b:
            row.baseline_value = statistics.median(b) * 1e3
        for name in (subject, baseline):
            if name in modules:
                notes.append(f"{name}: {statistics.median(modules[name]):.0f} modules loaded")
        if "jupyter_ai_magics" in baseline and jai:
            notes.append("baseline in its own venv (langchain-core 0.3)")
        row.note = "; ".join(notes)
        row.judge()
        rows.append(row)
    return rows
