"""The panel's Agent mode in a real front end (JupyterLab and Notebook 7): Run, Edit and
Skip clicked in the chat against the emulator's deterministic agent, and the timing of a
step's Run against Shift+Enter on the same code."""

from __future__ import annotations

import json
import statistics

from ._bridge import WIDGET, cells, click_into, wait_cell_count, wait_outputs
from ._jupyter import (
    SHOTS,
    Server,
    open_notebook,
    run_all,
    screenshot,
    wait_idle_panel,
    write_notebook,
)

DATA = "data = [3, 4, 5]"


def _ask(page, panel, emu, prompt: str, turn: int) -> None:
    """Send ``prompt`` as turn ``turn`` and wait for the step's question in the chat."""
    box = panel.locator("[data-testid=grok-input]")
    box.fill(prompt)
    box.press("Enter")
    panel.locator("[data-testid=grok-approval]").wait_for(state="visible")


def _cell_with(page, source: str) -> dict:
    page.wait_for_function(
        f"(s) => ({WIDGET})('').content.model.sharedModel.cells.some((c) => c.getSource() === s)",
        arg=source,
    )
    return next(c for c in cells(page) if c["source"] == source)


def _block(code: str) -> str:
    return f"Work on the data:\n```python\n{code}\n```"


def run_edit_and_skip_in_the_chat(page, server: Server, emu, name: str) -> None:
    """Three agent turns: Run (the step's cell appears below the panel's cell with its
    output), Edit (the edited code runs in that cell), Skip with a reason (the untouched
    proposal goes, Grok is told why); the chat shows each step, its approval and its cost."""
    chat = name.rsplit(".", 1)[0]
    write_notebook(server, name, "%load_ext grok_jupyter", DATA, f"%grok chat {chat}", "mine = 1")
    open_notebook(page, server, name)
    panel = run_all(page)
    panel.locator("[data-testid=grok-agent]").check()

    # Run: the proposal is a cell right below the panel's, before the click; Run runs it.
    _ask(page, panel, emu, _block("print(sum(data))"), 1)
    step = _cell_with(page, "print(sum(data))")
    ids = [c["id"] for c in cells(page)]
    assert ids == ["c0", "c1", "c2", step["id"], "c3"]
    assert step["count"] is None and step["outputs"] == []  # not run before the click
    title = panel.locator("[data-testid=grok-approval-title]").inner_text()
    assert "Step 1: run this code?" in title
    panel.locator("[data-testid=grok-agent-run]").click()
    wait_outputs(page, step["id"], "12")
    wait_idle_panel(page, 1)
    answer = panel.locator(".grok-history .grok-assistant").last
    assert "12" in answer.locator("[data-testid=grok-step-status] + pre").inner_text()
    assert "Status: ok — approved (Run)" in answer.inner_text()
    assert "model step 1:" in answer.inner_text() and "so far" in answer.inner_text()
    card = answer.locator("[data-testid=grok-step]").first
    assert card.locator("[data-testid=grok-copy]").count() == 1  # Copy; it is a cell already
    assert card.locator("[data-testid=grok-insert-below]").count() == 0
    assert "the results show" in answer.inner_text() and "12" in answer.inner_text()

    # Edit: the user's code runs in the step's cell, which goes below the last step's.
    _ask(page, panel, emu, _block("print(undefined_name)"), 2)
    proposed = _cell_with(page, "print(undefined_name)")
    panel.locator("[data-testid=grok-agent-edit]").click()
    panel.locator("[data-testid=grok-approval-editor]").fill("print(sum(data) * 2)")
    panel.locator("[data-testid=grok-agent-run-edited]").click()
    wait_outputs(page, proposed["id"], "24")
    wait_idle_panel(page, 2)
    final = cells(page)
    assert [c["id"] for c in final] == ["c0", "c1", "c2", step["id"], proposed["id"], "c3"]
    assert final[4]["source"] == "print(sum(data) * 2)"
    answer = panel.locator(".grok-history .grok-assistant").last
    assert "edited by the user, then run" in answer.inner_text()
    assert "24" in answer.inner_text()

    # Skip with a reason: the untouched proposal leaves the notebook; Grok is told.
    before = len(cells(page))
    _ask(page, panel, emu, _block("print('not this one')"), 3)
    wait_cell_count(page, before + 1)
    panel.locator("[data-testid=grok-agent-skip]").click()
    panel.locator("[data-testid=grok-approval-reason]").fill("not needed")
    panel.locator("[data-testid=grok-agent-skip]").click()
    wait_idle_panel(page, 3)
    wait_cell_count(page, before)
    answer = panel.locator(".grok-history .grok-assistant").last
    assert "The user skipped this step; it did not run. Their reason: not needed" in (
        answer.inner_text()
    )
    assert "You skipped the step" in answer.inner_text()
    assert [c["type"] for c in cells(page)] == ["code"] * before
    assert next(c for c in cells(page) if c["id"] == "c3")["source"] == "mine = 1"
    screenshot(page, chat)


# The first input event starts the clock; the first frame where the cell shows its output and
# its execution count stops it (as tests/browser/test_bridge_lab.py times the bridge).
CLOCK = """() => { window.__grokT0 = null; window.__grokT1 = null;
  const start = () => { if (window.__grokT0 === null) window.__grokT0 = performance.now(); };
  if (!window.__grokClock) { document.addEventListener('mousedown', start, true);
    document.addEventListener('keydown', start, true); window.__grokClock = true; } }"""
DONE = f"""([id, before]) => {{
  const c = ({WIDGET})('').content.model.sharedModel.cells.find((x) => x.getId() === id);
  const ok = Boolean(c) && c.execution_count !== null && c.execution_count !== before
    && JSON.stringify(c.getOutputs()).includes('499500');
  if (ok && window.__grokT1 === null) window.__grokT1 = performance.now();
  return ok; }}"""
CODE = "print(sum(range(1000)))"


def _timed(page, act, cell_id: str, before) -> float:
    page.evaluate(CLOCK)
    act()
    page.wait_for_function(DONE, arg=[cell_id, before], polling="raf")
    return page.evaluate("() => window.__grokT1 - window.__grokT0") / 1000


def step_run_against_shift_enter(page, server: Server, emu, name: str, pairs: int = 9) -> dict:
    """The Run click on a step (its cell already inserted while the chat asks) to the cell's
    output, against Shift+Enter on a cell with the same code; alternating, after a warm-up."""
    chat = name.rsplit(".", 1)[0]
    write_notebook(server, name, "%load_ext grok_jupyter", f"%grok chat {chat}", CODE, "")
    open_notebook(page, server, name)
    panel = run_all(page)
    wait_outputs(page, "c2", "499500")
    panel.locator("[data-testid=grok-agent]").check()
    steps = pairs + 1
    emu.script([{"tool": "run_code", "arguments": {"code": CODE}}] * steps + ["Done."])
    box = panel.locator("[data-testid=grok-input]")
    box.fill("Sum a range, again and again.")
    box.press("Enter")
    run = panel.locator("[data-testid=grok-agent-run]")
    results = []
    for i in range(steps):
        title = panel.locator("[data-testid=grok-approval-title]")
        page.wait_for_function(
            "([n, t]) => !n.closest('[hidden]') && n.textContent.startsWith(t)",
            arg=[title.element_handle(), f"Step {i + 1}:"],
        )
        page.wait_for_function(
            f"(n) => ({WIDGET})('').content.model.sharedModel.cells.length === n", arg=5 + i
        )
        page.wait_for_timeout(150)  # the proposal is on screen, as a reading user sees it
        proposal = cells(page)[2 + i]
        assert proposal["source"] == CODE and proposal["count"] is None
        # Shift+Enter first: while the chat asks, no cell moves under the click.
        click_into(page, "c2")
        before = next(c["count"] for c in cells(page) if c["id"] == "c2")
        by_shift = _timed(page, lambda: page.keyboard.press("Shift+Enter"), "c2", before)
        by_run = _timed(page, run.click, proposal["id"], None)
        if i:  # the first pair warms both paths up
            results.append((by_run, by_shift))
    wait_idle_panel(page, 1)
    run_s = statistics.median(r for r, _ in results)
    shift_s = statistics.median(s for _, s in results)
    ratios = sorted(r / s for r, s in results)
    report = {
        "run_click_median_s": round(run_s, 4),
        "shift_enter_median_s": round(shift_s, 4),
        "ratio_of_medians": round(run_s / shift_s, 2),
        "ratio_per_pair_min_max": [round(ratios[0], 2), round(ratios[-1], 2)],
        "pairs_s": [[round(a, 4), round(b, 4)] for a, b in results],
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{chat}.json").write_text(json.dumps(report, indent=1))
    print("panel agent step Run vs Shift+Enter:", json.dumps(report))
    return report
