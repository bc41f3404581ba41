"""The notebook bridge in a real JupyterLab (Chromium + Playwright): the kernel inserts and
runs cells by cell id through the grok-jupyter-bridge extension, never through the UI."""

from __future__ import annotations

import json
import statistics

import pytest

from ._bridge import (
    activate,
    cell_ids,
    cells,
    click_into,
    code_block_actions,
    fix_last_error_inserts_its_cell,
    insert_below_after_shift_enter,
    printed_ids_in,
    shift_enter,
    side_panel_works,
    typing_while_cells_are_inserted_and_run,
    wait_cell_count,
    wait_not_running,
    wait_outputs,
    where,
)
from ._jupyter import KERNEL_IDLE, SHOTS, command, open_notebook, write_notebook

pytestmark = pytest.mark.browser


def test_cells_land_below_the_agent_cell_after_shift_enter_and_survive_a_reload(lab, tab):
    insert_below_after_shift_enter(tab, lab, "bridge-below.ipynb")


def test_a_user_typing_elsewhere_loses_no_keystroke_while_cells_are_inserted(lab, tab):
    typing_while_cells_are_inserted_and_run(tab, lab, "bridge-typing.ipynb")


def test_the_chat_opens_and_works_in_the_right_hand_area(emu, lab, tab):
    side_panel_works(tab, lab, emu, "lab-side.ipynb", "lab-side-panel")


# Notebook A's agent cell: it waits while the user moves to notebook B, then inserts.
AGENT_LATE = """import time
from grok_jupyter.bridge import current_cell_id, open_bridge
bridge, here = open_bridge(), current_cell_id()
time.sleep(2.0)  # the user has gone to the other notebook by now
print("inserted", bridge.insert_cell(below=here, source="in_a = 1"))"""


def test_with_two_notebooks_open_the_insert_goes_into_the_kernels_notebook_only(lab, tab):
    page = tab
    a = write_notebook(lab, "bridge-two-a.ipynb", "%load_ext grok_jupyter", AGENT_LATE, "")
    b = write_notebook(lab, "bridge-two-b.ipynb", "%load_ext grok_jupyter", "in_b = 2")
    open_notebook(page, lab, a)
    shift_enter(page, "c0")
    wait_not_running(page)
    command(page, "docmanager:open", {"path": b})  # B opens in a tab and takes the focus
    page.wait_for_function("(p) => window.jupyterapp.shell.currentWidget.context.path === p", arg=b)
    page.wait_for_function(KERNEL_IDLE)
    shift_enter(page, "c0")  # B's kernel has a bridge too
    wait_not_running(page)

    activate(page, a)
    shift_enter(page, "c1")  # A's agent runs ...
    activate(page, b)  # ... while the user works in B
    click_into(page, "c1")
    wait_cell_count(page, 4, a)
    wait_outputs(page, "c1", "inserted", a)
    (inserted,) = printed_ids_in(page, a, "c1")
    assert cell_ids(page, a) == ["c0", "c1", inserted, "c2"]
    assert [(c["id"], c["source"]) for c in cells(page, b)] == [
        ("c0", "%load_ext grok_jupyter"),
        ("c1", "in_b = 2"),
    ]
    assert where(page, b) == {"active": "c1", "mode": "edit", "focused": "c1"}


# A button standing in for the panel's: its click reaches the kernel over a widget comm, and
# a worker thread inserts and runs the cell through the bridge (the panel agent's path; the
# thread lives on, as a panel turn's does while it streams and updates the panel).
BUTTON = """import queue, threading, ipywidgets
from grok_jupyter.bridge import current_cell_id, open_bridge
bridge, here, clicks = open_bridge(), current_cell_id(), queue.Queue()
def work():
    while True:
        clicks.get()
        bridge.run_cell(bridge.insert_cell(below=here, source=CODE), 30)
threading.Thread(target=work, daemon=True).start()
button = ipywidgets.Button(description="Insert and run")
button.on_click(lambda _: clicks.put(1))
button"""
CODE = "print(sum(range(1000)))"

# The first input event starts the clock; the first frame where the cell shows its output and
# its execution count (set when the kernel's reply arrives) stops it.
CLOCK = """() => { window.__grokT0 = null;
  const start = () => { if (window.__grokT0 === null) window.__grokT0 = performance.now(); };
  document.addEventListener('mousedown', start, true);
  document.addEventListener('keydown', start, true); }"""
DONE = """([index, id, before, count]) => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells;
  if (count !== null && cells.length !== count) return false;
  const c = id ? cells.find((x) => x.getId() === id) : cells[index];
  const ok = Boolean(c) && c.execution_count !== null && c.execution_count !== before
    && JSON.stringify(c.getOutputs()).includes('499500');
  if (ok && window.__grokT1 === null) window.__grokT1 = performance.now();
  return ok; }"""


def _timed(page, act, done_arg) -> tuple[float, float | None]:
    """Seconds from the input event to the output; and to the bridge's insert (the kernel
    round trip the button path pays first), from the extension's performance marks."""
    page.evaluate("() => { window.__grokT0 = null; window.__grokT1 = null; }")
    act()
    page.wait_for_function(DONE, arg=done_arg, polling="raf")
    total, to_insert = page.evaluate("""() => { const t0 = window.__grokT0;
      const mark = performance.getEntriesByName('grok-bridge:insert:start')
        .filter((m) => m.startTime >= t0).pop();
      return [window.__grokT1 - t0, mark ? mark.startTime - t0 : null]; }""")
    return total / 1000, None if to_insert is None else to_insert / 1000


def test_inserting_and_running_from_a_button_against_shift_enter(lab, tab):
    """Reported, not asserted: the insert-and-run path's time over a Shift+Enter's, same cell
    (the issue's target: at most 1.5x). benchmarks/RESULTS.md has the figures."""
    page = tab
    name = write_notebook(lab, "bridge-speed.ipynb", "%load_ext grok_jupyter", "", CODE, "")
    path = lab.work / name
    nb = json.loads(path.read_text())
    nb["cells"][1]["source"] = f"CODE = {CODE!r}\n" + BUTTON
    path.write_text(json.dumps(nb))
    open_notebook(page, lab, name)
    page.evaluate(CLOCK)
    shift_enter(page, "c0")
    wait_not_running(page)
    shift_enter(page, "c1")
    button = page.get_by_role("button", name="Insert and run")
    button.wait_for()
    wait_not_running(page)

    def by_button() -> tuple[float, float | None]:
        count = len(cells(page)) + 1
        return _timed(page, button.click, [2, None, None, count])

    def by_shift_enter() -> tuple[float, float | None]:
        click_into(page, "c2")
        before = next(c["count"] for c in cells(page) if c["id"] == "c2")
        return _timed(page, lambda: page.keyboard.press("Shift+Enter"), [0, "c2", before, None])

    by_button(), by_shift_enter()  # warm up both paths
    trials = [(by_button(), by_shift_enter()) for _ in range(9)]
    pairs = [(b[0], s[0]) for b, s in trials]
    inserted = cells(page)[2 : 2 + len(pairs) + 1]
    assert [c["source"] for c in inserted] == [CODE] * len(inserted)
    assert all("499500" in json.dumps(c["outputs"]) for c in inserted)
    button_s = statistics.median(p[0] for p in pairs)
    shift_s = statistics.median(p[1] for p in pairs)
    ratios = sorted(p[0] / p[1] for p in pairs)
    report = {
        "insert_and_run_median_s": round(button_s, 4),
        "shift_enter_median_s": round(shift_s, 4),
        "ratio_of_medians": round(button_s / shift_s, 2),
        "ratio_per_pair_min_max": [round(ratios[0], 2), round(ratios[-1], 2)],
        "button_to_insert_median_s": round(statistics.median(b[1] for b, _ in trials), 4),
        "pairs_s": [[round(a, 4), round(b, 4)] for a, b in pairs],
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "bridge-timing.json").write_text(json.dumps(report, indent=1))
    print("insert-and-run vs Shift+Enter:", json.dumps(report))


def test_insert_below_and_replace_with_undo_from_the_side_chat(emu, lab, tab):
    code_block_actions(tab, lab, emu, "lab-code-actions.ipynb", side=True)


# A worker thread runs a cell that hangs: run_cell gives up after its time limit, and
# interrupt() stops the cell through the front end, as the toolbar's stop button does.
AGENT_HANGS = """import threading
from grok_jupyter.bridge import BridgeTimeout, current_cell_id, open_bridge
bridge, here = open_bridge(), current_cell_id()
def work():
    cell = bridge.insert_cell(below=here, source="import time\\ntime.sleep(120)")
    try:
        bridge.run_cell(cell, 2)
    except BridgeTimeout as exc:
        bridge.interrupt()
        bridge.insert_cell(below=cell, source=f"# {exc}")
threading.Thread(target=work, daemon=True).start()"""


def test_a_hanging_cell_times_out_and_is_interrupted(lab, tab):
    page = tab
    write_notebook(lab, "bridge-hang.ipynb", "%load_ext grok_jupyter", AGENT_HANGS, "")
    open_notebook(page, lab, "bridge-hang.ipynb")
    shift_enter(page, "c0")
    wait_not_running(page)
    shift_enter(page, "c1")
    wait_cell_count(page, 5)
    hung = cell_ids(page)[2]
    wait_outputs(page, hung, "KeyboardInterrupt")
    final = cells(page)
    assert final[2]["source"] == "import time\ntime.sleep(120)"
    assert final[3]["source"].startswith("# the browser did not answer running cell")
    assert "within 2 s" in final[3]["source"]
    page.wait_for_function(KERNEL_IDLE)  # the kernel is free again


def test_fix_last_error_inserts_its_cell_below_the_failed_one(emu, lab, tab):
    fix_last_error_inserts_its_cell(tab, lab, emu, "lab-fix-insert.ipynb")
