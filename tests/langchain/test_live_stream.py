"""Streams show thinking and server-side tool activity as it happens (issue 23, item 17).

A user streams with ``output_version="v1"`` to show "thinking…" and "searching X…"
lines live. The reasoning and the tool blocks must arrive while the model works, not in
the last chunk after the whole answer, and the chunks must add up to what ``invoke()``
returns, in the same order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from langchain_grok import ChatGrok
from tests.langchain.chunks import joined

pytestmark = pytest.mark.enable_socket

MODEL = "grok-4.3"
KEY = "xai-test-key-1234567890"
QUESTION = "What did xAI announce about Voyager?"


@pytest.fixture
def post_url(emu) -> str:
    return emu.add_post("xai", "xAI announced Grok Voyager, a telescope model", "2026-11-25")


def _model(emu, tool: dict[str, Any], **fields: Any) -> Any:
    llm = ChatGrok(model=MODEL, base_url=emu.base_url, api_key=KEY, reasoning_effort="high",
                   **fields)  # fmt: skip
    return llm.bind_tools([tool])


def _blocks(chunk: Any) -> list[dict[str, Any]]:
    return (
        [b for b in chunk.content if isinstance(b, dict)] if isinstance(chunk.content, list) else []
    )


def _first(chunks: list[Any], wanted: Any) -> int:
    """The position of the first chunk holding a block for which ``wanted(block)``."""
    return next(i for i, c in enumerate(chunks) if any(wanted(b) for b in _blocks(c)))


def _of(kind: str) -> Any:
    return lambda block: block["type"] == kind


def _text(block: dict[str, Any]) -> bool:
    return block["type"] == "text" and bool(block.get("text"))


def _comparable(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks without the stream's merge ``index`` and the per-response call ids."""
    return [
        {k: v for k, v in b.items() if k not in ("index", "id", "tool_call_id")} for b in content
    ]


def test_v1_stream_shows_thinking_and_searching_while_the_model_works(emu, post_url):
    llm = _model(emu, {"type": "x_search"}, output_version="v1")
    chunks = list(llm.stream(QUESTION))
    thinking = [i for i, c in enumerate(chunks) if any(_of("reasoning")(b) for b in _blocks(c))]
    text = [i for i, c in enumerate(chunks) if any(_text(b) for b in _blocks(c))]
    assert len(thinking) > 1  # delta by delta, not one block at the end
    searching = _first(chunks, lambda b: b["type"] == "server_tool_call" and "query" in b["args"])
    result = _first(chunks, _of("server_tool_result"))
    # thinking, then "searching <query>", then the search's result, then the answer
    assert thinking[0] < _first(chunks, _of("server_tool_call")) <= searching < result < text[0]
    assert thinking[-1] < text[0]
    assert not [b for b in _blocks(chunks[-1]) if b["type"] != "text"]  # nothing held back

    streamed = joined(chunks)
    answered = llm.invoke(QUESTION)
    assert [b["type"] for b in streamed.content] == [b["type"] for b in answered.content] == [
        "reasoning", "server_tool_call", "server_tool_result", "text"]  # fmt: skip
    assert _comparable(streamed.content) == _comparable(answered.content)
    call, done = streamed.content[1], streamed.content[2]
    assert done["tool_call_id"] == call["id"] and call["extras"]["status"] == "completed"


def test_v1_stream_of_a_tool_born_finished_adds_up_to_invoke(emu):
    # A code_interpreter item arrives whole in its ``added`` event (the recorded 2025 shape).
    llm = _model(emu, {"type": "code_interpreter"}, output_version="v1")
    prompt = "Run this:\n```python\nprint(6 * 7)\n```"
    chunks = list(llm.stream(prompt))
    assert _first(chunks, _of("server_tool_call")) < _first(chunks, _text)
    assert _first(chunks, _of("server_tool_result")) < _first(chunks, _text)
    assert _comparable(joined(chunks).content) == _comparable(llm.invoke(prompt).content)


def test_v0_stream_sends_reasoning_as_it_is_generated(emu, post_url):
    llm = _model(emu, {"type": "x_search"})
    chunks = list(llm.stream(QUESTION))
    thinking = [i for i, c in enumerate(chunks) if c.additional_kwargs.get("reasoning_content")]
    first_text = next(i for i, c in enumerate(chunks) if c.content)
    assert len(thinking) > 1 and thinking[-1] < first_text
    reasoning = llm.invoke(QUESTION).additional_kwargs["reasoning_content"]
    assert joined(chunks).additional_kwargs["reasoning_content"] == reasoning


def test_v1_async_stream_has_the_same_order(emu, post_url):
    llm = _model(emu, {"type": "x_search"}, output_version="v1")

    async def collect() -> list[Any]:
        return [chunk async for chunk in llm.astream(QUESTION)]

    chunks = asyncio.run(collect())
    assert _first(chunks, _of("reasoning")) < _first(chunks, _of("server_tool_result"))
    assert _first(chunks, _of("server_tool_result")) < _first(chunks, _text)
    assert _comparable(joined(chunks).content) == _comparable(llm.invoke(QUESTION).content)
