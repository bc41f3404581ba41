"""How a turn ends at its limits: max steps, max tokens, a cut stream, Ctrl-C in tools."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from grok_jupyter.client import Message, StreamInterruptedError, get_ledger
from grok_jupyter.notebook.conversation import INTERRUPTED_MARKER, Conversation
from grok_jupyter.notebook.tools import INTERRUPTED_OUTPUT
from grok_jupyter.notebook.turn import TurnRequest, run_turn
from tests.notebook_layer.tool_turns import chat_tool_turn


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def _rome_weather(client, max_steps: int, conversation: Conversation | None = None):
    """A chat turn whose answer needs one get_weather call, within ``max_steps`` rounds."""
    return chat_tool_turn(
        client,
        "Use get_weather for Rome.",
        [get_weather],
        max_steps=max_steps,
        conversation=conversation,
    )


def test_a_turn_within_the_step_limit_answers_normally(client, emu):
    result = _rome_weather(client, max_steps=2)
    assert result.steps == 2 and not result.step_limit_reached
    assert "tool_choice" not in emu.chat_requests[-1].body


def test_reaching_max_steps_asks_once_more_with_tools_off(client, emu):
    conversation = Conversation("limit")
    result = _rome_weather(client, max_steps=1, conversation=conversation)
    assert result.step_limit_reached and result.ok
    assert "sunny in Rome" in result.text  # an answer, not an empty string
    assert len(emu.chat_requests) == 2
    assert emu.chat_requests[-1].body["tool_choice"] == "none"
    assert [m.role for m in conversation.messages] == ["user", "assistant", "tool", "assistant"]
    assert not conversation.messages[-1].tool_calls


def test_an_answer_cut_by_max_tokens_is_marked_cut(client):
    result = run_turn(
        TurnRequest(
            Message.user("Write 200 words about rivers."),
            model="grok-3",
            params={"max_tokens": 5},
            api="chat",
        ),
        conversation=None,
        client=client,
    )
    assert result.cut and result.ok
    whole = run_turn(
        TurnRequest(Message.user("Write 20 words about rivers."), model="grok-3", api="chat"),
        conversation=None,
        client=client,
    )
    assert not whole.cut


def test_tokens_of_a_cut_stream_are_estimated_in_the_ledger(client, emu):
    get_ledger().clear()
    emu.inject("cut", after_chunks=6)
    result = run_turn(
        TurnRequest(Message.user("Write 300 words about rivers."), model="grok-3", api="chat"),
        conversation=None,
        client=client,
    )
    assert isinstance(result.error, StreamInterruptedError)
    assert result.usage_estimated and result.usage.completion_tokens > 0
    assert result.usage.prompt_tokens > 0 and result.cost_usd > 0
    (record,) = get_ledger().records
    assert record.estimated and record.completion_tokens > 0 and record.cost_usd
    assert not get_ledger().total().cost_usd == 0


def test_ctrl_c_during_parallel_tools_returns_at_once_and_answers_every_call(client, emu):
    release = threading.Event()

    def quick_lookup(city: str) -> str:
        """Look a city up quickly."""
        return f"quick answer for {city}"

    def slow_lookup(city: str) -> str:
        """Look a city up slowly."""
        # The user presses Ctrl-C while this one still runs (a real SIGINT, as from a kernel).
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        release.wait(10)
        return "too late"

    conversation = Conversation("ctrl-c-parallel")
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            chat_tool_turn(
                client,
                "Call quick_lookup and slow_lookup for Lima.",
                [quick_lookup, slow_lookup],
                conversation=conversation,
            )
        assert time.monotonic() - started < 5  # not the slow tool's 10 s
    finally:
        release.set()
    messages = conversation.messages
    assert [m.role for m in messages] == ["user", "assistant", "tool", "tool", "assistant"]
    ids = {call.id: call.function.name for call in messages[1].tool_calls}
    answers = {ids[m.tool_call_id]: m.text for m in messages[2:4]}
    assert answers == {"quick_lookup": "quick answer for Lima", "slow_lookup": INTERRUPTED_OUTPUT}
    assert messages[-1].text.endswith(INTERRUPTED_MARKER)
    again = run_turn(
        TurnRequest(Message.user("Never mind."), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
    )
    assert again.ok  # the API takes the history: every tool_call id has its answer
