"""The notebook bridge in a real Notebook 7 (Chromium + Playwright): inserted cells land by
cell id, a typing user keeps every keystroke, and the chat opens in the side panel."""

from __future__ import annotations

import pytest

from ._bridge import (
    code_block_actions,
    insert_below_after_shift_enter,
    side_panel_works,
    typing_while_cells_are_inserted_and_run,
)

pytestmark = pytest.mark.browser


def test_cells_land_below_the_agent_cell_after_shift_enter_and_survive_a_reload(notebook7, tab):
    insert_below_after_shift_enter(tab, notebook7, "nb7-bridge-below.ipynb")


def test_a_user_typing_elsewhere_loses_no_keystroke_while_cells_are_inserted(notebook7, tab):
    typing_while_cells_are_inserted_and_run(tab, notebook7, "nb7-bridge-typing.ipynb")


def test_the_chat_opens_and_works_in_the_side_panel(emu, notebook7, tab):
    side_panel_works(tab, notebook7, emu, "nb7-side.ipynb", "nb7-side-panel")


def test_insert_below_and_replace_with_undo_from_the_inline_chat(emu, notebook7, tab):
    code_block_actions(tab, notebook7, emu, "nb7-code-actions.ipynb", side=False)
