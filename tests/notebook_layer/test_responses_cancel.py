"""Stopping a Responses-API turn with ``cancel=``, as the panel's Stop button does.

Real emulator over HTTP; ``slow_chunks`` paces the stream so Stop lands half-way. The
partial answer is kept (marked), its tokens counted locally, and the next turn resends the
history instead of chaining onto a stored response that holds more than the user saw.
"""

from __future__ import annotations

import threading

from grok_jupyter.client import Message
from grok_jupyter.notebook.conversation import INTERRUPTED_MARKER, Conversation
from grok_jupyter.notebook.turn import StopSignal, TurnObserver, TurnRequest, run_turn

RESPONSES = "/v1/responses"
LONG = "reply with 3000 words"


class StopAfter(TurnObserver):
    """Presses Stop from another thread once ``chars`` of the answer arrived."""

    def __init__(self, stop: threading.Event, chars: int = 80) -> None:
        self.stop = stop
        self.chars = chars
        self.text = ""
        self.pressed = False

    def on_text(self, delta: str) -> None:
        self.text += delta
        if not self.pressed and len(self.text) >= self.chars:
            self.pressed = True
            press = getattr(self.stop, "stop", self.stop.set)
            threading.Thread(target=press).start()  # as the panel's comm thread would


def _posts(emu) -> list:
    return [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]


def _stopped_turn(client, emu, conversation: Conversation | None, stop: threading.Event):
    emu.inject("slow_chunks", delay=0.02)
    observer = StopAfter(stop)
    result = run_turn(
        TurnRequest(Message.user(LONG), api="responses"),
        conversation=conversation,
        client=client,
        observer=observer,
        cancel=stop,
    )
    return result, observer


def _assert_kept_marked(result, observer, conversation: Conversation) -> None:
    assert result.interrupted and result.error is None
    assert observer.pressed and result.text.startswith(observer.text[: observer.chars])
    turn = conversation.turns[-1]
    assert turn.prompt_text == LONG
    assert turn.interrupted and turn.answer_text == result.text + INTERRUPTED_MARKER
    assert 0 < len(result.text.split()) < 3000  # stopped well before the end
    # No usage came with a stopped stream: counted locally, and priced.
    assert result.usage_estimated and turn.usage_estimated
    assert result.usage is not None and turn.usage == result.usage
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert result.cost_usd > 0 and turn.cost_usd == result.cost_usd


def test_stop_keeps_the_partial_answer_marked_and_estimates_its_cost(client, emu):
    conversation = Conversation("rc-first")
    stop = StopSignal()
    result, observer = _stopped_turn(client, emu, conversation, stop)
    _assert_kept_marked(result, observer, conversation)
    assert conversation.cost_usd == result.cost_usd
    assert len(_posts(emu)) == 1  # one request: nothing retried after Stop

    # The next turn resends the history, the marked partial answer included.
    after = run_turn(
        TurnRequest(Message.user("Say 'ok'"), api="responses"),
        conversation=conversation,
        client=client,
    )
    assert after.ok, after.error
    body = _posts(emu)[-1].body
    assert "previous_response_id" not in body
    sent = [(i["role"], i["content"]) for i in body["input"]]
    assert sent == [
        ("user", LONG),
        ("assistant", result.text + INTERRUPTED_MARKER),
        ("user", "Say 'ok'"),
    ]
    assert not conversation.turns[-1].interrupted


def test_stop_on_a_chained_turn_breaks_the_chain(client, emu):
    conversation = Conversation("rc-chained")
    first = run_turn(
        TurnRequest(Message.user("Say 'red'"), api="responses"),
        conversation=conversation,
        client=client,
    )
    assert first.ok, first.error
    stop = StopSignal()
    result, observer = _stopped_turn(client, emu, conversation, stop)
    assert _posts(emu)[-1].body.get("previous_response_id") == first.response_id  # chained
    _assert_kept_marked(result, observer, conversation)
    # The estimate counts the context the chain carried (the first turn), not only the prompt.
    only_prompt = Conversation("rc-alone")
    alone, _ = _stopped_turn(client, emu, only_prompt, StopSignal())
    assert result.usage.prompt_tokens > alone.usage.prompt_tokens

    run_turn(
        TurnRequest(Message.user("Say 'blue'"), api="responses"),
        conversation=conversation,
        client=client,
    )
    body = _posts(emu)[-1].body
    assert "previous_response_id" not in body
    roles = [i["role"] for i in body["input"]]
    assert roles == ["user", "assistant", "user", "assistant", "user"]
    assert body["input"][3]["content"].endswith(INTERRUPTED_MARKER)


def test_a_plain_event_stops_at_the_next_event(client, emu):
    # Any threading.Event works as cancel=; only a StopSignal closes the connection at once.
    conversation = Conversation("rc-event")
    stop = threading.Event()
    result, observer = _stopped_turn(client, emu, conversation, stop)
    _assert_kept_marked(result, observer, conversation)


def test_stop_without_a_conversation_still_returns_the_partial_answer(client, emu):
    result, _ = _stopped_turn(client, emu, None, StopSignal())
    assert result.interrupted and result.usage_estimated and result.cost_usd > 0
    assert result.text and len(result.text.split()) < 3000
