"""Issue 11, item 13: the smaller things users met in the magic."""

from __future__ import annotations

import json
import os
import time
import warnings

import pytest

from tests import wire


def user_text(emu) -> str:
    return wire.user_text(wire.last_body(emu))  # whichever API carried the turn


def test_in_n_gives_the_cell_as_typed(ip, emu) -> None:
    ip.ok('%%grok\nSay "hi"')
    n = ip.shell.execution_count - 1
    ip.ok(f"%%grok\nThe cell was: {{In[{n}]}} and before: {{_i}}")
    sent = user_text(emu)
    assert 'The cell was: %%grok\nSay "hi"' in sent
    assert "run_cell_magic" not in sent


def test_a_bad_setting_is_refused_when_made(ip, emu, caplog) -> None:
    ip.run("%config GrokMagics.temperature = 7")
    ip.run('%config GrokMagics.model = "grok-3-mimi"')
    err = caplog.text  # %config reports a refused value through logging
    assert "temperature must be between 0 and 2" in err
    assert "unknown model 'grok-3-mimi'" in err and "grok-3-mini" in err
    assert ip.magics.temperature is None and ip.magics.model == ""
    ip.run("%config GrokMagics.temperature = 0.5")
    ip.run('%config GrokMagics.model = "grok-3-mini"')
    assert ip.magics.temperature == 0.5 and ip.magics.model == "grok-3-mini"
    ip.shell.config.pop("GrokMagics", None)


def test_a_question_mark_at_the_end_of_tokens_is_text(ip, emu, capsys) -> None:
    ip.ok("%grok tokens how many tokens is this?")
    out = capsys.readouterr().out
    assert out.strip().endswith("tokens") and "Docstring" not in out
    assert json.loads(json.dumps(emu.requests[-1].body))["text"].endswith("this?")


@pytest.mark.parametrize("validate", [True, False])
def test_a_refused_request_shows_nothing_above_the_error(ip, emu, validate) -> None:
    from grok_jupyter.client import GrokClient, set_client

    set_client(GrokClient(base_url=emu.base_url, validate=validate))
    message = ip.fails("%%grok -m grok-4.20-0309-reasoning --reasoning-effort high\nhello")
    assert "reasoning" in message.lower()
    assert ip.pub.events == []  # no display was ever shown, not even an empty one


def test_our_warnings_print_one_clean_line(ip, emu, capsys, monkeypatch) -> None:
    from grok_jupyter.client import GrokClient
    from grok_jupyter.client._errors import UnknownModelWarning

    def count_tokens(self, text, model=None):
        warnings.warn("model 'grok-x' is not in the catalogue", UnknownModelWarning, stacklevel=2)
        return 3

    monkeypatch.setattr(GrokClient, "count_tokens", count_tokens)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        ip.ok("%grok tokens three words here")
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "UnknownModelWarning: model 'grok-x' is not in the catalogue"
    ]


def test_rerunning_the_latest_cell_replaces_its_turn(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    conversation = get_conversation("default")
    # No cell id (terminal IPython, nbclient, papermill): the same text in the next cell
    # is a new turn ("Go on." twice), never a replacement.
    ip.ok('%%grok\nSay "one"')
    ip.ok('%%grok\nSay "one"')
    assert [m.role for m in conversation.messages] == ["user", "assistant"] * 2
    conversation.reset()
    ip.ok('%%grok\nSay "one"')
    ip.ok('%%grok\nSay "two"')  # another cell: a new turn
    assert len(conversation.messages) == 4
    # In Jupyter the cell's id decides: the same cell, edited and re-run, replaces its turn.
    ip.shell.parent_header = {"metadata": {"cellId": "cell-7"}}
    try:
        ip.ok('%%grok\nSay "three"')
        ip.ok('%%grok\nSay "three, edited"')
        # Two cells with the same text, each its own id: two turns.
        ip.shell.parent_header = {"metadata": {"cellId": "cell-8"}}
        ip.ok('%%grok\nGo on.')
        ip.shell.parent_header = {"metadata": {"cellId": "cell-9"}}
        ip.ok('%%grok\nGo on.')
        ip.ok('%%grok\nGo on.')  # cell-9 re-run: replaces its own turn
    finally:
        del ip.shell.parent_header
    texts = [m.text for m in conversation.messages if m.role == "user"]
    assert texts == ['Say "one"', 'Say "two"', 'Say "three, edited"', "Go on.", "Go on."]


def test_terminal_json_prints_the_parsed_value_once(ip, emu, capsys) -> None:
    ip.magics.output = "stdout"
    ip.ok("%%grok -f json -o data\nGive me JSON with keys river and length.")
    out = capsys.readouterr().out
    pretty = json.dumps(ip.ns["data"], indent=2, ensure_ascii=False)
    assert out.count(pretty) == 1
    first_key = next(iter(ip.ns["data"]))
    assert out.count(json.dumps(first_key)) == 1  # the streamed raw text is not printed too


def test_terminal_image_prints_where_it_was_saved(ip, emu, capsys) -> None:
    ip.magics.output = "stdout"
    ip.ok("%grok image a red square")
    out = capsys.readouterr().out
    assert "object>" not in out
    line = next(x for x in out.splitlines() if "saved to " in x)
    path = line.split("saved to ", 1)[1].strip()
    assert os.path.getsize(path) > 0
    os.remove(path)
    assert ip.outputs() == []


def test_the_in_kernel_emulator_logs_nothing_into_later_cells(ip, capfd) -> None:
    import logging

    ip.ok("%grok emulator")
    try:
        capfd.readouterr()
        # What uvicorn logs, from the server thread, when a handler ends without a response:
        # in a kernel it lands in whatever cell runs next.
        logging.getLogger("uvicorn.error").error("ASGI callable returned without completing")
        time.sleep(0.05)
        ip.ok("x_after = 1")
        assert "ASGI" not in capfd.readouterr().err
    finally:
        ip.ok("%grok emulator --stop")
