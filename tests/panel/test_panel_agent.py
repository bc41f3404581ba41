"""The panel's Agent mode at the kernel's side, against the emulator's deterministic agent:
what the chat is asked, what the page's answer does, what Grok is told and what is kept.
The browser side (the real bridge, Run / Edit / Skip clicked) is
tests/browser/test_panel_agent_*.py."""

from __future__ import annotations

from typing import Any

import pytest

from grok_jupyter.agent.frontend_steps import NO_BRIDGE_STEPS
from tests.panel.panel_helpers import (
    browser_send,
    browser_sets,
    from_browser,
    to_browser,
    wait_until,
)


class RecordingBridge:
    """The notebook bridge's kernel side as the agent uses it: inserts are recorded and
    answered at once; ``run_cell`` answers what a front end running the cell would."""

    def __init__(self) -> None:
        self.inserted: list[tuple[str, str, str]] = []  # (new id, below, source)
        self.ran: list[str] = []

    def insert_cell(self, *, below: str, source: str, **_: Any) -> str:
        cell = f"cell{len(self.inserted) + 1}"
        self.inserted.append((cell, below, source))
        return cell

    def confirm(self, cell_id: str, timeout: float = 10.0) -> None:
        return None

    def run_cell(self, cell_id: str, timeout: float = 60.0) -> list[dict[str, Any]]:
        self.ran.append(cell_id)
        return [{"output_type": "stream", "name": "stdout", "text": "from the kernel's ask: 7\n"}]

    def interrupt(self) -> None:
        return None


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns["data"] = [3, 4, 5]
    yield shell
    InteractiveShell.clear_instance()


@pytest.fixture
def bridge(monkeypatch) -> RecordingBridge:
    import grok_jupyter.bridge

    made = RecordingBridge()
    monkeypatch.setattr(grok_jupyter.bridge, "open_bridge", lambda shell=None: made)
    return made


def _agent_panel(panels: Any, name: str, home: str | None = "home", **kwargs: Any) -> Any:
    panel = panels(name, **kwargs)
    panel._home_cell = home  # the cell that displayed it (the front end's cellId)
    browser_sets(panel, agent=True)
    return panel


def _asked(comms: list, panel: Any, step: int) -> dict[str, Any]:
    wait_until(lambda: any(a["step"] == step for a in to_browser(comms, panel, "agent_ask")),
               f"step {step}'s question")
    return next(a for a in to_browser(comms, panel, "agent_ask") if a["step"] == step)


def _tool_texts(panel: Any) -> list[str]:
    return [m.text for m in panel.conversation.messages if m.role == "tool"]


def test_run_in_the_page_sends_the_cells_outputs_to_grok_and_keeps_the_step(
    emu, panels, comms, shell, bridge, tmp_path
):
    panel = _agent_panel(panels, "agent-run", chat_dir=tmp_path)
    browser_send(panel, "Add them:\n```python\nprint(sum(data))\n```")
    ask = _asked(comms, panel, 1)
    # The step is a cell below the panel's cell before anyone answers; nothing ran.
    assert bridge.inserted == [("cell1", "home", "print(sum(data))")]
    assert ask["cell"] == "cell1" and ask["code"] == "print(sum(data))" and ask["kind"] == "run"
    from_browser(panel, {"type": "agent_answer", "step": 1, "action": "run", "ran": True,
                         "status": "ok", "outputs": [
                             {"output_type": "stream", "name": "stdout", "text": "12\n"}]})
    result = panel.wait(30)
    assert result is not None and result.error is None and not result.interrupted
    assert bridge.ran == []  # the page ran it: no second run
    step = next(t for t in _tool_texts(panel) if t.startswith("Status:"))
    assert step.startswith("Status: ok — approved (Run).") and "12" in step
    assert "12" in panel.conversation.messages[-1].text  # Grok read the output
    assert "model step 1:" in panel.history_html and "so far" in panel.history_html
    assert to_browser(comms, panel, "agent_done")[-1]["step"] == 1
    # The saved chat keeps the code, how it was approved, and what Grok read of it.
    saved = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "print(sum(data))" in saved and "approved (Run)" in saved and "12" in saved
    # The next turn's step goes below this one.
    browser_send(panel, "Again:\n```python\nprint(7)\n```")
    wait_until(lambda: len(to_browser(comms, panel, "agent_ask")) == 2, "the next question")
    assert to_browser(comms, panel, "agent_ask")[-1]["step"] == 1  # numbered per turn
    assert bridge.inserted[1][1] == "cell1"
    # A page that could not run it: the kernel asks the bridge to.
    from_browser(panel, {"type": "agent_answer", "step": 1, "action": "run", "ran": False})
    panel.wait(30)
    assert bridge.ran == ["cell2"]
    assert "from the kernel's ask: 7" in _tool_texts(panel)[-1]


def test_stop_ends_the_turn_keeping_the_steps_done(emu, panels, comms, shell, bridge):
    panel = _agent_panel(panels, "agent-stop")
    emu.script([{"tool": "run_code", "arguments": {"code": "a = 1"}},
                {"tool": "run_code", "arguments": {"code": "b = 2"}}, "Done."])
    browser_send(panel, "Set two names.")
    _asked(comms, panel, 1)
    from_browser(panel, {"type": "agent_answer", "step": 1, "action": "run", "ran": True,
                         "status": "ok", "outputs": []})
    _asked(comms, panel, 2)
    from_browser(panel, {"type": "agent_answer", "step": 2, "action": "stop",
                         "withdrawn": True})
    result = panel.wait(30)
    assert result is not None and result.interrupted
    notes = [n["text"] for n in to_browser(comms, panel, "notice")]
    assert any("Stopped: you pressed Stop" in n and "1 step done" in n for n in notes), notes
    texts = _tool_texts(panel)
    assert texts[0].startswith("Status: ok — approved (Run).")
    assert texts[1].startswith("Not run: you pressed Stop")
    assert len(panel.conversation.turns) == 1  # kept, marked stopped


def test_without_a_bridge_nothing_runs_and_the_code_is_offered_to_copy(
    emu, panels, comms, shell, monkeypatch
):
    import grok_jupyter.bridge

    monkeypatch.setattr(grok_jupyter.bridge, "open_bridge", lambda shell=None: None)
    panel = _agent_panel(panels, "agent-nobridge")
    browser_send(panel, "Try:\n```python\nleaked = 1\n```")
    result = panel.wait(30)
    assert result is not None and result.error is None
    assert "leaked" not in shell.user_ns
    assert [n["text"] for n in to_browser(comms, panel, "notice")] == [NO_BRIDGE_STEPS]
    assert to_browser(comms, panel, "agent_ask") == []
    assert any(t.startswith("Not run: this front end can't run cells") for t in _tool_texts(panel))
    assert "grok-step" in panel.history_html and "grok-copy" in panel.history_html


def test_a_step_that_fails_in_the_page_is_marked_failed_and_grok_names_the_error(
    emu, panels, comms, shell, bridge
):
    panel = _agent_panel(panels, "agent-fails")
    browser_send(panel, "Try:\n```python\nprint(missing)\n```")
    _asked(comms, panel, 1)
    error = {"output_type": "error", "ename": "NameError",
             "evalue": "name 'missing' is not defined",
             "traceback": ["\x1b[0;31mNameError\x1b[0m Traceback (most recent call last)",
                           "Cell In[5], line 1", "----> 1 print(missing)",
                           "\x1b[0;31mNameError\x1b[0m: name 'missing' is not defined"]}
    from_browser(panel, {"type": "agent_answer", "step": 1, "action": "run", "ran": True,
                         "status": "error", "outputs": [error]})
    panel.wait(30)
    step = next(t for t in _tool_texts(panel) if t.startswith("Status:"))
    assert step.startswith("Status: failed — approved (Run).")
    assert "NameError: name 'missing' is not defined" in step and "\x1b[" not in step
    assert "grok-step-failed" in panel.history_html
    assert panel.conversation.messages[-1].text.startswith("The code raised NameError")


def test_a_step_the_page_timed_out_tells_grok_so(emu, panels, comms, shell, bridge):
    panel = _agent_panel(panels, "agent-timeout")
    panel.agent_step_timeout = 2.0
    browser_send(panel, "Wait:\n```python\nimport time; time.sleep(60)\n```")
    ask = _asked(comms, panel, 1)
    assert ask["timeout"] == 2.0  # the page interrupts the kernel after this
    interrupted = {"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "",
                   "traceback": ["KeyboardInterrupt: "]}
    from_browser(panel, {"type": "agent_answer", "step": 1, "action": "run", "ran": True,
                         "status": "error", "timed_out": True, "outputs": [interrupted]})
    panel.wait(30)
    step = next(t for t in _tool_texts(panel) if t.startswith("Status:"))
    assert step.startswith("Status: timed out after 2 s")
    assert "timed out after 2 s" in panel.conversation.messages[-1].text


def test_a_step_whose_cell_cannot_be_added_is_not_run_and_grok_is_told(
    emu, panels, comms, shell, bridge
):
    from grok_jupyter.bridge import BridgeError

    def refuse(cell_id: str, timeout: float = 10.0) -> None:
        raise BridgeError("the browser could not finish inserting: no cell with id home")

    bridge.confirm = refuse  # the panel's cell was deleted
    panel = _agent_panel(panels, "agent-gone")
    browser_send(panel, "Try:\n```python\nx = 1\n```")
    result = panel.wait(30)
    assert result is not None and result.error is None
    assert to_browser(comms, panel, "agent_ask") == []
    text = next(t for t in _tool_texts(panel) if t.startswith("Not run"))
    assert "could not be added to the notebook" in text and "no cell with id home" in text
