"""Scenarios of ``%%grok --agent`` with the real notebook bridge, run in JupyterLab and
Notebook 7 against the emulator's agent: each step that ran becomes a real cell with its
outputs directly below the agent's cell, whatever the user does meanwhile, and the notebook
reproduces without Grok."""

from __future__ import annotations

import json

from ._bridge import (
    TYPED,
    WIDGET,
    cell_ids,
    cells,
    click_into,
    save,
    saved_cells,
    shift_enter,
    wait_cell_count,
    wait_not_running,
    wait_outputs,
    where,
)
from ._jupyter import KERNEL_IDLE, TEST_API_KEY, Server, open_notebook, write_notebook

# The emulator's deterministic agent lists the variables, then runs the prompt's fenced block.
ANALYSIS = """%%grok --agent --approve auto
Find the station with the longest average trip.
```python
import pandas as pd
trips = pd.DataFrame({"station": ["A", "B", "A", "C"], "minutes": [12, 30, 18, 7]})
longest = trips.groupby("station")["minutes"].mean().idxmax()
print("longest:", longest)
```"""
STEP = ANALYSIS.split("```python\n")[1].split("\n```")[0]


def steps_of(page, agent: str = "c1", path: str = "") -> list[dict]:
    """The cells between the agent's cell and the next cell the user had."""
    ids = cell_ids(page, path)
    start = ids.index(agent) + 1
    return [c for c in cells(page, path)[start:] if len(c["id"]) == 32]  # the bridge's uuid4().hex


def wait_agent_done(page, agent: str = "c1", path: str = "") -> None:
    """Wait until the agent's cell shows its footer (or a stop) and no cell runs."""
    page.wait_for_function(
        f"""([p, id]) => {{ const c = ({WIDGET})(p).content.model.sharedModel.cells
          .find((x) => x.getId() === id);
          return Boolean(c) && c.execution_count !== null; }}""",
        arg=[path, agent],
    )
    wait_not_running(page)


def restart_kernel(page) -> None:
    """Kernel ▸ Restart (without the dialog), waiting until the kernel is idle again."""
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                  ".restart()")
    page.wait_for_timeout(500)
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)  # a fresh kernel is slow on a busy machine


def agent_cells_land_below_and_reproduce(page, server: Server, name: str) -> None:
    """Shift+Enter on the agent's cell moves the focus on; the step lands right below the
    agent's cell with its output, the user's place is untouched; a save and a reload keep
    it; after a kernel restart, running the inserted cell alone (no Grok) defines what the
    analysis found."""
    write_notebook(server, name, "%load_ext grok_jupyter", ANALYSIS, "")
    open_notebook(page, server, name)
    shift_enter(page, "c0")
    wait_not_running(page)
    shift_enter(page, "c1")  # the agent's cell runs; the focus moves on to c2
    page.wait_for_timeout(300)
    before = where(page)
    assert before["active"] == "c2"
    wait_agent_done(page)
    wait_cell_count(page, 4)
    (step,) = steps_of(page)
    assert cell_ids(page) == ["c0", "c1", step["id"], "c2"]
    assert step["source"] == STEP and step["type"] == "code"
    assert "longest: B" in json.dumps(step["outputs"])
    agent_out = json.dumps(cells(page)[1]["outputs"])
    assert "cell added below" in agent_out and "Cells can't be inserted" not in agent_out
    assert where(page) == before  # active cell, mode and focus: as the user left them
    shown = page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-OutputArea")
    assert "longest: B" in shown.inner_text()

    save(page)
    on_disk = saved_cells(server, name)
    assert [c["id"] for c in on_disk] == ["c0", "c1", step["id"], "c2"]
    assert "longest: B" in json.dumps(on_disk[2]["outputs"])
    assert TEST_API_KEY not in (server.work / name).read_text()
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    wait_cell_count(page, 4)
    assert cell_ids(page) == ["c0", "c1", step["id"], "c2"]
    assert "longest: B" in json.dumps(cells(page)[2]["outputs"])

    # Without Grok: a fresh kernel runs the inserted cell, then the user's own cell.
    page.wait_for_function(KERNEL_IDLE)
    restart_kernel(page)
    page.evaluate(
        f"(src) => ({WIDGET})('').content.model.sharedModel.cells[3].setSource(src)",
        "print('found', longest)",
    )
    shift_enter(page, step["id"])
    wait_not_running(page)
    shift_enter(page, "c2")
    wait_outputs(page, "c2", "found B")


# Four scripted steps, the second failing; each takes a while so the user types meanwhile.
TYPING_STEPS = [
    {"tool": "run_code", "arguments": {"code": "import time\ntime.sleep(0.6)\nfirst = 1\nfirst"}},
    {"tool": "run_code", "arguments": {"code": "time.sleep(0.6)\nsecond = undefined_name"}},
    {"tool": "run_code", "arguments": {"code": "time.sleep(0.6)\nsecond = first + 1\nsecond"}},
    {"tool": "run_code", "arguments": {"code": "time.sleep(0.6)\nprint('third', second + 1)\n"
                                               "import matplotlib.pyplot as plt\n"
                                               "plt.plot([1, 3, 2])\nplt.show()"}},
    "Done: first, second and third.",
]
TYPING_AGENT = "%%grok --agent --approve auto\nFour steps, slowly."


def typing_while_the_agent_inserts(page, server: Server, emu, name: str) -> None:
    """The user types in another cell while the agent runs and inserts its steps: every
    keystroke stays in the user's cell, no cell changes type, and the failed step is shown in
    the agent's cell but not inserted (the notebook runs top to bottom)."""
    write_notebook(server, name, "%load_ext grok_jupyter", TYPING_AGENT, "")
    open_notebook(page, server, name)
    shift_enter(page, "c0")
    wait_not_running(page)
    emu.script(TYPING_STEPS)
    shift_enter(page, "c1")
    click_into(page, "c2")
    page.keyboard.type(TYPED, delay=30)  # about 2.5 s: the steps land meanwhile
    wait_agent_done(page)
    wait_cell_count(page, 6)
    page.wait_for_timeout(300)
    final = cells(page)
    steps = steps_of(page)
    assert [c["id"] for c in final] == ["c0", "c1", *[s["id"] for s in steps], "c2"]
    assert [s["source"] for s in steps] == [
        TYPING_STEPS[i]["arguments"]["code"] for i in (0, 2, 3)  # type: ignore[index]
    ]
    assert '"1"' in json.dumps(steps[0]["outputs"]) and "third 3" in json.dumps(steps[2]["outputs"])
    assert any("image/png" in (o.get("data") or {}) for o in steps[2]["outputs"])  # the plot
    plot = page.locator(".jp-Notebook .jp-Cell").nth(4).locator(".jp-OutputArea img")
    assert plot.count() == 1 and plot.evaluate("(img) => img.naturalWidth") > 100
    assert final[-1]["source"] == TYPED  # every keystroke, in order, in the user's cell
    assert [c["type"] for c in final] == ["code"] * 6  # no cell became Raw or Markdown
    assert where(page) == {"active": "c2", "mode": "edit", "focused": "c2"}
    agent_out = json.dumps(final[1]["outputs"])
    assert "NameError" in agent_out and "Not added as a cell" in agent_out


TWO_STEPS = [
    {"tool": "run_code", "arguments": {"code": "import time\ntime.sleep(2.0)\nin_a = 1"}},
    {"tool": "run_code", "arguments": {"code": "in_a += 1\nprint('in_a', in_a)"}},
    "Done.",
]


def two_notebooks_run_all(page, server: Server, emu, a: str, b: str) -> None:
    """Run All on notebook A (the bridge's hello is heard only after the run, so the agent's
    cell knows the bridge from its run request's metadata), then the user works in notebook
    B: the agent's cells go into A only, and B's focus, cells and mode are untouched."""
    from ._bridge import activate
    from ._jupyter import command

    write_notebook(server, a, "%load_ext grok_jupyter", "%%grok --agent --approve auto\nGo.", "")
    write_notebook(server, b, "x = 1", "")
    open_notebook(page, server, a)
    emu.script(TWO_STEPS)
    command(page, "notebook:run-all-cells")
    command(page, "docmanager:open", {"path": b})  # B opens in a tab and takes the focus
    page.wait_for_function("(p) => window.jupyterapp.shell.currentWidget.context.path === p",
                           arg=b)
    page.wait_for_function(KERNEL_IDLE)
    click_into(page, "c1")
    page.keyboard.type("typed_in_b = 2", delay=20)
    wait_cell_count(page, 5, a)
    wait_agent_done(page, "c1", a)
    assert where(page, b) == {"active": "c1", "mode": "edit", "focused": "c1"}
    activate(page, a)
    steps = steps_of(page, "c1", a)
    assert cell_ids(page, a) == ["c0", "c1", *[s["id"] for s in steps], "c2"]
    assert [s["source"] for s in steps] == [s["arguments"]["code"] for s in TWO_STEPS[:2]]
    assert "in_a 2" in json.dumps(steps[1]["outputs"])
    assert [(c["id"], c["source"]) for c in cells(page, b)] == [
        ("c0", "x = 1"), ("c1", "typed_in_b = 2")]


DYING_STEPS = [
    {"tool": "run_code", "arguments": {"code": "kept = 6 * 7\nprint('kept', kept)"}},
    {"tool": "run_code", "arguments": {"code": "import os\nos._exit(1)"}},
]


def kernel_dies_mid_turn(page, server: Server, emu, name: str) -> None:
    """The agent's second step kills the kernel: the first step's cell stays in the notebook
    with its output (a save keeps it), and the saved chat holds the step and the turn."""
    write_notebook(server, name, "%load_ext grok_jupyter",
                   "%%grok --agent --approve auto --chat agent-dies\nTwo steps.", "")
    open_notebook(page, server, name)
    shift_enter(page, "c0")
    wait_not_running(page)
    emu.script(DYING_STEPS)
    shift_enter(page, "c1")
    wait_cell_count(page, 4)
    (step,) = steps_of(page)
    wait_outputs(page, step["id"], "kept 42")
    page.wait_for_function("() => { const k = window.jupyterapp.shell.currentWidget"
                           ".sessionContext.session.kernel; return k.status !== 'busy'; }")
    page.wait_for_function(KERNEL_IDLE)  # Jupyter restarted the kernel that died
    assert cell_ids(page) == ["c0", "c1", step["id"], "c2"]
    save(page)
    assert "kept 42" in json.dumps(saved_cells(server, name)[2]["outputs"])
    (chat,) = server.chats.glob("agent-dies*.json")
    kept = chat.read_text()
    assert "kept = 6 * 7" in kept and "os._exit(1)" in kept and "kept 42" in kept
    assert TEST_API_KEY not in kept
