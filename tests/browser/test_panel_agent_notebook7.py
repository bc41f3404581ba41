"""The chat panel's Agent mode in a real Notebook 7: Run, Edit and Skip from the chat."""

from __future__ import annotations

import pytest

from ._panel_agent import run_edit_and_skip_in_the_chat

pytestmark = pytest.mark.browser


def test_run_edit_and_skip_a_step_from_the_chat(emu, notebook7, tab):
    run_edit_and_skip_in_the_chat(tab, notebook7, emu, "nb7-agent-steps.ipynb")
