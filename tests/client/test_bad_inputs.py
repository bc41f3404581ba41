"""Issue 22 item 8: bad input to a public method is a typed error that says what to change,
raised before anything is sent (the emulator records every request it gets).

Before: ``mcp(allowed_tools="add")`` became ``['a', 'd', 'd']``; a surrogate in an upload's
file name was a ``UnicodeEncodeError``; ``metadata="x"`` went out (and came back a 500);
``generate_images(n=0)`` and ``tokenize(5)`` cost a round trip for the server's 400/422;
``deadline=-1`` and ``wait_deferred(poll_interval=-1)`` were bare ``ValueError`` s.
"""

from __future__ import annotations

import math

import pytest

from grok_jupyter.client import (
    AsyncGrokClient,
    GrokClient,
    GrokError,
    InvalidRequestError,
    code_interpreter,
    mcp,
    web_search,
    x_search,
)
from tests.conftest import TEST_API_KEY

HI = [{"role": "user", "content": "hi"}]
NAN = math.nan

# name -> (call on a client, words the message must hold)
CASES = {
    # chat
    "chat: no messages": (lambda c: c.chat([]), ["at least one message"]),
    "chat: NaN temperature": (lambda c: c.chat(HI, temperature=NAN), ["temperature", "finite"]),
    "chat: temperature 'hot'": (lambda c: c.chat(HI, temperature="hot"), ["temperature"]),
    "chat: negative max_tokens": (lambda c: c.chat(HI, max_tokens=-1), ["max_tokens", ">= 1"]),
    "chat: huge max_tokens": (lambda c: c.chat(HI, max_tokens=10**30), ["context window"]),
    "chat: n=0": (lambda c: c.chat(HI, n=0), ["n=0"]),
    "chat: unknown role": (lambda c: c.chat([{"role": "wizard", "content": "x"}]), ["role"]),
    "chat: content 5": (lambda c: c.chat([{"role": "user", "content": 5}]), ["content"]),
    "chat: lone surrogate": (lambda c: c.chat("\ud800 hi"), ["surrogate"]),
    "chat: model 5": (lambda c: c.chat(HI, model=5), ["model"]),
    "chat: deadline -1": (lambda c: c.chat(HI, deadline=-1), ["deadline", "> 0"]),
    "chat: deadline NaN": (lambda c: c.chat(HI, deadline=NAN), ["deadline", "finite"]),
    "chat: deadline 'soon'": (lambda c: c.chat(HI, deadline="soon"), ["deadline"]),
    "chat: headers a string": (lambda c: c.chat(HI, headers="x"), ["headers", "dict"]),
    "chat: header with CRLF": (
        lambda c: c.chat(HI, headers={"X-A": "1\r\nX-B: 2"}), ["line break"]),
    "chat: conv_id ''": (lambda c: c.chat(HI, conv_id=""), ["conv_id"]),
    "stream: no messages": (lambda c: c.stream([]), ["at least one message"]),
    "deferred: no messages": (lambda c: c.submit_deferred([]), ["at least one message"]),
    "deferred: negative poll": (
        lambda c: c.wait_deferred("abc", poll_interval=-1), ["poll_interval", ">= 0"]),
    "deferred: NaN timeout": (lambda c: c.wait_deferred("abc", timeout=NAN), ["timeout"]),
    # responses
    "responses: metadata a string": (
        lambda c: c.responses.create(input="hi", metadata="x"), ["metadata", "dict"]),
    "responses: metadata a list": (
        lambda c: c.responses.create(input="hi", metadata=[1, 2]), ["metadata", "dict"]),
    "responses: metadata int keys": (
        lambda c: c.responses.create(input="hi", metadata={1: "a"}), ["metadata keys"]),
    "responses: model not a string": (
        lambda c: c.responses.create(input="hi", model=5), ["model", "string"]),
    "responses: tools a dict": (
        lambda c: c.responses.create(input="hi", tools={"type": "web_search"}),
        ["tools", "list"]),
    "responses: max_output_tokens 0": (
        lambda c: c.responses.create(input="hi", max_output_tokens=0), ["max_output_tokens"]),
    "responses: stream metadata": (
        lambda c: c.responses.stream(input="hi", metadata="x"), ["metadata"]),
    "responses: empty input": (lambda c: c.responses.create(input=[]), ["input"]),
    "responses: surrogate input": (lambda c: c.responses.create(input="\udfff"), ["surrogate"]),
    "responses: NaN top_p": (lambda c: c.responses.create(input="hi", top_p=NAN), ["top_p"]),
    "responses: tools a string": (
        lambda c: c.responses.create(input="hi", tools="web_search"), ["tool"]),
    # tokenizer and images
    "tokenize: 5": (lambda c: c.tokenize(5), ["text", "string"]),
    "count_tokens: None": (lambda c: c.count_tokens(None), ["text", "string"]),
    "count_tokens: surrogate": (lambda c: c.count_tokens("\ud800"), ["surrogate"]),
    "tokenize: model 5": (lambda c: c.tokenize("hi", model=5), ["model"]),
    "images: n=0": (lambda c: c.generate_images("a cat", n=0), ["n=0", "1 to 10"]),
    "images: n=-1": (lambda c: c.generate_images("a cat", n=-1), ["1 to 10"]),
    "images: n=1000": (lambda c: c.generate_images("a cat", n=1000), ["1 to 10"]),
    "images: n=2.0": (lambda c: c.generate_images("a cat", n=2.0), ["integer"]),
    "images: n=True": (lambda c: c.generate_images("a cat", n=True), ["integer"]),
    "images: prompt None": (lambda c: c.generate_images(None), ["prompt", "string"]),
    "images: response_format gif": (
        lambda c: c.generate_images("a cat", response_format="gif"), ["b64_json"]),
    "images: model 5": (lambda c: c.generate_images("a cat", model=5), ["model"]),
    # files
    "upload: surrogate file name": (
        lambda c: c.files.upload(b"hello", filename="\ud800.txt"), ["filename", "surrogate"]),
    "upload: file name 5": (lambda c: c.files.upload(b"hello", filename=5), ["filename"]),
    "upload: CRLF in file name": (
        lambda c: c.files.upload(b"hi", filename="a\r\nX: 1.txt"), ["control character"]),
    "upload: purpose 5": (
        lambda c: c.files.upload(b"hi", filename="a.txt", purpose=5), ["purpose"]),
    "upload: an int": (lambda c: c.files.upload(12345), ["path, bytes"]),
    "upload: binary junk": (
        lambda c: c.files.upload(b"\x00\x01\x02" * 10, filename="x.bin"), ["does not read"]),
    "files.list: limit 0": (lambda c: c.files.list(limit=0), ["limit"]),
    "files.list: limit -5": (lambda c: c.files.list(limit=-5), ["limit"]),
    "files.list: token 5": (lambda c: c.files.list(pagination_token=5), ["pagination_token"]),
    # batches
    "batches.create: name 5": (lambda c: c.batches.create(5), ["name"]),
    "batches.add_requests: a string": (
        lambda c: c.batches.add_requests("batch_x", "req"), ["list"]),
    "batches.add_requests: no id": (
        lambda c: c.batches.add_requests("batch_x", [{"batch_request": {"x": 1}}]),
        ["batch_request_id"]),
    "batches.chat_request: no messages": (
        lambda c: c.batches.chat_request("r1", []), ["at least one message"]),
    "batches.results: limit -1": (lambda c: c.batches.results("batch_x", limit=-1), ["limit"]),
    "batches.wait: negative poll": (
        lambda c: c.batches.wait("batch_x", poll_interval=-1), ["poll_interval"]),
    "batches.wait: inf timeout": (
        lambda c: c.batches.wait("batch_x", timeout=math.inf), ["timeout", "finite"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_typed_before_sending(client, emu, case):
    call, words = CASES[case]
    with pytest.raises(InvalidRequestError) as err:
        call(client)
    message = str(err.value)
    for word in words:
        assert word in message, message
    assert isinstance(err.value, GrokError) and TEST_API_KEY not in message
    assert emu.requests == []


# Server-side tool builders: nothing is sent by them at all; each must be typed.
TOOL_CASES = {
    "mcp: allowed_tools 5": (lambda: mcp("https://x.example/mcp", allowed_tools=5),
                             ["allowed_tools"]),
    "mcp: allowed_tools ['']": (lambda: mcp("https://x.example/mcp", allowed_tools=[""]),
                                ["allowed_tools"]),
    "mcp: headers a string": (lambda: mcp("https://x.example/mcp", headers="x"), ["headers"]),
    "mcp: header value 5": (lambda: mcp("https://x.example/mcp", headers={"a": 5}),
                            ["headers"]),
    "mcp: label 5": (lambda: mcp("https://x.example/mcp", server_label=5), ["server_label"]),
    "mcp: url 5": (lambda: mcp(5), ["server_url"]),
    "mcp: ftp url": (lambda: mcp("ftp://x.example/mcp"), ["http"]),
    "web_search: domains 5": (lambda: web_search(allowed_domains=5), ["allowed_domains"]),
    "x_search: bad date": (lambda: x_search(from_date="yesterday"), ["YYYY-MM-DD"]),
    "x_search: backwards": (lambda: x_search(from_date="2026-02-01", to_date="2026-01-01"),
                            ["swap"]),
}


@pytest.mark.parametrize("case", list(TOOL_CASES))
def test_bad_tool_arguments_are_typed(case):
    build, words = TOOL_CASES[case]
    with pytest.raises(InvalidRequestError) as err:
        build()
    for word in words:
        assert word in str(err.value), str(err.value)


def test_one_allowed_tool_name_is_one_tool_not_its_letters():
    assert mcp("https://x.example/mcp", allowed_tools="add")["allowed_tools"] == ["add"]
    assert mcp("https://x.example/mcp", allowed_tools=("add", "sub"))["allowed_tools"] == [
        "add", "sub"
    ]
    assert code_interpreter() == {"type": "code_interpreter"}


# Constructor arguments: refused when the client is made, not at its first request.
CLIENT_CASES = {
    "base_url 5": (dict(base_url=5), ["base_url"]),
    "base_url ftp://": (dict(base_url="ftp://x.example/v1"), ["https://"]),
    "base_url without a scheme": (dict(base_url="api.x.ai/v1"), ["https://"]),
    "timeout 'x'": (dict(timeout="x"), ["timeout"]),
    "timeout -1": (dict(timeout=-1), ["timeout"]),
    "max_retries -1": (dict(max_retries=-1), ["max_retries"]),
    "max_retries '3'": (dict(max_retries="3"), ["max_retries"]),
    "max_retry_wait NaN": (dict(max_retry_wait=NAN), ["max_retry_wait"]),
    "deadline 0": (dict(deadline=0), ["deadline"]),
    "retry_backoff -1": (dict(retry_backoff=-1), ["retry_backoff"]),
    "default_headers a list": (dict(default_headers=[1]), ["default_headers"]),
    "api_key 12345": (dict(api_key=12345), ["api_key", "int"]),
}


@pytest.mark.parametrize("case", list(CLIENT_CASES))
@pytest.mark.parametrize("cls", [GrokClient, AsyncGrokClient])
def test_bad_client_settings_are_refused_when_made(case, cls):
    kwargs, words = CLIENT_CASES[case]
    kwargs = {"api_key": TEST_API_KEY, **kwargs}
    with pytest.raises(InvalidRequestError) as err:
        cls(**kwargs)
    for word in words:
        assert word in str(err.value), str(err.value)
    assert "12345" not in str(err.value)  # a key passed as the wrong type is not shown


def test_good_metadata_and_filenames_still_go(client, emu):
    response = client.responses.create(input="hi", metadata={"project": "q3"})
    assert response.output_text
    assert emu.requests[-1].body["metadata"] == {"project": "q3"}
    stored = client.files.upload(b"notes", filename="caf\u00e9 notes.txt")
    assert stored.filename == "caf\u00e9 notes.txt"
