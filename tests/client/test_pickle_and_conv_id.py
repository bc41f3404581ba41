"""Clients pickle at any time (issue 11, item 7); ``conv_id=`` sends x-grok-conv-id (issue 12)."""

from __future__ import annotations

import asyncio
import pickle

from grok_jupyter.client import AsyncGrokClient, GrokClient, get_ledger
from tests.conftest import TEST_API_KEY


def test_a_client_that_made_a_call_pickles_and_the_copy_works(emu):
    client = GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=1,
                        max_retry_wait=5, deadline=30, retry_backoff=0.01)  # fmt: skip
    assert client.chat("hi").text
    copy = pickle.loads(pickle.dumps(client))
    assert copy.chat('Say "again"').text
    assert len(emu.chat_requests) == 2
    assert copy.settings == client.settings  # every setting travelled
    assert copy.retry_backoff == 0.01
    assert copy._http is not client._http  # its own pool, built on first use
    client.close()
    copy.close()


def test_a_client_pickles_before_any_call(emu):
    copy = pickle.loads(pickle.dumps(GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url)))
    assert copy.chat("hi").text
    copy.close()


def test_an_async_client_pickles_after_a_call(emu):
    client = AsyncGrokClient(api_key=TEST_API_KEY, base_url=emu.base_url)
    assert asyncio.run(client.chat("hi")).text
    copy = pickle.loads(pickle.dumps(client))
    assert asyncio.run(copy.chat("hi")).text
    assert len(emu.chat_requests) == 2


def test_a_key_from_the_environment_is_not_put_in_the_pickle(emu, monkeypatch):
    client = GrokClient(base_url=emu.base_url)  # XAI_API_KEY from the environment
    assert client.chat("hi").text
    data = pickle.dumps(client)
    assert TEST_API_KEY.encode() not in data
    copy = pickle.loads(data)  # the receiving process reads its own XAI_API_KEY
    assert copy.settings.api_key == TEST_API_KEY and copy.chat("hi").text
    monkeypatch.delenv("XAI_API_KEY")
    assert pickle.loads(data).settings.api_key is None


def test_an_unpickled_client_records_into_the_shared_ledger(emu):
    client = GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url)
    before = len(get_ledger().records)
    pickle.loads(pickle.dumps(client)).chat("hi")
    assert len(get_ledger().records) == before + 1


# --- x-grok-conv-id ------------------------------------------------------------------


def test_conv_id_sends_the_prompt_caching_header(client, emu):
    client.chat("hi", conv_id="nb-42")
    client.stream("hi", conv_id="nb-42").final()
    client.chat("hi")
    ids = [r.headers.get("x-grok-conv-id") for r in emu.chat_requests]
    assert ids == ["nb-42", "nb-42", None]
    assert "conv_id" not in emu.chat_requests[0].body  # a header, not a body field


def test_async_conv_id_sends_the_header(emu):
    async def run() -> None:
        async with AsyncGrokClient(api_key=TEST_API_KEY, base_url=emu.base_url) as c:
            await c.chat("hi", conv_id="conv-a")
            async with c.stream("hi", conv_id="conv-b") as s:
                async for _ in s:
                    pass

    asyncio.run(run())
    assert [r.headers.get("x-grok-conv-id") for r in emu.chat_requests] == ["conv-a", "conv-b"]
