"""Malformed bodies on every POST route: never a 500, always an error in the API's shape."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from grok_jupyter.emulator._app import create_app
from grok_jupyter.emulator._state import EmulatorState
from tests.emulator.emulator_helpers import KEY

GARBAGE = [
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    "x",
    "",
    "\ud800",
    [],
    [1, 2],
    [None, {"a": [[]]}],
    {},
    {"type": 7},
    {"x": {"y": {"z": [1, "\udfff"]}}},
]
FIELDS = [
    "model", "messages", "input", "metadata", "tools", "tool_choice", "temperature",
    "top_p", "max_tokens", "max_output_tokens", "stream", "n", "stop", "response_format",
    "text", "reasoning", "previous_response_id", "store", "include", "instructions",
    "prompt", "text", "size", "requests", "name", "file_id", "user", "seed", "logprobs",
    "search_parameters", "stream_options", "parallel_tool_calls", "background",
]  # fmt: skip
BASE = {
    "model": "grok-4.3",
    "messages": [{"role": "user", "content": "hi"}],
    "input": "hi",
    "prompt": "hi",
    "text": "hi",
    "name": "b",
}
RAW_BODIES = [
    b"",
    b"not json",
    b"{",
    b"null",
    b"[]",
    b"1",
    b'"x"',
    b'{"model": NaN}',
    b'{"model": "grok-4.3", "temperature": Infinity}',
    b'{"model": "grok-4.3", "max_tokens": 1e999}',
    b'{"model": "grok-4.3", "input": "\\ud800"}',
    b'{"model": "grok-4.3", "messages": [{"role": "user", "content": "\\udfff"}]}',
    b'{"model": "grok-4.3", "input": "hi", "metadata": "x"}',
    b'{"model": "grok-4.3", "input": "hi", "metadata": [1, 2]}',
    b"[" * 200 + b"]" * 200,
    b'{"a":' * 150 + b"1" + b"}" * 150,
    b"\xff\xfe\x00garbage",
]


def post_paths() -> list[str]:
    paths = []
    for route in create_app(EmulatorState()).routes:
        if "POST" in (getattr(route, "methods", None) or ()) and route.path.startswith("/v1"):
            paths.append("/v1" + route.path.removeprefix("/v1").replace("{batch_id}", "batch_nope"))
    return sorted(set(paths))


def raw_post(base_url: str, path: str, body: bytes, ctype: str) -> tuple[int, str, bytes]:
    """One POST written in a single send (httpx's two writes cost 40 ms each here)."""
    url = urlsplit(base_url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header, _, payload = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers.get("content-type", ""), payload


def assert_api_error(reply: tuple[int, str, bytes], what: str) -> None:
    status, ctype, payload = reply
    shown = f"{what}: {status} {payload[:300]!r}"
    assert status < 500, shown
    if status < 400:
        return
    if ctype.startswith("application/json"):
        body = json.loads(payload)
        assert isinstance(body.get("error"), str) and body["error"], shown
    else:  # axum's own plain-text 400/422 for bodies it cannot parse or deserialize
        assert payload.startswith(b"Failed to "), shown


def test_post_routes_are_listed():
    assert {"/v1/chat/completions", "/v1/responses", "/v1/files"} <= set(post_paths())


@pytest.mark.parametrize("path", post_paths())
def test_malformed_bodies_never_get_a_500(emu, path):
    started = time.monotonic()
    for raw in RAW_BODIES:
        for ctype in ("application/json", "text/plain"):
            reply = raw_post(emu.base_url, path, raw, ctype)
            assert_api_error(reply, f"{path} {ctype} {raw[:60]!r}")
    for field in FIELDS:
        for value in GARBAGE:
            body = {**BASE, field: value}
            raw = json.dumps(body).encode()
            reply = raw_post(emu.base_url, path, raw, "application/json")
            assert_api_error(reply, f"{path} {field}={value!r}")
    assert time.monotonic() - started < 4
