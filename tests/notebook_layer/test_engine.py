"""The one turn engine: it picks the API, mixes kernel and server-side tools in one
turn, chains Responses rounds, and commits a cut turn with an estimated cost on both
APIs alike. Real emulator over HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grok_jupyter.client import Catalog, Message, web_search
from grok_jupyter.client._catalog import get_catalog
from grok_jupyter.client._errors import StreamInterruptedError
from grok_jupyter.notebook.conversation import INTERRUPTED_MARKER, Conversation
from grok_jupyter.notebook.tools import KernelTools
from grok_jupyter.notebook.turn import (
    TurnObserver,
    TurnRequest,
    choose_api,
    run_turn,
    set_default_api,
)

ROOT = Path(__file__).resolve().parents[2] / "grok_jupyter"
RESPONSES = "/v1/responses"


def _responses_posts(emu) -> list:
    return [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]


def get_weather(city: str) -> dict:
    """The current weather in a city."""
    return {"city": city, "sky": "sunny", "temp_c": 24}


@pytest.fixture(autouse=True)
def _auto_api():
    set_default_api("auto")
    yield
    set_default_api("auto")


def _chat_only_catalog() -> Catalog:
    """The bundled catalogue plus a model that the catalogue says takes only chat."""
    bundled = get_catalog()
    base = bundled.resolve("grok-4.3")
    legacy = base.model_copy(update={"id": "legacy-chat-model", "aliases": (), "apis": ("chat",)})
    return Catalog([*bundled.chat_models(), legacy])


def test_auto_sends_a_plain_turn_to_the_responses_api(client, emu):
    result = run_turn(TurnRequest(Message.user("Say 'hi'")), client=client)
    assert result.ok and result.api == "responses"
    assert len(_responses_posts(emu)) == 1 and not emu.chat_requests
    assert result.cost_usd > 0 and result.usage.prompt_tokens > 0


def test_routing_follows_the_catalogue_and_the_setting():
    catalog = _chat_only_catalog()
    plain = TurnRequest(Message.user("hi"), model="grok-4.3")
    assert choose_api(plain, catalog) == "responses"
    assert choose_api(TurnRequest(Message.user("hi"), model="legacy-chat-model"), catalog) == "chat"
    # stop and logprobs exist only on Chat Completions
    assert choose_api(TurnRequest(Message.user("hi"), params={"stop": ["x"]}), catalog) == "chat"
    # forcing: "chat" for a model that takes chat; server-side tools always need Responses
    assert choose_api(TurnRequest(Message.user("hi"), api="chat"), catalog) == "chat"
    searching = TurnRequest(Message.user("hi"), api="chat", server_tools=[web_search()])
    assert choose_api(searching, catalog) == "responses"
    # the process-wide setting (GrokMagics.api) is what "auto" requests follow
    set_default_api("chat")
    assert choose_api(plain, catalog) == "chat"
    with pytest.raises(ValueError, match="auto, chat, responses"):
        set_default_api("legacy")  # type: ignore[arg-type]


def test_kernel_tools_and_server_side_tools_in_one_responses_turn(client, emu):
    conversation = Conversation("engine-mix")
    calls: list[str] = []

    class Seen(TurnObserver):
        def on_tool_call(self, call) -> None:
            calls.append(call.function.name)

    result = run_turn(
        TurnRequest(
            Message.user("Use get_weather to check the weather in Oslo."),
            tools=KernelTools([get_weather]),
            server_tools=[web_search()],
        ),
        client=client,
        conversation=conversation,
        observer=Seen(),
    )
    assert result.ok, result.error
    assert result.api == "responses" and calls == ["get_weather"]
    assert [r.value["sky"] for r in result.tool_results] == ["sunny"]
    first, second = _responses_posts(emu)
    kinds = {t["type"] for t in first.body["tools"]}
    assert kinds == {"function", "web_search"}
    (function,) = [t for t in first.body["tools"] if t["type"] == "function"]
    assert function["name"] == "get_weather" and "parameters" in function  # flat shape
    # the second round chains on the first and sends only the tool's output
    assert second.body["previous_response_id"]
    (output,) = second.body["input"]
    assert output["type"] == "function_call_output" and "sunny" in output["output"]
    assert [m.role for m in conversation.messages] == ["user", "assistant", "tool", "assistant"]
    assert conversation.response_id == result.response_id  # the next turn chains on it


def test_a_lost_stored_response_mid_chain_resends_the_history(client, emu):
    conversation = Conversation("engine-404")
    first = run_turn(TurnRequest(Message.user("Say 'red'")), client=client,
                     conversation=conversation)
    assert first.ok
    client.responses.delete(first.response_id)  # gone, as an expired response would be
    again = run_turn(TurnRequest(Message.user("Say 'blue'")), client=client,
                     conversation=conversation)
    assert again.ok, again.error
    last = _responses_posts(emu)[-1].body
    assert "previous_response_id" not in last
    assert [i.get("role") for i in last["input"]] == ["user", "assistant", "user"]


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_cut_stream_is_kept_marked_and_estimated_on_both_apis(client, emu, api):
    conversation = Conversation(f"engine-cut-{api}")
    emu.inject("cut", after_chunks=6)
    result = run_turn(TurnRequest(Message.user("Write 300 words about rivers."), api=api),
                      client=client, conversation=conversation)
    assert isinstance(result.error, StreamInterruptedError)
    assert result.interrupted and result.usage_estimated and result.cost_usd > 0
    assert conversation.messages[-1].text.endswith(INTERRUPTED_MARKER)
    assert conversation.cost_usd == pytest.approx(result.cost_usd)


def _imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_front_ends_run_turns_only_through_the_engine():
    """``magic/`` and ``panel/`` hold no choice between two turn functions: they import
    the engine's ``run_turn`` and no per-API round or client turn call."""
    forbidden = ("chat_rounds", "responses_rounds", "responses_turn", "run_responses_turn")
    users = []
    for folder in ("magic", "panel", "agent"):
        for path in sorted((ROOT / folder).glob("*.py")):
            imports = _imports_of(path)
            assert not [n for n in imports if any(f in n for f in forbidden)], path
            text = path.read_text()
            assert ".responses.stream(" not in text and ".stream(messages" not in text, path
            if any(n.endswith("turn.run_turn") for n in imports):
                users.append(f"{folder}/{path.name}")
    # The agent is the engine with notebook tools and an approver, not a third engine.
    assert users == ["magic/agent_cell.py", "magic/ask.py", "panel/agent.py", "panel/turns.py"]
