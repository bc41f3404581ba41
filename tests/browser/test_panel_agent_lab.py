"""The chat panel's Agent mode in a real JupyterLab (Chromium + Playwright): each step is a
cell below the panel's cell, run from the chat's Run / Edit, or skipped."""

from __future__ import annotations

import pytest

from ._panel_agent import run_edit_and_skip_in_the_chat, step_run_against_shift_enter

pytestmark = pytest.mark.browser


def test_run_edit_and_skip_a_step_from_the_chat(emu, lab, tab):
    run_edit_and_skip_in_the_chat(tab, lab, emu, "lab-agent-steps.ipynb")


def test_a_steps_run_click_against_shift_enter(emu, lab, tab):
    """Reported, not asserted (benchmarks/RESULTS.md has the figures): the Run click to the
    step's output, over a Shift+Enter's on the same code (issue 24's target: at most 1.5x)."""
    report = step_run_against_shift_enter(tab, lab, emu, "lab-agent-timing.ipynb")
    assert len(report["pairs_s"]) == 9
