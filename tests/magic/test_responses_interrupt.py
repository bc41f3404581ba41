"""A Responses turn stopped half-way (Ctrl-C, or ``response.failed`` mid-stream) keeps
what had arrived in the named conversation, marked [interrupted], as a chat turn does."""

from __future__ import annotations

from tests.emulator.responses_helpers import model

RESPONSES = "/v1/responses"
LONG = "Write 2000 words about rivers."


def _responses(emu):
    return [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]


def test_ctrl_c_in_a_responses_turn_commits_the_partial_answer(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok('%config GrokMagics.api = "responses"')
    ip.magics.throttle_interval = 0  # an update per delta, so the interrupt lands mid-stream
    emu.inject("slow_chunks", delay=0.01)
    ip.pub.interrupt_on = 5
    message = ip.fails(f"%%grok --chat rivers\n{LONG}")
    assert message.startswith("grok: interrupted")
    assert "conversation 'rivers'" in message
    conv = get_conversation("rivers")
    user, answer = conv.messages
    assert user.text == LONG
    assert answer.text.endswith("[interrupted]")
    words = answer.text.removesuffix("[interrupted]").split()
    assert 0 < len(words) < 2000
    assert "⏹ interrupted" in ip.outputs()[-1]["text/markdown"]
    assert conv.cost_usd > 0  # what had arrived is counted (locally: no usage came)
    # The next turn carries on from what the user saw: the history is resent, since the
    # stored response holds more than that.
    ip.pub.interrupt_on = None
    ip.ok('%%grok --chat rivers\nSay "carrying on"')
    follow = _responses(emu)[-1]
    assert "previous_response_id" not in follow.body
    sent = [item["content"] for item in follow.body["input"]]
    assert sent[0] == LONG and sent[1].endswith("[interrupted]") and len(sent) == 3
    assert [m.role for m in conv.messages] == ["user", "assistant"] * 2


def test_ctrl_c_in_a_server_tool_turn_commits_too(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    emu.add_page("https://rivers.example/a", "Rivers", "rivers " * 400)
    ip.magics.throttle_interval = 0
    emu.inject("slow_chunks", delay=0.01)
    ip.pub.interrupt_on = 4
    message = ip.fails("%%grok --search web\nrivers")
    assert message.startswith("grok: interrupted") and "conversation 'default'" in message
    (user, answer) = get_conversation("default").messages
    assert user.text == "rivers" and answer.text.endswith("[interrupted]")


def test_response_failed_mid_stream_keeps_the_partial_answer(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok('%config GrokMagics.api = "responses"')
    emu.inject("response_failed", after_chunks=40)
    fast = model(reasoning=False)  # no reasoning first: text arrives before the failure
    message = ip.fails(f"%%grok --chat failed --model {fast}\n{LONG}")
    assert "the connection broke while the answer was streaming" in message
    assert "conversation 'failed'" in message
    conv = get_conversation("failed")
    user, answer = conv.messages
    assert user.text == LONG
    assert answer.text.endswith("[interrupted]")
    assert len(answer.text.removesuffix("[interrupted]").split()) > 3  # text had arrived
    assert "interrupted" in ip.outputs()[0]["text/markdown"]
