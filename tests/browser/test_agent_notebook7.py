"""``%%grok --agent`` in a real Notebook 7 (Chromium + Playwright) with the notebook bridge:
the agent's steps become cells below its own cell, and a typing user keeps every key."""

from __future__ import annotations

import pytest

from ._agent import agent_cells_land_below_and_reproduce, typing_while_the_agent_inserts

pytestmark = pytest.mark.browser


def test_the_agents_steps_land_below_its_cell_and_reproduce_without_grok(notebook7, tab):
    agent_cells_land_below_and_reproduce(tab, notebook7, "nb7-agent-below.ipynb")


def test_a_user_typing_elsewhere_keeps_every_keystroke_while_the_agent_inserts(
    emu, notebook7, tab
):
    typing_while_the_agent_inserts(tab, notebook7, emu, "nb7-agent-typing.ipynb")
