"""Typed errors, retries and every fault the emulator can inject, sync and async."""

from __future__ import annotations

import logging

import pytest

from grok_jupyter.client import (
    AnswerLostError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    GoneError,
    GrokError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    StreamInterruptedError,
    UnknownModelWarning,
    UnprocessableEntityError,
)
from tests.client.conftest import fault

# --- each typed error from the emulator -------------------------------------


@pytest.mark.parametrize(
    ("spec", "cls", "status"),
    [
        ("rate_limit;retry_after=0.01", RateLimitError, 429),
        ("server_error", InternalServerError, 500),
        ("bad_gateway", InternalServerError, 502),
        ("unavailable", ServiceUnavailableError, 503),
        ("json_error_200", ServiceUnavailableError, 200),
    ],
)
def test_retryable_status_errors_are_retried_then_typed(client, emu, spec, cls, status):
    with pytest.raises(cls) as err:
        client.chat("hi", headers=fault(spec))
    e = err.value
    assert isinstance(e, APIStatusError) and isinstance(e, GrokError)
    assert e.status_code == status and e.message
    assert e.code or status == 502  # a proxy's HTML 502 has no gRPC code
    assert len(emu.chat_requests) == 1 + client.max_retries


def test_rate_limit_carries_retry_after(client):
    with pytest.raises(RateLimitError) as err:
        client.chat("hi", headers=fault("rate_limit;retry_after=0.02"))
    assert err.value.retry_after == pytest.approx(0.02)
    assert err.value.code == "Some resource has been exhausted"


def test_a_retry_after_too_long_is_not_waited_for(client, emu):
    emu.inject("rate_limit", retry_after=300)
    with pytest.raises(RateLimitError) as err:
        client.chat("hi")
    assert err.value.retry_after == 300
    assert len(emu.chat_requests) == 1


def test_transient_faults_recover_within_the_retry_budget(client, emu):
    emu.inject("rate_limit", times=1, retry_after=0.01)
    emu.inject("unavailable", times=1)
    r = client.chat('Say "recovered"')
    assert "recovered" in r.text
    assert len(emu.chat_requests) == 3


def test_max_retries_zero_sends_once(make_client, emu):
    c = make_client(max_retries=0)
    with pytest.raises(InternalServerError):
        c.chat("hi", headers=fault("server_error"))
    assert len(emu.chat_requests) == 1


def test_a_post_dropped_after_sending_is_not_resent_but_a_get_is(client, emu):
    # The server got the chat, then the connection dropped: the client cannot tell
    # whether the model answered (and billed), so the POST is not sent again (issue 21).
    with pytest.raises(AnswerLostError, match="may have done the work and billed it") as err:
        client.chat("hi", headers=fault("disconnect"))
    assert err.value.request_sent and not isinstance(err.value, APITimeoutError)
    assert len(emu.chat_requests) == 1
    emu.reset()
    emu.inject("disconnect")  # a GET is safe to repeat
    assert client.models()
    assert [r.path for r in emu.requests] == ["/v1/models", "/v1/models"]


def test_connection_refused(make_client):
    from grok_jupyter.client import GrokClient

    with GrokClient(
        api_key="xai-unused-key-0000",
        base_url="http://127.0.0.1:9/v1",
        max_retries=1,
        retry_backoff=0.01,
    ) as c:
        with pytest.raises(APIConnectionError, match=r"127\.0\.0\.1:9"):
            c.models()


def test_bad_key_is_an_authentication_error_not_a_bad_request(make_client, emu):
    c = make_client(api_key="not-an-xai-key-123456")
    with pytest.raises(AuthenticationError) as err:
        c.chat("hi")
    e = err.value
    assert e.status_code == 400 and "Incorrect API key" in e.message
    assert "not-an-xai-key-123456" not in str(e) and "not-an-xai-key-123456" not in repr(e.body)
    assert len(emu.chat_requests) == 1  # not retried


def test_missing_authorization_is_401(client):
    with pytest.raises(AuthenticationError) as err:
        client.models.__self__.chat("hi", headers={"Authorization": ""})
    assert err.value.status_code == 401


def test_gone_for_live_search(client, emu):
    with pytest.raises(GoneError, match="Live search is deprecated") as err:
        client.chat("hi", search_parameters={"mode": "on"})
    assert err.value.status_code == 410
    assert len(emu.chat_requests) == 1


def test_not_found_for_a_retired_model(client):
    with pytest.warns(UnknownModelWarning, match="retired"):
        with pytest.raises(NotFoundError, match="does not exist") as err:
            client.chat("hi", model="grok-beta")
    assert err.value.code == "Some requested entity was not found"


def test_unprocessable_and_bad_request_on_images(client):
    # A field of the wrong JSON type, sent as given, gets the server's 422 (a missing
    # prompt, the old trigger, is now refused before sending: test_bad_inputs.py).
    with pytest.raises(UnprocessableEntityError, match="instructions") as err:
        client.responses.create(input="hi", instructions=5)
    assert err.value.status_code == 422
    with pytest.raises(BadRequestError, match="size"):
        client.generate_images("a cat", size="1024x1024")


def test_the_server_rejecting_a_parameter_the_catalogue_allows(make_client):
    # presence_penalty on grok-4.3 is [U] (xai-api-2026.md §4.3): sent, and the 400 typed.
    c = make_client()
    with pytest.raises(BadRequestError, match=r"(?i)presence|does not support"):
        c.chat("hi", model="grok-4.3", presence_penalty=0.5)


# --- timeouts -----------------------------------------------------------------


def test_read_timeout_on_chat_is_not_retried(make_client, emu):
    c = make_client(timeout=0.2)
    with pytest.raises(APITimeoutError, match="Timed out"):
        c.chat("hi", headers=fault("slow_first_byte;delay=1"))
    assert len(emu.chat_requests) == 1  # the model may still be answering (and billing)


def test_read_timeout_on_a_get_is_retried(make_client, emu):
    c = make_client(timeout=0.2)
    emu.inject("slow_first_byte", delay=1)
    assert c.models()
    assert [r.path for r in emu.requests] == ["/v1/models", "/v1/models"]


def test_stream_slow_first_byte_times_out(make_client, emu):
    c = make_client(timeout=0.2)
    with pytest.raises(APITimeoutError):
        s = c.stream("hi", headers=fault("slow_first_byte;delay=1"))
        list(s)
    assert len(emu.chat_requests) == 1


def test_a_slow_first_byte_within_the_timeout_is_fine(make_client):
    c = make_client(timeout=5)
    assert "ok" in c.chat('Say "ok"', headers=fault("slow_first_byte;delay=0.05")).text


# --- streams -----------------------------------------------------------------


def test_stream_errors_before_the_first_chunk_are_retried(client, emu):
    emu.inject("rate_limit", retry_after=0.01)
    emu.inject("json_error_200")
    s = client.stream('Say "fine"')
    assert "fine" in s.final().text
    assert len(emu.chat_requests) == 3


def test_stream_json_error_200_is_typed(client, emu):
    with pytest.raises(ServiceUnavailableError, match="first token") as err:
        client.stream("hi", headers=fault("json_error_200"))
    assert err.value.status_code == 200
    assert len(emu.chat_requests) == 3


def test_cut_stream_keeps_the_partial_and_is_not_retried(client, emu):
    # after grok-4.3's reasoning_content chunks (18 for this prompt), into the answer
    s = client.stream("Write 50 words about rivers.", headers=fault("cut;after_chunks=22"))
    seen = []
    with pytest.raises(StreamInterruptedError) as err:
        for chunk in s:
            seen.append(chunk.text)
    partial = err.value.partial
    assert partial.content == "".join(seen) and partial.content
    assert partial.finish_reason is None
    assert len(emu.chat_requests) == 1


def test_malformed_event_raises_with_partial(client, emu):
    # after grok-4.3's reasoning_content chunks (18 for this prompt), into the answer
    s = client.stream("Write 50 words about rivers.", headers=fault("malformed;after_chunks=21"))
    with pytest.raises(StreamInterruptedError, match="malformed") as err:
        s.final()
    assert err.value.partial.chunks == 21 and err.value.partial.content
    assert len(emu.chat_requests) == 1


def test_keepalive_empty_deltas_are_tolerated(client):
    s = client.stream('Say "awake"', headers=fault("keepalive;count=5"))
    chunks = list(s)
    empties = [c for c in chunks[:5] if c.choices and not c.choices[0].delta.content]
    assert len(empties) == 5
    assert "awake" in s.accumulator.content
    assert s.ttft_s is not None


# --- async mirrors ------------------------------------------------------------


async def test_async_retries_and_typed_errors(aclient, emu):
    with pytest.raises(RateLimitError):
        await aclient.chat("hi", headers=fault("rate_limit;retry_after=0.01"))
    assert len(emu.chat_requests) == 3
    emu.reset()
    emu.inject("server_error")
    assert (await aclient.chat("hi")).text
    assert len(emu.chat_requests) == 2
    with pytest.raises(GoneError):
        await aclient.chat("hi", search_parameters={"mode": "on"})


async def test_async_cut_stream_keeps_partial(aclient, emu):
    with pytest.raises(StreamInterruptedError) as err:
        # after grok-4.3's reasoning_content chunks (16 for this prompt), into the answer
        async for _ in aclient.stream("Write 50 words.", headers=fault("cut;after_chunks=19")):
            pass
    assert err.value.partial.content
    assert len(emu.chat_requests) == 1


async def test_async_malformed_and_json_error_200(aclient, emu):
    with pytest.raises(StreamInterruptedError, match="malformed"):
        await aclient.stream("Write 50 words.", headers=fault("malformed;after_chunks=2")).final()
    with pytest.raises(ServiceUnavailableError):
        await aclient.stream("hi", headers=fault("json_error_200"))


async def test_async_timeout_and_disconnect(emu, api_key):
    from grok_jupyter.client import AsyncGrokClient

    async with AsyncGrokClient(
        api_key=api_key, base_url=emu.base_url, timeout=0.2, retry_backoff=0.01
    ) as c:
        with pytest.raises(APITimeoutError):
            await c.chat("hi", headers=fault("slow_first_byte;delay=1"))
        assert len(emu.chat_requests) == 1
        with pytest.raises(AnswerLostError):
            await c.chat("hi", headers=fault("disconnect"))
        assert len(emu.chat_requests) == 2  # sent once: it may have been billed


# --- the key never leaks ------------------------------------------------------


def test_key_is_never_logged_or_shown(make_client, emu, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    c = make_client()
    emu.inject("rate_limit", retry_after=0.01)
    c.chat("hi")
    list(c.stream("hi"))
    errors: list[BaseException] = []
    for spec in ("server_error", "cut;after_chunks=1", "json_error_200"):
        try:
            c.stream("hi", headers=fault(spec)).final()
        except GrokError as e:
            errors.append(e)
    try:
        make_client(api_key="bad-" + api_key).chat("hi")
    except GrokError as e:
        errors.append(e)
    assert len(errors) == 4
    assert any(
        "retry" in r.getMessage() for r in caplog.records if r.name.startswith("grok_jupyter")
    )
    shown = caplog.text + repr(c) + "".join(f"{e!s}{e!r}{getattr(e, 'body', '')}" for e in errors)
    assert api_key not in shown  # also covers "bad-" + api_key
