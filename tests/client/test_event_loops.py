"""An async client reused across event loops (issue 11, item 1): every call works, pools close."""

from __future__ import annotations

import asyncio
import threading

from grok_jupyter.client import AsyncGrokClient, get_async_client
from tests.conftest import TEST_API_KEY


def _client(emu) -> AsyncGrokClient:
    return AsyncGrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, retry_backoff=0.01)


def test_one_client_across_five_asyncio_runs(emu):
    client = _client(emu)

    async def ask(i: int) -> str:
        return (await client.chat(f'Say "run {i}"')).text

    answers = [asyncio.run(ask(i)) for i in range(5)]
    assert all(f"run {i}" in a for i, a in enumerate(answers)), answers
    # Each call was sent once and read back: nothing sent into a dead loop's connection.
    assert len(emu.chat_requests) == 5


def test_the_shared_async_client_across_asyncio_runs_streams_included(emu):
    async def ask(i: int) -> str:
        client = get_async_client()
        if i % 2:
            async with client.stream(f'Say "s{i}"') as stream:
                return "".join([c.text async for c in stream])
        return (await client.chat(f'Say "c{i}"')).text

    answers = [asyncio.run(ask(i)) for i in range(4)]
    assert [("s" if i % 2 else "c") + str(i) in a for i, a in enumerate(answers)] == [True] * 4
    assert len(emu.chat_requests) == 4


def test_a_pool_is_closed_when_its_loop_ends(emu):
    client = _client(emu)
    pools = []

    async def ask() -> None:
        await client.chat("hi")
        pools.append(client._http)

    for _ in range(3):
        asyncio.run(ask())
        assert client._transport.pool_count == 0  # closed with its loop, not kept
    assert len({id(p) for p in pools}) == 3
    assert all(p.is_closed for p in pools)


def test_loops_in_two_threads_at_once_each_get_their_own_pool(emu):
    client = _client(emu)
    errors: list[BaseException] = []
    gate = threading.Barrier(2)

    async def ask() -> None:
        gate.wait(5)  # both loops are running at the same time
        for _ in range(2):
            await client.chat("hi")

    def run() -> None:
        try:
            asyncio.run(ask())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert len(emu.chat_requests) == 4
    assert client._transport.pool_count == 0


def test_close_inside_the_loop_closes_its_pool(emu):
    client = _client(emu)

    async def use_and_close():
        await client.chat("hi")
        pool = client._http
        await client.close()
        return pool

    pool = asyncio.run(use_and_close())
    assert pool.is_closed and client._transport.pool_count == 0
    assert asyncio.run(client.chat("again")).text  # a closed client opens a new pool on use
