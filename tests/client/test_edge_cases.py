"""Edge cases the emulator does not produce, on an injected ``httpx.MockTransport``."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx2 as httpx
import pytest

from grok_jupyter.client import (
    ChatCompletionChunk,
    GrokClient,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    StreamAccumulator,
    StreamInterruptedError,
    UsageLedger,
)
from grok_jupyter.client._errors import status_error
from grok_jupyter.client._streaming import SSEDecoder

KEY = "xai-edge-case-secret-key-42"


def chunk(delta: dict | None = None, **top) -> dict:
    body = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "grok-3"}
    body["choices"] = [] if delta is None else [{"index": 0, "delta": delta}]
    body.update(top)
    return body


def sse(*events: dict | str, done: bool = True) -> bytes:
    out = b""
    for e in events:
        out += e.encode() if isinstance(e, str) else b"data: " + json.dumps(e).encode() + b"\n\n"
    return out + (b"data: [DONE]\n\n" if done else b"")


def client_for(handler, **kw) -> GrokClient:
    kw.setdefault("ledger", UsageLedger())
    return GrokClient(
        api_key=KEY,
        base_url="https://grok.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        retry_backoff=0.001,
        **kw,
    )


def sse_response(body: bytes, chunk_size: int = 7) -> httpx.Response:
    # Deliver in small pieces so events straddle reads.
    pieces = [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=iter(pieces))


def test_sse_decoder_framing():
    d = SSEDecoder()
    raw = b': keep-alive\r\n\r\nevent: x\r\nid: 3\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata:[DONE]\n\n'
    events = [e for i in range(len(raw)) for e in d.feed(raw[i : i + 1])]
    assert events == [b'{"a":\n1}', b"[DONE]"]
    assert d.feed(b"data: tail") == [] and d.flush() == [b"tail"]


def test_comments_blank_events_and_crlf_are_ignored():
    body = sse(
        ": ping\n\n",
        "\n\n",
        chunk({"role": "assistant", "content": "Hel"}),
        "event: message\r\ndata: " + json.dumps(chunk({"content": "lo"})) + "\r\n\r\n",
        chunk({}, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
    )
    c = client_for(lambda r: sse_response(body))
    assert c.stream("hi").final().text == "Hello"


def test_openai_style_argument_fragments_are_merged():
    acc = StreamAccumulator()
    parts = [
        {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        {"tool_calls": [{"index": 1, "id": "call_2", "function": {"name": "get_time"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
        {"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]},
    ]  # fmt: skip
    for delta in parts:
        acc.add(ChatCompletionChunk.model_validate(chunk(delta)))
    calls = acc.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_1", "get_weather", '{"city": "Paris"}'),
        ("call_2", "get_time", "{}"),
    ]
    assert acc.message.to_wire()["tool_calls"][0] == {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }


def test_citations_usage_and_fingerprint_are_kept():
    usage = {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "cost_in_usd_ticks": 5000,
    }
    body = sse(
        chunk({"role": "assistant", "content": "Hi"}, system_fingerprint="fp_0123456789"),
        chunk({}, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}],
              citations=["https://a.test", "https://b.test"]),
        chunk(None, usage=usage),
    )  # fmt: skip
    ledger = UsageLedger()
    c = client_for(lambda r: sse_response(body), ledger=ledger)
    final = c.stream("hi").final()
    assert final.citations == ["https://a.test", "https://b.test"]
    assert final.system_fingerprint == "fp_0123456789"
    assert final.usage.total_tokens == 5
    (rec,) = ledger.records
    assert rec.cost_usd == pytest.approx(5000 / 1e10) and rec.completion_tokens == 2


def test_body_ending_without_done_or_finish_is_an_interruption():
    body = sse(chunk({"content": "half"}), done=False)
    c = client_for(lambda r: sse_response(body))
    with pytest.raises(StreamInterruptedError) as err:
        c.stream("hi").final()
    assert err.value.partial.content == "half"


def test_body_ending_without_done_after_finish_is_accepted():
    body = sse(
        chunk({"content": "whole"}),
        chunk({}, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        done=False,
    )
    assert client_for(lambda r: sse_response(body)).stream("hi").final().text == "whole"


def test_error_event_mid_stream():
    body = sse(chunk({"content": "a"}), {"code": "Internal error", "error": "boom"})
    c = client_for(lambda r: sse_response(body))
    with pytest.raises(StreamInterruptedError, match="boom") as err:
        c.stream("hi").final()
    assert err.value.partial.content == "a"


def test_non_sse_200_that_is_not_an_error_body():
    c = client_for(lambda r: httpx.Response(200, text="<html>portal login</html>"))
    with pytest.raises(Exception, match="Expected an event stream"):
        c.stream("hi")


def test_403_and_504_are_typed_and_only_504_is_retried():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            body = {
                "code": "The caller does not have permission to execute the specified operation",
                "error": "Your team has used all available credits.",
            }
            return httpx.Response(403, json=body)
        return httpx.Response(504, text="Gateway Timeout")

    c = client_for(handler)
    with pytest.raises(PermissionDeniedError, match="credits"):
        c.chat("hi")
    assert len(calls) == 1
    with pytest.raises(InternalServerError) as err:
        c.chat("hi")
    assert err.value.status_code == 504 and len(calls) == 4


def test_a_server_that_echoes_the_key_is_scrubbed():
    def handler(request):
        text = f"key {KEY} (also {quote(KEY, safe='')}) was rejected"
        return httpx.Response(429, json={"code": "x", "error": text}, headers={"retry-after": "0"})

    c = client_for(handler, max_retries=1)
    with pytest.raises(RateLimitError) as err:
        c.chat("hi")
    e = err.value
    shown = f"{e} {e!r} {e.body} {e.message}"
    assert KEY not in shown and quote(KEY, safe="") not in shown
    assert "[redacted]" in str(e)


def test_retry_after_date_and_ms_headers_and_backoff_bounds():
    from email.utils import formatdate

    from grok_jupyter.client._errors import parse_retry_after

    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    future = parse_retry_after(httpx.Headers({"retry-after": formatdate(usegmt=True)}))
    assert future is not None and 0 <= future <= 1
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    c = GrokClient(api_key=KEY, retry_backoff=0.5, retry_backoff_max=2.0)
    err = status_error(503, {"error": "x"})
    delays = [c._retry_delay(attempt, err) for attempt in range(6) for _ in range(20)]
    assert all(0 <= d <= 2.0 for d in delays)
    assert c._retry_delay(0, status_error(429, {"error": "x"}, retry_after=3.0)) == 3.0
    c.close()


def test_bad_key_400_is_authentication():
    from grok_jupyter.client import AuthenticationError

    err = status_error(400, {"code": "Client specified an invalid argument",
                             "error": "Incorrect API key provided: xa***42."})  # fmt: skip
    assert isinstance(err, AuthenticationError) and err.status_code == 400


def test_an_http_client_from_another_library_is_refused_with_what_to_pass():
    import httpx as httpx_028

    from grok_jupyter.client import AsyncGrokClient, GrokClient

    with httpx_028.Client() as other, pytest.raises(TypeError, match=r"httpx2\.Client"):
        GrokClient(api_key="xai-emulator-test-key", http_client=other)
    with pytest.raises(TypeError, match=r"httpx2\.AsyncClient"):
        AsyncGrokClient(api_key="xai-emulator-test-key", http_client=httpx.Client())


def _reference_sse_data(stream: bytes) -> list[bytes]:
    """A plain line-by-line reading of the SSE spec's data fields, to compare against."""
    text = stream.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    events, data = [], []
    for line in text.split(b"\n"):
        if not line:
            if data:
                events.append(b"\n".join(data))
                data = []
        elif line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(b" ") else value)
    if data:
        events.append(b"\n".join(data))
    return events


def test_the_sse_decoder_agrees_with_the_spec_however_the_bytes_are_split():
    import random

    from grok_jupyter.client._streaming import SSEDecoder

    rng = random.Random(7)
    fields = [b'data: {"a":1}', b"data:x", b": keep-alive", b"event: e", b"data: [DONE]", b"id: 3"]
    for _ in range(2000):
        events = []
        for _ in range(rng.randint(0, 6)):
            newline = rng.choice([b"\n", b"\r\n", b"\r"])
            lines = [rng.choice(fields) for _ in range(rng.randint(1, 3))]
            events.append(newline.join(lines) + newline + newline)
        stream = b"".join(events)
        decoder, got, i = SSEDecoder(), [], 0
        while i < len(stream):
            step = rng.randint(1, 12)
            got += decoder.feed(stream[i : i + step])
            i += step
        got += decoder.flush()
        assert got == _reference_sse_data(stream), stream
