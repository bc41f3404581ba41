"""Issue 11 items 4-6: plain http refused, the key out of frame locals, unsendable values."""

from __future__ import annotations

import asyncio
import math
import warnings
from types import TracebackType

import httpx2 as httpx
import pytest

from grok_jupyter.client import (
    APIConnectionError,
    AsyncGrokClient,
    GrokClient,
    InsecureBaseURLError,
    InvalidRequestError,
    InvalidValueError,
    UnknownParameterWarning,
    get_client,
    set_client,
)
from tests.conftest import TEST_API_KEY

# --- item 4: plain http:// to another machine ----------------------------------------


@pytest.mark.parametrize("url", ["http://api.example.com/v1", "http://10.0.0.5:8000/v1"])
def test_plain_http_to_another_machine_is_refused(url):
    with pytest.raises(InsecureBaseURLError) as err:
        GrokClient(api_key=TEST_API_KEY, base_url=url)
    text = str(err.value)
    assert "unencrypted" in text and "https://" in text and "allow_insecure_http=True" in text
    assert isinstance(err.value, InvalidRequestError)
    assert TEST_API_KEY not in text
    with pytest.raises(InsecureBaseURLError):
        AsyncGrokClient(api_key=TEST_API_KEY, base_url=url)


def test_plain_http_from_the_environment_is_refused_too(monkeypatch):
    monkeypatch.setenv("XAI_BASE_URL", "http://grok-proxy.internal/v1")
    set_client(None)
    try:
        with pytest.raises(InsecureBaseURLError):
            get_client()
    finally:
        set_client(None)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/v1", "http://localhost:9/v1", "http://[::1]:9/v1", "https://api.example.com/v1"],
)
def test_loopback_and_https_are_accepted(url):
    GrokClient(api_key=TEST_API_KEY, base_url=url).close()


def test_allow_insecure_http_opts_in():
    c = GrokClient(
        api_key=TEST_API_KEY, base_url="http://api.example.com/v1", allow_insecure_http=True
    )
    assert c.settings.allow_insecure_http and c.base_url == "http://api.example.com/v1"
    c.close()


# --- item 5: no frame of a failed send holds the key in clear --------------------------


def _frames(exc: BaseException):
    seen = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        tb: TracebackType | None = e.__traceback__
        while tb is not None:
            yield tb.tb_frame
            tb = tb.tb_next
        stack += [e.__cause__, e.__context__]


def assert_no_key_in_locals(exc: BaseException, key: str = TEST_API_KEY) -> None:
    frames = list(_frames(exc))
    assert frames
    for frame in frames:
        for name, value in frame.f_locals.items():
            shown = repr(value)
            assert key not in shown, f"{frame.f_code.co_name}: local {name!r} shows the key"


class _Exploding(httpx.BaseTransport):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(self.exc, httpx.WriteError):
            # What h11 holds while it writes a request: the raw bytes, Authorization included.
            wire = b"\r\n".join(k + b": " + v for k, v in request.headers.raw)
            assert TEST_API_KEY.encode() in wire
        raise self.exc


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.WriteError("broken pipe"), RuntimeError("a proxy bug")],
)
def test_an_error_inside_the_transport_leaves_no_key_in_frame_locals(exc):
    http = httpx.Client(transport=_Exploding(exc))
    client = GrokClient(api_key=TEST_API_KEY, base_url="https://api.x.ai/v1", http_client=http,
                        max_retries=0)  # fmt: skip
    with pytest.raises((APIConnectionError, RuntimeError)) as err:
        client.chat("hi")
    assert_no_key_in_locals(err.value)
    http.close()


def test_a_dropped_connection_leaves_no_key_in_frame_locals(emu):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as err:
            client.chat("hi", headers={"X-Emulator-Fault": "disconnect"})
    assert_no_key_in_locals(err.value)


def test_async_a_dropped_connection_leaves_no_key_in_frame_locals(emu):
    async def call() -> BaseException:
        async with AsyncGrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0) as c:
            try:
                await c.chat("hi", headers={"X-Emulator-Fault": "disconnect"})
            except APIConnectionError as exc:
                return exc
        raise AssertionError("no error")

    assert_no_key_in_locals(asyncio.run(call()))


def test_the_key_repr_is_masked_but_the_value_is_the_key():
    client = GrokClient(api_key=TEST_API_KEY)
    key = client.settings.api_key
    assert key == TEST_API_KEY and TEST_API_KEY not in repr(key)


# --- item 6: values no request may carry, refused before sending -----------------------


def _refused(client, emu, **kw) -> InvalidValueError:
    with pytest.raises(InvalidValueError) as err:
        client.chat(kw.pop("messages", "hi"), **kw)
    assert emu.requests == []  # nothing was sent, nothing was billed
    assert isinstance(err.value, InvalidRequestError) and isinstance(err.value, ValueError)
    return err.value


def test_a_lone_surrogate_in_a_message_is_refused_saying_where(client, emu):
    err = _refused(client, emu, messages=[{"role": "user", "content": "broken \ud83d here"}])
    assert err.parameter == "messages[0].content"
    assert "lone surrogate" in err.message and "'\\ud83d'" in err.message


def test_a_lone_surrogate_in_a_tool_schema_is_refused(client, emu):
    tool = {"type": "function", "function": {"name": "f", "description": "x\udc80",
            "parameters": {"type": "object", "properties": {}}}}  # fmt: skip
    err = _refused(client, emu, tools=[tool])
    assert err.parameter == "tools[0].function.description"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_or_infinity_as_a_parameter_is_refused(client, emu, value):
    err = _refused(client, emu, temperature=value)
    assert err.parameter == "temperature" and "NaN or infinity" in err.message


def test_nan_deep_inside_the_request_is_refused(client, emu):
    inner = {"type": "object", "properties": {"x": {"type": "number", "maximum": math.nan}}}
    schema = {"type": "json_schema", "json_schema": {"name": "n", "schema": inner}}
    err = _refused(client, emu, response_format=schema)
    assert err.parameter == "response_format.json_schema.schema.properties.x.maximum"


def test_nan_in_an_image_request_is_refused(client, emu):
    with pytest.raises(InvalidValueError) as err:
        client.generate_images("a cat", quality=math.nan)
    assert err.value.parameter == "quality" and emu.requests == []


@pytest.mark.parametrize(
    ("param", "value", "allowed"),
    [
        ("temperature", 2.5, "from 0 to 2"),
        ("temperature", -0.1, "from 0 to 2"),
        ("top_p", 0, "above 0 to 1"),
        ("top_p", 1.5, "above 0 to 1"),
        ("max_tokens", 0, ">= 1"),
        ("max_completion_tokens", 0, ">= 1"),
        ("n", 0, ">= 1"),
    ],
)
def test_numbers_outside_the_apis_bounds_are_refused(client, emu, param, value, allowed):
    err = _refused(client, emu, **{param: value})
    assert err.parameter == param and allowed in err.message and "out of range" in err.message


def test_the_bounds_themselves_are_accepted(client, emu):
    client.chat("hi", temperature=0, top_p=1, max_tokens=1, n=1)
    client.chat("hi", temperature=2, top_p=0.01)
    assert len(emu.chat_requests) == 2


def test_an_unknown_keyword_is_sent_with_one_warning_naming_the_closest(client, emu):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.chat("hi", temprature=0.5)
    unknown = [w for w in caught if issubclass(w.category, UnknownParameterWarning)]
    assert len(unknown) == 1
    assert "'temprature'" in str(unknown[0].message) and "'temperature'" in str(unknown[0].message)
    assert unknown[0].filename == __file__  # points at the caller's line, not the library
    assert emu.chat_requests[0].body["temprature"] == 0.5  # sent as given


def test_known_keywords_raise_no_warning(client, emu):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownParameterWarning)
        client.chat("hi", temperature=0.5, seed=1, logit_bias={"1": 1}, user="u")
