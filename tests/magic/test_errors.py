"""Every user mistake is one clear line, and nothing is sent when nothing should be."""

from __future__ import annotations

import pytest

from tests.wire import last_body, sent_items, turn_requests


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("%%grok --bogus\nhi", "unrecognized arguments: --bogus"),
        ("%%grok -t warm\nhi", "invalid float value: 'warm'"),
        ("%%grok -t 7\nhi", "-t 7: the temperature must be between 0 and 2"),
        ("%%grok --max-tokens 100000000\nhi", "context window is 1,000,000: shorten the prompt"),
        ("%%grok -f pdf\nhi", "invalid choice: 'pdf'"),
        ("%%grok -m grok-5-ultra\nhi", "unknown model 'grok-5-ultra'"),
        ("%%grok -m grok-3-mni\nhi", "Did you mean grok-3-mini"),
        ("%%grok -m grok-beta\nhi", "was retired"),
        ("%%grok -m grok-2-image\nhi", "makes images"),
        ("%%grok -o 2fast\nhi", "-o/--output 2fast: not a valid Python variable name"),
        ("%%grok -o class\nhi", "not a valid Python variable name"),
        ("%%grok\n   \n", "the cell is empty"),
        ("%%grok --image no_such_thing\nhi", "no variable or file named 'no_such_thing'"),
        ("%%grok --image ./missing/pic.png\nhi", "--image ./missing/pic.png: no such file"),
        ("%%grok --image not_an_image\nhi", "--image not_an_image:"),
        ("%%grok --image not_a_png_file\nhi", "--image"),
        ("%%grok --tools nothing_here\nhi", "--tools: no function named 'nothing_here'"),
        ("%%grok --tools not_a_function\nhi", "'not_a_function' is a int, not a function"),
        ("%%grok --tools ,\nhi", "--tools needs at least one function name"),
        ("%%grok --tools untyped\nhi", "--tools:"),
        ("%%grok --schema nothing_here\nhi", "--schema nothing_here: no variable"),
        ("%%grok --schema not_a_function\nhi", "expected a pydantic model class or a JSON-schema"),
        ("%%grok --max-steps 0\nhi", "--max-steps must be at least 1"),
        ("%%grok --max-tokens 0\nhi", "--max-tokens must be at least 1"),
        ("%%grok -s number\nhi", "the variable holds a int, not text"),
        ("%%grok -m grok-4.20 --reasoning-effort high\nhi", "reasoning"),  # [V] rejection
        ("%grok frobnicate", "unknown subcommand 'frobnicate'"),
        ("%grok model", "Did you mean %grok models?"),
        ("%grok image -n 0 a cat", "-n must be between 1 and 10"),
        ("%grok image", "%grok image:"),
        ("%grok tokens", "%grok tokens:"),
        ("%grok emulator --now", "unrecognized arguments: --now"),
        ("%grok models extra", "unrecognized arguments: extra"),
    ],
)
def test_mistakes_are_one_line_and_send_nothing(ip, emu, tmp_path, cell, says) -> None:
    ip.ns.update(not_an_image=object(), not_a_function=3, number=7)
    bad = tmp_path / "bad.png"
    bad.write_text("this is not a PNG")
    ip.ns["not_a_png_file"] = str(bad)
    ip.ok("def untyped(*args, **kwargs):\n    return args\n")
    message = ip.fails(cell)
    assert says in message
    assert emu.requests == []


def test_a_bad_image_file_path(ip, emu, tmp_path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not an image at all")
    message = ip.fails(f"%%grok --image {bad}\nWhat is this?")
    assert message.startswith(f"grok: --image {bad}:")
    assert emu.requests == []


def test_missing_key(ip, emu, monkeypatch) -> None:
    from grok_jupyter.client import set_client

    monkeypatch.delenv("XAI_API_KEY")
    set_client(None)
    message = ip.fails("%%grok\nhello")
    assert "no xAI API key" in message and "%grok emulator" in message
    assert emu.requests == []
    # Nothing half-shown is left behind: the display holds no text.
    assert all(not o.get("text/plain") for o in ip.outputs())


def test_rate_limit_after_retries_commits_nothing(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    emu.inject("rate_limit", times=10, retry_after=0)
    message = ip.fails("%%grok\nhello")
    assert "rate limited by the API after retries" in message
    assert len(emu.requests) == 3  # the first try and the client's two retries
    assert get_conversation("default").messages == []  # the turn can simply be run again


def test_a_turn_whose_answer_was_lost_is_paid_once_and_says_so(ip, emu) -> None:
    # The server answered and billed, then the connection dropped (issue 21): not resent.
    emu.inject("reset_after_work", times=3)
    message = ip.fails("%%grok\nhello")
    assert "the answer was lost after the request reached the API" in message
    assert "may have done the work and billed it" in message
    assert emu.billed["calls"] == 1 and len(emu.requests) == 1


def test_the_server_refusing_a_parameter_is_one_line(ip, emu) -> None:
    # As when the bundled catalogue is out of date: only the server knows to refuse.
    from grok_jupyter.client import GrokClient, set_client

    set_client(GrokClient(base_url=emu.base_url, validate=False))
    # grok-4.3 refusing xhigh is [U]: neither the client nor the magic refuses it.
    message = ip.fails("%%grok -m grok-4.3 --reasoning-effort xhigh\nhello")
    assert message == (
        "grok: the API refused the request: Invalid reasoning effort 'xhigh'; expected one of: "
        "none, low, medium, high. (HTTP 400, Client specified an invalid argument)"
    )
    assert len(turn_requests(emu)) == 1


def test_a_conversation_too_long_for_the_window_is_refused_before_sending(ip, emu) -> None:
    # Counted on the whole conversation, as chat counts it, though a Responses turn
    # chained on a stored answer would send only the new prompt.
    from grok_jupyter.client import Message
    from grok_jupyter.notebook.conversation import get_conversation

    get_conversation("long").append(
        Message.user("Tell me about rivers."), Message.assistant("rivers " * 520_000)
    )
    message = ip.fails("%%grok --chat long -m grok-4.6\nAnd more?")
    assert "context window is 500,000: shorten the prompt" in message and "--new" in message
    assert emu.requests == []
    assert len(get_conversation("long")) == 2  # nothing committed


def test_a_cut_stream_keeps_the_partial_answer(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    # A Responses stream opens with ~27 events (created, reasoning summary) before the
    # answer's text: cut after some of the text arrived.
    emu.inject("cut", after_chunks=40)
    message = ip.fails("%%grok\nWrite 200 words about rivers.")
    assert "the connection broke while the answer was streaming" in message
    assert "[interrupted]" in message and ".partial" not in message
    assert message.count("kept") + message.count("saved") == 1  # said once
    last = get_conversation("default").messages[-1]
    assert last.role == "assistant" and last.text.endswith("[interrupted]")
    assert len(last.text) > len("[interrupted]") + 2  # some of the answer arrived first
    assert "interrupted" in ip.outputs()[0]["text/markdown"]


def test_ctrl_c_stops_the_stream_and_keeps_the_partial_answer(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    ip.magics.throttle_interval = 0  # an update per delta, so the interrupt lands mid-stream
    ip.pub.interrupt_on = 5
    message = ip.fails("%%grok\nWrite 2000 words about rivers.")
    assert message.startswith("grok: interrupted")
    assert "conversation 'default'" in message
    user, answer = get_conversation("default").messages
    assert user.text == "Write 2000 words about rivers."
    assert answer.text.endswith("[interrupted]")
    words = answer.text.removesuffix("[interrupted]").split()
    assert 0 < len(words) < 2000
    final = ip.outputs()[-1]["text/markdown"]
    assert "⏹ interrupted" in final
    # The conversation carries on from the partial answer.
    ip.pub.interrupt_on = None
    ip.ok('%%grok\nSay "carrying on"')
    # A stopped answer was never stored on the server: nothing to chain on, so the
    # conversation (the partial answer included) is sent again.
    body = last_body(emu)
    assert "previous_response_id" not in body
    sent = sent_items(body)
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"].endswith("[interrupted]")


def test_a_cut_chat_stream_keeps_the_partial_answer(ip, emu) -> None:
    # The chat twin: chunks, not events, and the history resent with the partial answer.
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok('%config GrokMagics.api = "chat"')
    emu.inject("cut", after_chunks=23)  # after grok-4.3's 18 reasoning_content chunks
    message = ip.fails("%%grok\nWrite 200 words about rivers.")
    assert "the connection broke while the answer was streaming" in message
    last = get_conversation("default").messages[-1]
    assert last.role == "assistant" and last.text.endswith("[interrupted]")
    assert len(last.text) > len("[interrupted]") + 2
    ip.ok('%%grok\nSay "carrying on"')
    assert [m["role"] for m in emu.chat_requests[-1].body["messages"]] == [
        "user", "assistant", "user"]


def test_errors_show_no_traceback(ip, emu, capsys) -> None:
    ip.run("%%grok -m nope\nhi")
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["UsageError: grok: unknown model 'nope'. See %grok models."]


def test_json_that_does_not_parse_is_one_line_and_still_shown(ip, emu) -> None:
    message = ip.fails("%%grok -f json -o never_stored --max-tokens 3\nGive me JSON about rivers.")
    # --max-tokens 3 cuts the JSON: the error says so, not only that it is invalid.
    assert message.startswith("grok: the answer was cut at --max-tokens 3")
    assert "raise --max-tokens" in message
    assert "never_stored" not in ip.ns
    shown = ip.outputs()[0]["text/markdown"]
    # What came back is shown, under the model's reasoning (collapsed; the Responses API
    # sends reasoning text).
    assert shown.startswith("<details><summary>Reasoning")
    assert shown.split("</details>\n\n", 1)[1].startswith('{"answer')
