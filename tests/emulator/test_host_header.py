"""DNS rebinding: a request whose Host is not the emulator's gets 421, and nothing runs."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from tests.emulator.emulator_helpers import KEY


def post_with_host(base_url: str, host: str) -> tuple[int, bytes]:
    url = urlsplit(base_url)
    body = json.dumps({"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]})
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.encode() + body.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header, _, payload = data.partition(b"\r\n\r\n")
    return int(header.split()[1]), payload


def test_a_foreign_host_gets_421_and_nothing_is_billed(emu):
    status, payload = post_with_host(emu.base_url, "evil.example")
    assert status == 421 and "Host" in json.loads(payload)["error"]
    assert emu.requests == [] and not any(emu.billed.values())


def test_the_bound_address_and_localhost_are_served(emu):
    port = urlsplit(emu.base_url).port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        assert post_with_host(emu.base_url, host)[0] == 200
    assert post_with_host(emu.base_url, f"localhost:{port + 1}")[0] == 421


def test_allowed_hosts_adds_a_name():
    from grok_jupyter.emulator import serve

    with serve(allowed_hosts=["emulator.internal:8080"], quiet=True) as emu:
        assert post_with_host(emu.base_url, "emulator.internal:8080")[0] == 200
        assert post_with_host(emu.base_url, "evil.example")[0] == 421
