"""Every fault the emulator can inject, as a ChatGrok user meets it.

The client underneath retries what is safe to retry (a request nothing of
which reached the caller) and raises typed errors for the rest; ChatGrok
must neither hide nor rewrap them, on either API (the ``api`` fixture runs
each test over /v1/responses, the default, and over chat completions).
"""

from __future__ import annotations

import pytest

from grok_jupyter.client import (
    AnswerLostError,
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
from tests.langchain.apis import only_on

pytestmark = pytest.mark.enable_socket

PROMPT = "Write 30 words about rivers."


@pytest.fixture
def llm(client, use_responses_api):
    # the conftest client: emulator, test key, 10 ms backoff
    return ChatGrok(client=client, use_responses_api=use_responses_api)


@pytest.mark.parametrize(
    ("fault", "params"),
    [
        ("rate_limit", {"retry_after": 0.01}),
        ("server_error", {}),
        ("unavailable", {}),
        ("bad_gateway", {}),
    ],
)
@pytest.mark.parametrize("streamed", [False, True])
def test_transient_faults_are_retried(emu, api, llm, fault, params, streamed):
    emu.inject(fault, **params)
    if streamed:
        text = "".join(c.content for c in llm.stream(PROMPT))
    else:
        text = llm.invoke(PROMPT).content
    assert len(text.split()) == 30
    assert len(only_on(emu, api)) == 2  # the failed attempt and the retry


@pytest.mark.parametrize(
    ("fault", "params", "error"),
    [
        ("rate_limit", {"retry_after": 0.01}, RateLimitError),
        ("server_error", {}, InternalServerError),
        ("unavailable", {}, ServiceUnavailableError),
    ],
)
def test_persistent_faults_end_in_a_typed_error(emu, api, llm, fault, params, error):
    emu.inject(fault, times=10, **params)
    with pytest.raises(error) as info:
        llm.invoke(PROMPT)
    assert len(only_on(emu, api)) == 3  # one try and the client's two retries
    if isinstance(info.value, APIStatusError):
        assert info.value.status_code in (429, 500, 503)


@pytest.mark.parametrize("fault", ["disconnect", "reset_after_work"])
def test_a_call_lost_after_sending_is_not_sent_again(emu, api, llm, fault):
    # The server may have done and billed the work (issue 21): one request, a typed error.
    emu.inject(fault, times=10)
    with pytest.raises(AnswerLostError, match="billed") as info:
        llm.invoke(PROMPT)
    assert isinstance(info.value, APIConnectionError)
    assert len(only_on(emu, api)) == 1


def test_error_in_a_200_body_is_an_error_not_an_answer(emu, llm):
    emu.inject("json_error_200", times=10)
    with pytest.raises(GrokError, match="first token"):
        llm.invoke(PROMPT)


def break_point(client, api: str) -> int:
    """The stream piece after which a fault leaves six pieces of text delivered.

    On /v1/responses the default model's reasoning summary and the set-up events come
    before any text, and on chat grok-4.3's ``reasoning_content`` chunks
    (xai-api-2026-09.md section 1), so the point is measured on an unbroken stream first.
    """
    if api == "chat":
        with client.stream(PROMPT) as chunks:
            pieces = [bool(c.choices and c.choices[0].delta.content) for c in chunks]
        return pieces.index(True) + 6
    with client.responses.stream(PROMPT) as events:
        kinds = [event.type for event in events]
    return kinds.index("response.output_text.delta") + 6


@pytest.mark.parametrize("fault", ["cut", "malformed"])
def test_broken_stream_keeps_the_text_already_delivered(emu, api, client, llm, fault):
    emu.inject(fault, after_chunks=break_point(client, api))
    before = len(only_on(emu, api))
    received = []
    with pytest.raises(StreamInterruptedError) as info:
        for chunk in llm.stream(PROMPT):
            received.append(chunk.content)
    text = "".join(received)
    assert text  # the caller got the words before the break, chunk by chunk
    assert len(received) >= 3
    partial = info.value.partial  # the client's accumulator: chat's or the Responses one
    assert text == (partial.content if api == "chat" else partial.text)
    assert len(text.split()) < 30
    assert len(only_on(emu, api)) == before + 1  # never retried once text reached the caller


async def test_broken_async_stream_keeps_the_text_already_delivered(
    emu, api, client, aclient, use_responses_api
):
    emu.inject("cut", after_chunks=break_point(client, api))
    before = len(only_on(emu, api))
    received = []
    llm = ChatGrok(client=aclient, use_responses_api=use_responses_api)
    with pytest.raises(StreamInterruptedError):
        async for chunk in llm.astream(PROMPT):
            received.append(chunk.content)
    assert "".join(received)
    assert len(only_on(emu, api)) == before + 1


def test_keepalive_chunks_change_nothing(emu, llm):
    plain = [c.content for c in llm.stream(PROMPT) if c.content]
    emu.inject("keepalive", count=5)
    with_keepalive = [c.content for c in llm.stream(PROMPT) if c.content]
    assert with_keepalive == plain


def test_slow_first_byte_within_timeout_is_fine(emu, llm):
    emu.inject("slow_first_byte", delay=0.2)
    assert len(llm.invoke(PROMPT).content.split()) == 30


def test_slow_first_byte_past_timeout_is_a_timeout(emu, use_responses_api):
    emu.inject("slow_first_byte", delay=2.0)
    llm = ChatGrok(timeout=0.3, max_retries=0, use_responses_api=use_responses_api)
    with pytest.raises(APITimeoutError):
        llm.invoke(PROMPT)
