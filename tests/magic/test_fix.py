"""``%grok fix``: the last error and its cell go to Grok, the corrected cell comes back as
the next cell. A real InteractiveShell (and, once, a real ipykernel), a real failing cell,
the emulator answering (it corrects a misspelt name: see emulator/_responder/fix.py)."""

from __future__ import annotations

import os
import sys

import pytest

from tests.conftest import TEST_API_KEY
from tests.wire import last_body, sent_items, user_text

BROKEN = "totl = 3\nprint(total + 1)"
FIXED = "totl = 3\nprint(totl + 1)"


@pytest.fixture
def no_error(monkeypatch):
    """A kernel in which nothing has failed yet (the shared shell's earlier tests forgotten)."""
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        monkeypatch.delattr(sys, name, raising=False)


def _fix_prompt(emu) -> str:
    return user_text(last_body(emu))  # whichever API carried the fix


def test_no_error_yet_says_so_and_sends_nothing(ip, emu, no_error, capsys):
    ip.ok("%grok fix")
    assert "No error to fix yet" in capsys.readouterr().out
    assert emu.requests == []


def test_a_failing_cell_is_explained_and_its_fix_offered_as_the_next_cell(ip, emu, no_error):
    failed = ip.run(BROKEN)
    assert isinstance(failed.error_in_exec, NameError)
    ip.shell.rl_next_input = None
    ip.ok("%grok fix")
    prompt = _fix_prompt(emu)
    assert BROKEN in prompt  # the cell as typed
    assert "NameError: name 'total' is not defined" in prompt
    assert f"In[{failed.execution_count}]" in prompt
    assert "interactiveshell.py" not in prompt  # IPython's own frames are left out
    shown = ip.markdown()
    assert "`total` is never defined" in shown and "```python" in shown
    assert "ready below" in shown
    assert ip.shell.rl_next_input == FIXED
    # The offered cell really fixes it.
    again = ip.run(ip.shell.rl_next_input)
    assert again.error_in_exec is None


def test_on_chat_the_fix_goes_to_chat_completions(ip, emu, no_error):
    # The chat twin: GrokMagics.api = "chat" takes %grok fix there too.
    ip.ok('%config GrokMagics.api = "chat"')
    ip.run(BROKEN)
    ip.shell.rl_next_input = None
    ip.ok("%grok fix")
    (request,) = emu.chat_requests
    assert "NameError: name 'total' is not defined" in request.body["messages"][-1]["content"]
    assert ip.shell.rl_next_input == FIXED


def test_the_traceback_sent_has_no_colour_codes(ip, emu, no_error):
    ip.run('raise RuntimeError("\\x1b[31mred\\x1b[0m failure in stage 2")')
    ip.ok("%grok fix")
    prompt = _fix_prompt(emu)
    assert "\x1b" not in prompt
    assert "RuntimeError: red failure in stage 2" in prompt


def test_the_api_key_is_redacted_from_traceback_and_source(ip, emu, no_error):
    ip.run(f'token = "{TEST_API_KEY}"\nraise ValueError("rejected: " + token)')
    from grok_jupyter.notebook.fix import fix_request

    request = fix_request(ip.shell)
    assert TEST_API_KEY not in request.prompt
    assert "[redacted API key]" in request.source and "[redacted API key]" in request.traceback
    ip.ok("%grok fix")
    for recorded in emu.requests:
        assert TEST_API_KEY not in repr(recorded.body)
    assert TEST_API_KEY not in repr(ip.outputs())


def test_fix_request_for_the_panel(ip, emu, no_error):
    from grok_jupyter.notebook.fix import extract_fix, fix_request

    assert fix_request(ip.shell) is None
    ip.run("x = 1")
    failed = ip.run("values = [1, 2]\nvalues.apend(3)")
    ip.run("y = 2")  # a later cell that works does not hide the error
    request = fix_request(ip.shell)
    assert request.error == "AttributeError: 'list' object has no attribute 'apend'"
    assert request.execution_count == failed.execution_count
    assert request.source == "values = [1, 2]\nvalues.apend(3)"
    assert request.prompt.startswith("Fix this notebook cell")
    assert emu.requests == []  # building it sends nothing
    from grok_jupyter.client import get_client
    from grok_jupyter.notebook.conversation import Conversation
    from grok_jupyter.notebook.fix import take_fix_turn

    chat = Conversation("panel-fix")  # the panel takes the fix as a turn of its chat
    result, code = take_fix_turn(request, client=get_client(), conversation=chat)
    assert code == "values = [1, 2]\nvalues.append(3)" == extract_fix(result.text)
    (turn,) = chat.turns
    assert turn.prompt_text == request.prompt and "`apend`" in turn.answer_text


def test_a_syntax_error_cell_is_sent_without_the_parsers_frames(ip, emu, no_error):
    from grok_jupyter.notebook.fix import fix_request

    failed = ip.run("def f(:\n    return 1")
    assert failed.error_before_exec is not None or failed.error_in_exec is not None
    request = fix_request(ip.shell)
    assert request.source == "def f(:\n    return 1"
    assert "SyntaxError" in request.traceback and "compilerop.py" not in request.traceback
    ip.ok("%grok fix")
    assert "def f(:" in _fix_prompt(emu)


def test_chat_option_keeps_the_fix_in_a_conversation(ip, emu, no_error):
    from grok_jupyter.notebook.conversation import get_conversation

    ip.run(BROKEN)
    ip.ok("%grok fix --chat debugging")
    (turn,) = get_conversation("debugging").turns
    assert turn.prompt_text.startswith("Fix this notebook cell") and FIXED in turn.answer_text
    assert get_conversation("default").turns == []  # without --chat: a one-off
    ip.ok("%grok fix")
    assert get_conversation("default").turns == []
    assert len(sent_items(last_body(emu))) == 1
    assert "previous_response_id" not in last_body(emu)


def test_model_option_and_bad_model(ip, emu, no_error):
    ip.run(BROKEN)
    ip.ok("%grok fix -m grok-4.3")
    assert last_body(emu)["model"] == "grok-4.3"
    emu.reset()
    message = ip.fails("%grok fix --model grok-nonexistent-9")
    assert "grok-nonexistent-9" in message
    assert emu.requests == []


def test_help_lists_fix(ip, capsys):
    ip.ok("%grok help")
    out = capsys.readouterr().out
    assert "%grok fix" in out and "corrected cell" in out and "%grok chats" in out
    message = ip.fails("%grok fix --bogus")
    assert "%grok fix" in message


def test_missing_key_is_one_clear_line(ip, emu, no_error, monkeypatch):
    from grok_jupyter.client import set_client

    ip.run(BROKEN)
    monkeypatch.delenv("XAI_API_KEY")
    set_client(None)
    message = ip.fails("%grok fix")
    assert "XAI_API_KEY" in message and "%grok emulator" in message
    assert emu.requests == []
    assert os.environ.get("XAI_API_KEY") is None


def test_fix_in_a_real_kernel_offers_the_next_cell(emulator_session):
    from jupyter_client.manager import start_new_kernel

    from tests.magic.test_kernel import execute, of_type

    key = "xai-kernel-fix-key-Pq72"
    env = {**os.environ, "XAI_API_KEY": key, "XAI_BASE_URL": emulator_session.base_url}
    km, kc = start_new_kernel(kernel_name="python3", env=env, extra_arguments=["--log-level=ERROR"])
    try:
        execute(kc, "%load_ext grok_jupyter")
        reply, messages = execute(kc, f'secret = "{key}"\n{BROKEN}')
        assert reply["content"]["status"] == "error"
        assert of_type(messages, "error")  # ipykernel shows a coloured traceback
        reply, _ = execute(kc, "%grok fix")
        assert reply["content"]["status"] == "ok"
        payloads = reply["content"]["payload"]
        expected = f'secret = "[redacted API key]"\n{FIXED}'
        assert {"source": "set_next_input", "text": expected, "replace": False} in payloads
        prompt = user_text(last_body(emulator_session))
        assert "\x1b" not in prompt and key not in prompt
        assert "NameError: name 'total' is not defined" in prompt
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_grok_usage_message_is_not_taken_for_an_error_to_fix(ip, emu, no_error, capsys):
    ip.fails("%%grok -t 5\nhello")  # refused before sending: "the temperature must be ..."
    ip.ok("%grok fix")
    assert "The last error was a %grok message" in capsys.readouterr().out
    assert emu.requests == []


def test_a_fix_that_changes_nothing_says_so(ip, emu, no_error):
    ip.ok("import pandas as pd\nframe = pd.DataFrame({'price': [1, 2]})")
    failed = ip.run("frame['cost'].sum()")
    assert isinstance(failed.error_in_exec, KeyError)
    ip.shell.rl_next_input = None
    ip.ok("%grok fix")
    shown = ip.markdown()
    assert "ready below" not in shown
    assert "No change was found" in shown
    assert ip.shell.rl_next_input is None  # no copy of the failing cell offered
