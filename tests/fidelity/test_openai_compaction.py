"""The official openai SDK's ``responses.compact`` and ``responses.input_items.list``
against the emulator (openai 3.63 has both; shapes from shared/xai-api-2026-09.md
section 2), and the 2026 Responses features as the SDK parses them."""

from __future__ import annotations

import base64

import openai
import pytest

CONVERSATION = [
    {"role": "user", "content": "My name is Zorblax and I keep bees in Tromsø."},
    {"role": "assistant", "content": "Nice to meet you, Zorblax."},
]


def _as_input(items: list) -> list[dict]:
    """Output items as the next request's input, unchanged (what the docs tell clients)."""
    return [item.model_dump(exclude_none=True) for item in items]


def test_compact_then_continue_from_the_compaction(emu, client):
    compacted = client.responses.compact(model="grok-4.3", input=CONVERSATION)
    assert compacted.object == "response.compaction" and compacted.id.startswith("cmp_")
    [item] = compacted.output
    assert item.type == "compaction" and item.encrypted_content
    usage = compacted.usage
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0
    # xAI's extra usage fields reach the SDK object.
    assert usage.model_extra["dropped_message_count"] == 2
    assert emu.billed["ticks"] == usage.model_extra["cost_in_usd_ticks"] > 0
    answer = client.responses.create(
        model="grok-4.3",
        input=[*_as_input(compacted.output), {"role": "user", "content": "What is my name?"}],
    )
    assert answer.output_text == "Your name is Zorblax."


def test_a_compaction_for_another_model_is_a_bad_request(client):
    compacted = client.responses.compact(model="grok-4.3", input=CONVERSATION)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(
            model="grok-4.6",
            input=[*_as_input(compacted.output), {"role": "user", "content": "Hi"}],
        )
    # xAI's error shape, {"code", "error"}, which the SDK keeps as the response body.
    assert "made for model grok-4.3" in caught.value.response.json()["error"]


async def test_async_compact(aclient):
    compacted = await aclient.responses.compact(model="grok-4.3", input=CONVERSATION)
    answer = await aclient.responses.create(
        model="grok-4.3",
        input=[*_as_input(compacted.output), {"role": "user", "content": "What is my name?"}],
    )
    assert answer.output_text == "Your name is Zorblax."


def test_input_items_list_and_auto_paging(client):
    items = [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "three"},
    ]
    response = client.responses.create(model="grok-4.3", input=items)
    page = client.responses.input_items.list(response.id, limit=2, order="asc")
    assert page.has_more is True and len(page.data) == 2
    assert page.data[0].type == "message" and page.data[0].content[0].text == "one"
    # The SDK follows ``after`` page by page.
    every = client.responses.input_items.list(response.id, limit=1, order="asc")
    assert [i.content[0].text for i in every] == ["one", "two", "three"]
    newest_first = client.responses.input_items.list(response.id)
    assert [i.content[0].text for i in newest_first.data] == ["three", "two", "one"]


def test_input_items_of_an_unknown_response_is_not_found(client):
    with pytest.raises(openai.NotFoundError):
        client.responses.input_items.list("no-such-response")


def test_inline_file_data_through_the_sdk(client):
    fact = "The Zephyr-9 turbine produces 42 kilowatts at sea level."
    response = client.responses.create(
        model="grok-4.3",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "How many kilowatts does the turbine make?"},
                    {
                        "type": "input_file",
                        "filename": "fact.txt",
                        "file_data": base64.b64encode(fact.encode()).decode(),
                    },
                ],
            }
        ],
    )
    assert fact in response.output_text


def test_files_upload_with_expires_after(client):
    uploaded = client.files.create(
        file=("note.txt", b"hello"),
        purpose="assistants",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert uploaded.expires_at == uploaded.created_at + 3600
    with pytest.raises(openai.BadRequestError):
        client.files.create(
            file=("note.txt", b"hello"),
            purpose="assistants",
            expires_after={"anchor": "created_at", "seconds": 60},
        )


def test_web_search_items_and_citations_parse(client):
    response = client.responses.create(
        model="grok-4.3",
        input="When did Starship reach orbit? What is new in the Rust 2026 edition?",
        tools=[{"type": "web_search"}],
    )
    searches = [o for o in response.output if o.type == "web_search_call"]
    assert len(searches) == 2
    assert all(s.action.sources and s.action.sources[0].type == "url" for s in searches)
    message = next(o for o in response.output if o.type == "message")
    citation = message.content[0].annotations[0]
    assert citation.type == "url_citation" and citation.title == citation.url
    assert (citation.start_index, citation.end_index) == (0, 0)
