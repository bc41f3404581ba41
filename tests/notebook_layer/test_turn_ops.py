"""Turn operations on a conversation: the turns view, delete, edit-and-resend, regenerate,
undo, Markdown export, and the Responses chain after an edit. Turns are real, on the emulator."""

from __future__ import annotations

import pytest

from grok_jupyter.client import Message, TextPart
from grok_jupyter.client._types import ImagePart, ImageURL
from grok_jupyter.notebook.conversation import Conversation
from grok_jupyter.notebook.tools import KernelTools
from grok_jupyter.notebook.turn import TurnRequest, run_turn
from tests.notebook_layer.tool_turns import x_search_turn

RESPONSES = "/v1/responses"
PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAH"
    "ggJ/PchI7wAAAABJRU5ErkJggg=="
)


def get_weather(city: str) -> dict:
    """The current weather in a city."""
    return {"city": city, "sky": "sunny", "temp_c": 24}


def _turn(conversation: Conversation, client, text: str, **kw):
    result = run_turn(
        TurnRequest(Message.user(text), api="chat", **kw), conversation=conversation, client=client
    )
    assert result.ok, result.error
    return result


def _sent_texts(emu) -> list[tuple[str, str]]:
    body = emu.chat_requests[-1].body
    return [(m["role"], m.get("content") or "") for m in body["messages"]]


def test_each_turn_holds_its_prompt_answer_usage_and_cost(client):
    conversation = Conversation("ops-view")
    first = _turn(conversation, client, "Say 'alpha'")
    second = _turn(conversation, client, "Say 'beta'")
    turns = conversation.turns
    assert [t.prompt_text for t in turns] == ["Say 'alpha'", "Say 'beta'"]
    assert [t.answer_text for t in turns] == ["alpha", "beta"]
    assert turns[0].usage == first.usage and turns[1].usage == second.usage
    assert turns[0].usage.completion_tokens > 0
    assert turns[1].cost_usd == pytest.approx(second.cost_usd) and second.cost_usd > 0
    assert sum(t.cost_usd for t in turns) == pytest.approx(conversation.cost_usd)
    assert turns[0].model == first.model and not turns[0].interrupted
    assert conversation.turn_count == 2


def test_a_tool_turn_keeps_its_calls_and_results_in_one_turn(client):
    conversation = Conversation("ops-tools")
    tools = KernelTools([get_weather])
    _turn(conversation, client, "What is the weather in Paris? Use get_weather.", tools=tools)
    (turn,) = conversation.turns
    assert [c.function.name for c in turn.tool_calls] == ["get_weather"]
    assert [m.role for m in turn.replies] == ["assistant", "tool", "assistant"]
    markdown = conversation.to_markdown()
    assert "**Tool call** `get_weather`" in markdown and "Paris" in markdown
    assert "**Tool result** `get_weather`" in markdown and "sunny" in markdown


def test_a_deleted_turn_is_no_longer_sent(client, emu):
    conversation = Conversation("ops-delete")
    _turn(conversation, client, "Say 'one'")
    _turn(conversation, client, "Say 'two'")
    deleted = conversation.delete_turn(0)
    assert deleted.prompt_text == "Say 'one'"
    _turn(conversation, client, "Say 'three'")
    assert _sent_texts(emu) == [
        ("user", "Say 'two'"),
        ("assistant", "two"),
        ("user", "Say 'three'"),
    ]
    assert [t.prompt_text for t in conversation.turns] == ["Say 'two'", "Say 'three'"]


def test_edit_and_resend_drops_the_turn_and_every_later_one(client, emu):
    conversation = Conversation("ops-edit")
    for word in ("one", "two", "three"):
        _turn(conversation, client, f"Say '{word}'")
    prompt = conversation.truncate_before(1)
    assert prompt.role == "user" and prompt.text == "Say 'two'"  # back in the input, to edit
    assert [t.prompt_text for t in conversation.turns] == ["Say 'one'"]
    _turn(conversation, client, prompt.text.replace("two", "deux"))
    assert _sent_texts(emu) == [("user", "Say 'one'"), ("assistant", "one"), ("user", "Say 'deux'")]
    assert [t.answer_text for t in conversation.turns] == ["one", "deux"]


def test_edit_returns_the_images_of_the_prompt_too(client):
    conversation = Conversation("ops-edit-image")
    picture = ImagePart(image_url=ImageURL(url=PNG_1PX))
    conversation.append(
        Message.user([TextPart(text="What is this?"), picture]), Message.assistant("A dot.")
    )
    prompt = conversation.truncate_before(0)
    assert prompt.text == "What is this?" and prompt.images[0].image_url.url == PNG_1PX
    assert conversation.turns == []


def test_regenerate_resends_the_last_prompt_without_the_old_answer(client, emu):
    conversation = Conversation("ops-regen")
    _turn(conversation, client, "Say 'first'")
    _turn(conversation, client, "Write 5 words")
    old = conversation.turns[-1].answer_text
    prompt = conversation.regenerate()
    assert prompt.text == "Write 5 words"
    assert conversation.turn_count == 1
    result = _turn(conversation, client, prompt.text)
    # Sent: the first turn and the prompt again, not the answer being replaced.
    assert _sent_texts(emu) == [
        ("user", "Say 'first'"),
        ("assistant", "first"),
        ("user", "Write 5 words"),
    ]
    assert conversation.turn_count == 2 and conversation.turns[-1].answer_text == result.text
    assert len(old.split()) == 5


def test_clear_and_delete_can_be_undone_until_something_else_changes(client):
    conversation = Conversation("ops-undo")
    _turn(conversation, client, "Say 'keep me'")
    _turn(conversation, client, "Say 'me too'")
    spent = conversation.cost_usd
    conversation.reset()
    assert conversation.turns == [] and conversation.can_undo
    assert conversation.undo() is True
    assert [t.answer_text for t in conversation.turns] == ["keep me", "me too"]
    assert conversation.cost_usd == pytest.approx(spent)
    assert conversation.undo() is False  # once

    conversation.delete_turn(-1)
    assert conversation.undo() is True and conversation.turn_count == 2

    conversation.reset()
    _turn(conversation, client, "Say 'new start'")
    assert not conversation.can_undo and conversation.undo() is False
    assert [t.answer_text for t in conversation.turns] == ["new start"]


def test_bad_turn_indexes_are_clear_errors(client):
    conversation = Conversation("ops-bad")
    with pytest.raises(ValueError, match="no turn to regenerate"):
        conversation.regenerate()
    _turn(conversation, client, "Say 'only'")
    with pytest.raises(IndexError, match="has 1 turn; there is no turn 3"):
        conversation.delete_turn(3)
    with pytest.raises(IndexError):
        conversation.truncate_before(-2)
    assert conversation.turn_count == 1


def test_markdown_export_has_every_turn_with_images_as_placeholders(client):
    conversation = Conversation("ops-md", system="Be brief.")
    conversation.append(
        Message.user([TextPart(text="Describe it"), ImagePart(image_url=ImageURL(url=PNG_1PX))]),
        Message.assistant("A single pixel."),
    )
    _turn(conversation, client, "Say 'second answer'")
    markdown = conversation.to_markdown()
    assert markdown.count("### You") == 2 and markdown.count("### Grok") == 2
    assert "## Turn 1" in markdown and "## Turn 2" in markdown
    assert "[image 1]" in markdown and "base64" not in markdown
    assert "second answer" in markdown and "Be brief." in markdown
    turn = conversation.turns[-1]
    assert f"{turn.usage.prompt_tokens:,} in" in markdown


def test_markdown_export_lists_a_search_turns_citations(client, emu):
    url = emu.add_post(
        "zorbcorp", "Zorblax kettle launched, boils water in negative time", "2026-11-12"
    )
    conversation = Conversation("ops-cite")
    result = x_search_turn(client, conversation=conversation)
    assert result.error is None, result.error
    (turn,) = conversation.turns
    assert [c["url"] for c in turn.citations] == [url]
    assert "1. [" in conversation.to_markdown() and f"(<{url}>)" in conversation.to_markdown()


def test_an_edit_breaks_the_responses_chain_so_history_is_resent(client, emu):
    conversation = Conversation("ops-chain")
    for word in ("red", "green"):
        result = run_turn(
            TurnRequest(Message.user(f"Say '{word}'"), api="responses"),
            conversation=conversation,
            client=client,
        )
        assert result.error is None, result.error
    requests = [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]
    assert requests[-1].body.get("previous_response_id")  # unedited: chained
    conversation.delete_turn(0)
    run_turn(
        TurnRequest(Message.user("Say 'blue'"), api="responses"),
        conversation=conversation,
        client=client,
    )
    last = [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"][-1]
    assert "previous_response_id" not in last.body
    sent = [(i["role"], i["content"]) for i in last.body["input"]]
    # The edited history goes in full: the deleted turn does not, the kept one does.
    assert ("user", "Say 'green'") in sent and ("user", "Say 'red'") not in sent
    assert sent[-1] == ("user", "Say 'blue'")
    # The next turn chains again, on the answer stored after the edit.
    stored = conversation.response_id
    assert stored
    run_turn(
        TurnRequest(Message.user("Say 'pink'"), api="responses"),
        conversation=conversation,
        client=client,
    )
    last = [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"][-1]
    assert last.body.get("previous_response_id") == stored


def test_a_failed_request_leaves_the_earlier_turns_usage_alone(client, emu):
    conversation = Conversation("ops-failed")
    first = _turn(conversation, client, "Say 'kept'")
    emu.inject("unavailable", times=3)  # the client's 2 retries are used up
    failed = run_turn(
        TurnRequest(Message.user("Say 'lost'"), api="chat"),
        conversation=conversation,
        client=client,
    )
    assert failed.error is not None
    (turn,) = conversation.turns  # nothing committed for the failed request
    assert turn.usage == first.usage and turn.model == first.model
    assert turn.cost_usd == pytest.approx(first.cost_usd)


def test_a_stopped_turn_keeps_its_estimated_usage(client, emu):
    import threading

    from grok_jupyter.notebook.turn import StopSignal, TurnObserver

    conversation = Conversation("ops-stopped")
    stop = StopSignal()

    class StopAfterText(TurnObserver):
        def on_text(self, delta: str) -> None:
            threading.Thread(target=stop.stop).start()

    emu.inject("slow_chunks", delay=0.02)
    result = run_turn(
        TurnRequest(Message.user("Write 300 words"), api="chat"),
        conversation=conversation,
        client=client,
        observer=StopAfterText(),
        cancel=stop,
    )
    assert result.interrupted
    (turn,) = conversation.turns
    assert turn.interrupted and turn.usage is not None and turn.usage.completion_tokens > 0
    assert turn.usage == result.usage and turn.usage_estimated == result.usage_estimated


def test_a_failed_send_after_clear_keeps_undo(client, emu):
    conversation = Conversation("ops-undo-failed")
    _turn(conversation, client, "Say 'precious'")
    conversation.reset()
    emu.inject("unavailable", times=3)
    failed = run_turn(
        TurnRequest(Message.user("Say 'x'"), api="chat"), conversation=conversation, client=client
    )
    assert failed.error is not None
    assert conversation.undo() is True
    assert [t.answer_text for t in conversation.turns] == ["precious"]


def test_the_markdown_export_names_an_attached_document():
    from grok_jupyter.client._types import Message, TextPart
    from grok_jupyter.notebook.attach_files import message_part
    from grok_jupyter.notebook.conversation import Conversation

    chat = Conversation("export-file")
    part = message_part({"type": "input_file", "file_id": "file_1"}, "report.pdf")
    chat.append(
        Message(role="user", content=[TextPart(type="text", text="Total?"), part]),
        Message.assistant("42"),
    )
    assert "[file: report.pdf]" in chat.to_markdown()
