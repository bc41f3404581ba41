"""The notebook bridge in a real JupyterLab (Chromium + Playwright): the kernel inserts and
runs cells by cell id through the grok-jupyter-bridge extension, never through the UI."""

from __future__ import annotations

import pytest

from ._bridge import (
    activate,
    cell_ids,
    cells,
    click_into,
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
from ._jupyter import KERNEL_IDLE, command, open_notebook, write_notebook

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
