"""The notebook bridge in a real JupyterLab (Chromium + Playwright): the kernel inserts and
runs cells by cell id through the grok-jupyter-bridge extension, never through the UI."""

from __future__ import annotations

import pytest

from ._bridge import insert_below_after_shift_enter, typing_while_cells_are_inserted_and_run

pytestmark = pytest.mark.browser


def test_cells_land_below_the_agent_cell_after_shift_enter_and_survive_a_reload(lab, tab):
    insert_below_after_shift_enter(tab, lab, "bridge-below.ipynb")


def test_a_user_typing_elsewhere_loses_no_keystroke_while_cells_are_inserted(lab, tab):
    typing_while_cells_are_inserted_and_run(tab, lab, "bridge-typing.ipynb")
