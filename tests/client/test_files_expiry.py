"""``client.files.upload(..., expires_after=seconds)``: xai-api-2026-09.md §4.

The range [3600, 2592000] is checked before anything is sent; the field goes
out as a multipart field ahead of ``file`` (read back from ``ScriptedServer``'s
record of the real request). ``FileObject`` reads ``expires_at`` and the
public-link fields.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from grok_jupyter.client import AsyncGrokClient, FileObject, GrokClient, InvalidValueError
from tests.client.scripted_server import Reply, ScriptedServer
from tests.conftest import TEST_API_KEY

STORED = {
    "id": "file_5d0e7a3c-1b2f-4c6d-8e9f-0a1b2c3d4e5f", "object": "file", "bytes": 5,
    "created_at": 1787000000, "filename": "note.txt", "purpose": "",
    "expires_at": 1787003600, "public_url": None, "public_url_expires_at": None,
}  # fmt: skip


def _fields(body: bytes) -> list[str]:
    """The multipart field names, in the order they were sent."""
    return re.findall(rb'Content-Disposition: form-data; name="([^"]+)"', body)


@pytest.mark.parametrize("seconds", [3599, 2_592_001, 0, -3600, 3600.0, True, "3600"])
def test_expires_after_outside_the_range_is_refused_before_sending(client, emu, seconds):
    with pytest.raises(InvalidValueError) as err:
        client.files.upload(b"hello", filename="note.txt", expires_after=seconds)
    assert err.value.parameter == "expires_after"
    assert "3,600" in str(err.value) and "2,592,000" in str(err.value)
    assert emu.requests == []


def test_expires_after_is_a_field_before_the_file_and_sets_expires_at():
    reply = Reply(200, json.dumps(STORED).encode(), headers={"Content-Type": "application/json"})
    with ScriptedServer([reply]) as server, GrokClient(
        api_key=TEST_API_KEY, base_url=server.base_url
    ) as client:
        stored = client.files.upload(b"hello", filename="note.txt", purpose="assistants",
                                     expires_after=3600)  # fmt: skip
        client.files.upload(b"hello", filename="note.txt")
    assert _fields(server.bodies[0]) == [b"purpose", b"expires_after", b"file"]
    assert b'name="expires_after"\r\n\r\n3600\r\n' in server.bodies[0]
    assert _fields(server.bodies[1]) == [b"file"]  # not sent unless given
    assert isinstance(stored, FileObject) and stored.expires_at == 1787003600
    assert stored.public_url is None and stored.public_url_expires_at is None


def test_the_async_upload_checks_and_sends_the_same():
    reply = Reply(200, json.dumps({**STORED, "public_url": "https://files.x.ai/p/abc",
                                   "public_url_expires_at": 1787086400}).encode())  # fmt: skip

    async def run(base_url: str) -> FileObject:
        async with AsyncGrokClient(api_key=TEST_API_KEY, base_url=base_url) as client:
            with pytest.raises(InvalidValueError):
                await client.files.upload(b"hello", filename="n.txt", expires_after=60)
            return await client.files.upload(b"hello", filename="n.txt", expires_after=2_592_000)

    with ScriptedServer([reply]) as server:
        stored = asyncio.run(run(server.base_url))
    assert len(server.requests) == 1  # the refused upload sent nothing
    assert b"2592000" in server.bodies[0] and _fields(server.bodies[0])[-1] == b"file"
    assert stored.public_url == "https://files.x.ai/p/abc"
    assert stored.public_url_expires_at == 1787086400


def test_an_upload_with_expires_after_reaches_the_emulator(client, emu):
    stored = client.files.upload(b"hello", filename="note.txt", expires_after=86_400)
    assert stored.id.startswith("file") and client.files.content(stored.id) == b"hello"
    [upload] = [r for r in emu.requests if r.method == "POST"]
    assert upload.path == "/v1/files"
