"""Every fault the emulator can inject, as a ChatGrok user meets it.

The client underneath retries what is safe to retry (a request nothing of
which reached the caller) and raises typed errors for the rest; ChatGrok
must neither hide nor rewrap them.
"""

from __future__ import annotations

import pytest

from grok_jupyter.client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    GrokError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
    StreamInterruptedError,
)
from langchain_grok import ChatGrok

pytestmark = pytest.mark.enable_socket

PROMPT = "Write 30 words about rivers."


@pytest.fixture
def llm(client):
    # the conftest client: emulator, test key, 10 ms backoff
    return ChatGrok(client=client)


@pytest.mark.parametrize(
    ("fault", "params"),
    [
        ("rate_limit", {"retry_after": 0.01}),
        ("server_error", {}),
        ("unavailable", {}),
        ("bad_gateway", {}),
        ("disconnect", {}),
    ],
)
@pytest.mark.parametrize("streamed", [False, True])
def test_transient_faults_are_retried(emu, llm, fault, params, streamed):
    emu.inject(fault, **params)
    if streamed:
        text = "".join(c.content for c in llm.stream(PROMPT))
    else:
        text = llm.invoke(PROMPT).content
    assert len(text.split()) == 30
    assert len(emu.chat_requests) == 2  # the failed attempt and the retry


@pytest.mark.parametrize(
    ("fault", "params", "error"),
    [
        ("rate_limit", {"retry_after": 0.01}, RateLimitError),
        ("server_error", {}, InternalServerError),
        ("unavailable", {}, ServiceUnavailableError),
        ("disconnect", {}, APIConnectionError),
    ],
)
def test_persistent_faults_end_in_a_typed_error(emu, llm, fault, params, error):
    emu.inject(fault, times=10, **params)
    with pytest.raises(error) as info:
        llm.invoke(PROMPT)
    assert len(emu.chat_requests) == 3  # one try and the client's two retries
    if isinstance(info.value, APIStatusError):
        assert info.value.status_code in (429, 500, 503)


def test_error_in_a_200_body_is_an_error_not_an_answer(emu, llm):
    emu.inject("json_error_200", times=10)
    with pytest.raises(GrokError, match="first token"):
        llm.invoke(PROMPT)


@pytest.mark.parametrize("fault", ["cut", "malformed"])
def test_broken_stream_keeps_the_text_already_delivered(emu, llm, fault):
    emu.inject(fault, after_chunks=24)  # grok-4.3's 18 reasoning_content chunks, then text
    received = []
    with pytest.raises(StreamInterruptedError) as info:
        for chunk in llm.stream(PROMPT):
            received.append(chunk.content)
    text = "".join(received)
    assert text  # the caller got the words before the break, chunk by chunk
    assert len(received) >= 3
    assert text == info.value.partial.content
    assert len(text.split()) < 30
    assert len(emu.chat_requests) == 1  # never retried once text reached the caller


async def test_broken_async_stream_keeps_the_text_already_delivered(emu, aclient):
    emu.inject("cut", after_chunks=24)  # grok-4.3's 18 reasoning_content chunks, then text
    received = []
    with pytest.raises(StreamInterruptedError):
        async for chunk in ChatGrok(client=aclient).astream(PROMPT):
            received.append(chunk.content)
    assert "".join(received)
    assert len(emu.chat_requests) == 1


def test_keepalive_chunks_change_nothing(emu, llm):
    plain = [c.content for c in llm.stream(PROMPT) if c.content]
    emu.inject("keepalive", count=5)
    with_keepalive = [c.content for c in llm.stream(PROMPT) if c.content]
    assert with_keepalive == plain


def test_slow_first_byte_within_timeout_is_fine(emu, llm):
    emu.inject("slow_first_byte", delay=0.2)
    assert len(llm.invoke(PROMPT).content.split()) == 30


def test_slow_first_byte_past_timeout_is_a_timeout(emu):
    emu.inject("slow_first_byte", delay=2.0)
    llm = ChatGrok(timeout=0.3, max_retries=0)
    with pytest.raises(APITimeoutError):
        llm.invoke(PROMPT)
