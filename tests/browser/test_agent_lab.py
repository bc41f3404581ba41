"""``%%grok --agent`` in a real JupyterLab (Chromium + Playwright) with the notebook bridge:
the agent's steps become cells below its own cell, in its own notebook only."""

from __future__ import annotations

import pytest

from ._agent import (
    agent_cells_land_below_and_reproduce,
    kernel_dies_mid_turn,
    two_notebooks_run_all,
    typing_while_the_agent_inserts,
)

pytestmark = pytest.mark.browser


def test_the_agents_steps_land_below_its_cell_and_reproduce_without_grok(lab, tab):
    agent_cells_land_below_and_reproduce(tab, lab, "agent-below.ipynb")


def test_a_user_typing_elsewhere_keeps_every_keystroke_while_the_agent_inserts(emu, lab, tab):
    typing_while_the_agent_inserts(tab, lab, emu, "agent-typing.ipynb")


def test_with_two_notebooks_open_the_agents_cells_go_into_its_notebook_only(emu, lab, tab):
    two_notebooks_run_all(tab, lab, emu, "agent-two-a.ipynb", "agent-two-b.ipynb")


def test_a_kernel_dying_mid_turn_leaves_the_steps_done_in_the_notebook_and_chat(emu, lab, tab):
    kernel_dies_mid_turn(tab, lab, emu, "agent-dies.ipynb")
