"""One user turn through the client, as the magic and the panel drive it."""

from __future__ import annotations

import threading

import pytest

from grok_jupyter.client import (
    Message,
    ServiceUnavailableError,
    StreamInterruptedError,
    UnsupportedParameterError,
    get_ledger,
)
from grok_jupyter.notebook.conversation import INTERRUPTED_MARKER, Conversation, get_conversation
from grok_jupyter.notebook.turn import (
    STREAMING,
    WAITING,
    StopSignal,
    TurnObserver,
    TurnRequest,
    run_turn,
)
from tests.notebook_layer.tool_turns import chat_tool_turn


class Recorder(TurnObserver):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_status(self, text):
        self.events.append(("status", text))

    def on_reasoning(self, delta):
        self.events.append(("reasoning", delta))

    def on_text(self, delta):
        self.events.append(("text", delta))

    def on_tool_call(self, call):
        self.events.append(("tool_call", call.function.name))

    def on_tool_result(self, result):
        self.events.append(("tool_result", result.output))

    def texts(self) -> str:
        return "".join(str(v) for k, v in self.events if k == "text")

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]


def get_weather(city: str) -> dict:
    """The current weather in a city."""
    return {"city": city, "sky": "sunny", "temp_c": 24}


def get_time(city: str) -> str:
    """The local time in a city."""
    return f"14:05 in {city}"


def test_a_streamed_turn_reports_progress_and_is_committed(client):
    conversation = Conversation("t1")
    observer = Recorder()
    result = run_turn(
        TurnRequest(Message.user("reply with 40 words"), model="grok-4.3", api="chat"),
        conversation=conversation,
        client=client,
        observer=observer,
    )
    assert result.ok and result.error is None
    assert observer.events[0] == ("status", WAITING)
    assert ("status", STREAMING) in observer.events
    assert observer.texts() == result.text and len(result.text.split()) == 40
    assert result.model == "grok-4.3" and result.usage.completion_tokens > 0
    assert result.cost_usd > 0 and result.ttft_s is not None
    roles = [m.role for m in conversation.messages]
    assert roles == ["user", "assistant"]
    assert conversation.messages[1].text == result.text


def test_reasoning_is_reported_before_the_answer_and_not_sent_back(client, emu):
    # No current model streams reasoning_content on chat (grok-3-mini did; it now redirects
    # to grok-4.3), so a scripted server on loopback plays the first turn's stream.
    from grok_jupyter.client import GrokClient
    from tests.client.scripted_server import ScriptedServer, reasoning_chat_stream
    from tests.conftest import TEST_API_KEY

    conversation = Conversation("t2")
    observer = Recorder()
    reply = reasoning_chat_stream("grok-4.3", ["Light scatters."], "Rayleigh.")
    with ScriptedServer([reply]) as server:
        with GrokClient(api_key=TEST_API_KEY, base_url=server.base_url) as scripted:
            result = run_turn(
                TurnRequest(Message.user("Why is the sky blue?"), model="grok-4.3", api="chat"),
                conversation=conversation,
                client=scripted,
                observer=observer,
            )
    kinds = observer.kinds()
    assert "reasoning" in kinds and kinds.index("reasoning") < kinds.index("text")
    assert result.reasoning == "Light scatters."
    assert conversation.messages[1].reasoning_content == result.reasoning
    run_turn(
        TurnRequest(Message.user("And at sunset?"), model="grok-4.3", api="chat"),
        conversation=conversation,
        client=client,
    )
    sent = emu.chat_requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert "reasoning_content" not in sent[1]


def test_the_conversation_and_system_prompt_are_sent_each_turn(client, emu):
    conversation = get_conversation("shared-by-name")
    conversation.reset()
    run_turn(
        TurnRequest(
            Message.user("My name is Ada."), model="grok-4.3", system="Be brief.", api="chat"
        ),
        conversation=conversation,
        client=client,
    )
    run_turn(
        TurnRequest(
            Message.user("What is my name?"),
            model="grok-4.3",
            system="Be brief.",
            stream=False,
            api="chat",
        ),
        conversation=get_conversation("shared-by-name"),
        client=client,
    )
    sent = emu.chat_requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[0]["content"] == "Be brief." and sent[1]["content"] == "My name is Ada."
    assert len(conversation) == 4


def test_tool_calls_are_run_and_the_answer_uses_their_results(client, emu):
    conversation = Conversation("tools")
    observer = Recorder()
    result = chat_tool_turn(
        client,
        "Use get_weather to check the weather in Oslo.",
        [get_weather],
        model="grok-4-1-fast-non-reasoning",
        conversation=conversation,
        observer=observer,
    )
    assert result.ok
    weather = {"city": "Oslo", "sky": "sunny", "temp_c": 24}
    assert [r.value for r in result.tool_results] == [weather]
    assert ("tool_call", "get_weather") in observer.events
    assert "sunny" in result.text
    assert [m.role for m in conversation.messages] == ["user", "assistant", "tool", "assistant"]
    assert conversation.messages[1].tool_calls[0].function.name == "get_weather"
    assert conversation.messages[1].content == ""
    assert len(emu.chat_requests) == 2


def test_parallel_tool_calls_in_one_round(client):
    result = chat_tool_turn(
        client,
        "Call get_weather and get_time for Lima.",
        [get_weather, get_time],
        model="grok-4-1-fast-non-reasoning",
    )
    assert sorted(r.call.function.name for r in result.tool_results) == ["get_time", "get_weather"]
    assert result.steps == 2 and result.ok


    assert result.text


def test_stop_closes_the_stream_at_once_and_keeps_the_partial_answer(client, emu):
    conversation = Conversation("stop")
    stop = StopSignal()
    seen = threading.Event()

    class StopAfterSomeText(Recorder):
        def on_text(self, delta):
            super().on_text(delta)
            if len(self.events) > 20:
                seen.set()

    observer = StopAfterSomeText()
    emu.inject("slow_chunks", delay=0.02)  # so the stream is still running when Stop comes
    threading.Thread(target=lambda: seen.wait(10) and stop.stop(), daemon=True).start()
    result = run_turn(
        TurnRequest(Message.user("reply with 20000 words"), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
        observer=observer,
        cancel=stop,
    )
    assert result.interrupted and result.error is None
    assert 0 < len(result.text.split()) < 20000
    final = conversation.messages[-1]
    assert final.text == result.text + INTERRUPTED_MARKER


def test_a_failed_turn_commits_nothing_and_can_be_retried(client, emu):
    conversation = Conversation("retry")
    emu.inject("unavailable", times=3)  # the client's 2 retries are used up
    result = run_turn(
        TurnRequest(Message.user("Hello"), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
    )
    assert isinstance(result.error, ServiceUnavailableError)
    assert len(conversation) == 0 and len(emu.chat_requests) == 3
    again = run_turn(
        TurnRequest(Message.user("Hello"), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
    )
    assert again.ok and [m.role for m in conversation.messages] == ["user", "assistant"]


def test_a_cut_stream_keeps_what_arrived(client, emu):
    conversation = Conversation("cut")
    emu.inject("cut", after_chunks=6)
    observer = Recorder()
    result = run_turn(
        TurnRequest(Message.user("reply with 300 words"), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
        observer=observer,
    )
    assert isinstance(result.error, StreamInterruptedError) and result.interrupted
    assert result.text and result.text == observer.texts()
    assert conversation.messages[-1].text == result.text + INTERRUPTED_MARKER
    assert len(emu.chat_requests) == 1  # never retried once text was shown


def test_a_parameter_the_model_rejects_is_raised_before_anything_is_sent(client, emu):
    conversation = Conversation("bad")
    with pytest.raises(UnsupportedParameterError):
        run_turn(
            TurnRequest(
                Message.user("hi"), model="grok-4.5", params={"presence_penalty": 0.5}, api="chat"
            ),
            conversation=conversation,
            client=client,
        )  # [V] rejection
    assert emu.requests == [] and len(conversation) == 0


def test_each_turn_lands_in_the_shared_ledger_with_its_source(client):
    before = len(get_ledger().records)
    run_turn(
        TurnRequest(Message.user("hi"), model="grok-3", source="panel", api="chat"),
        conversation=None,
        client=client,
    )
    records = get_ledger().records[before:]
    assert [r.source for r in records] == ["panel"]


def test_ctrl_c_while_a_tool_runs_keeps_a_valid_conversation(client, emu):
    def slow_lookup(city: str) -> str:
        """Look a city up (interrupted by the user)."""
        raise KeyboardInterrupt

    conversation = Conversation("ctrl-c-tools")
    with pytest.raises(KeyboardInterrupt):
        chat_tool_turn(
            client, "Use slow_lookup for Paris.", [slow_lookup], conversation=conversation
        )
    roles = [m.role for m in conversation.messages]
    # The call is kept, answered as interrupted: no tool call is left without its result.
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert conversation.messages[2].text == "[interrupted before this tool finished]"
    assert conversation.messages[-1].text.endswith(INTERRUPTED_MARKER)
    assert not conversation.messages[-1].tool_calls
    again = run_turn(
        TurnRequest(Message.user("Never mind."), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
    )
    assert again.ok and len(conversation) == 6


def test_the_conversation_keeps_the_cost_of_its_turns(client):
    conversation = Conversation("costs")
    first = run_turn(
        TurnRequest(Message.user("hi"), model="grok-3", api="chat"),
        conversation=conversation,
        client=client,
    )
    second = run_turn(
        TurnRequest(Message.user("again"), model="grok-3", source="panel", api="chat"),
        conversation=conversation,
        client=client,
    )
    assert first.cost_usd > 0 and second.cost_usd > 0
    assert conversation.cost_usd == pytest.approx(first.cost_usd + second.cost_usd)
    conversation.reset()
    assert conversation.cost_usd == 0
