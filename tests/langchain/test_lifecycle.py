"""ChatGrok's clients over time: event loops, closing, pickling (issue 11, items 1 and 7)."""

from __future__ import annotations

import asyncio
import os
import pickle

import pytest
from pydantic import SecretStr

from langchain_grok import ChatGrok
from tests.conftest import TEST_API_KEY
from tests.langchain.apis import only_on

pytestmark = pytest.mark.enable_socket


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def own_llm(emu, **fields) -> ChatGrok:
    """A ChatGrok with its own key and URL, so it makes (and owns) its clients."""
    return ChatGrok(api_key=TEST_API_KEY, base_url=emu.base_url, **fields)


def test_fifty_asyncio_runs_all_answer_and_leak_no_sockets(emu):
    llm = own_llm(emu)
    assert asyncio.run(llm.ainvoke("Say 'warm'")).content == "warm"
    before = open_fds()
    answers = [asyncio.run(llm.ainvoke(f"Say 'run {i}'")).content for i in range(50)]
    assert answers == [f"run {i}" for i in range(50)]
    # Each run's connection closes with its loop; a client kept per loop would add ~50.
    assert open_fds() - before <= 5
    assert len(only_on(emu, "responses")) == 51  # the default model's automatic choice


def test_abatch_in_repeated_asyncio_runs_leaks_no_sockets(emu):
    llm = own_llm(emu)
    asyncio.run(llm.abatch(["Say 'a'", "Say 'b'"]))
    before = open_fds()
    for _ in range(10):
        replies = asyncio.run(llm.abatch(["Say 'a'", "Say 'b'", "Say 'c'"]))
        assert [r.content for r in replies] == ["a", "b", "c"]
    assert open_fds() - before <= 5


def test_with_block_closes_its_clients_and_the_model_still_works_after(emu):
    before = open_fds()
    with own_llm(emu) as llm:
        assert llm.invoke("Say 'one'").content == "one"
        pool = llm._get_client()._http
        assert not pool.is_closed
    assert pool.is_closed
    assert open_fds() - before <= 1
    assert llm.invoke("Say 'again'").content == "again"  # a new client, opened on use
    llm.close()


async def test_async_with_closes_the_running_loops_pool(emu):
    async with own_llm(emu) as llm:
        assert (await llm.ainvoke("Say 'in'")).content == "in"
        pool = llm._get_async_client()._http
        assert pool is not None and not pool.is_closed
    assert pool.is_closed


def test_sync_close_also_closes_the_async_client_inside_a_running_loop(emu):
    llm = own_llm(emu)

    async def use_then_close():
        await llm.ainvoke("Say 'x'")
        pool = llm._get_async_client()._http
        llm.close()  # sync close() called from async code
        await asyncio.sleep(0.05)  # the close scheduled for this loop runs
        return pool

    assert asyncio.run(use_then_close()).is_closed


def test_close_leaves_a_given_client_open(emu, client):
    llm = ChatGrok(client=client)
    llm.invoke("Say 'hi'")
    llm.close()
    assert client.chat("Say 'still open'").text == "still open"


def test_pickles_before_and_after_calls_sync_and_async(emu):
    llm = own_llm(emu, temperature=0.2, conversation_id="conv-p")
    copy = pickle.loads(pickle.dumps(llm))  # before any call
    assert copy.invoke("Say 'fresh'").content == "fresh"
    assert llm.invoke("Say 'one'").content == "one"
    assert asyncio.run(llm.ainvoke("Say 'two'")).content == "two"
    copy = pickle.loads(pickle.dumps(llm))  # after calls: pools and locks stay behind
    assert copy.temperature == 0.2 and copy.conversation_id == "conv-p"
    assert copy._get_client() is not llm._get_client()
    assert copy.invoke("Say 'three'").content == "three"
    assert asyncio.run(copy.ainvoke("Say 'four'")).content == "four"
    assert llm.invoke("Say 'five'").content == "five"  # the original is untouched


def test_pickle_carries_an_explicit_key_as_secret_and_never_the_environments(emu, monkeypatch):
    explicit = own_llm(emu)
    explicit.invoke("hi")
    copy = pickle.loads(pickle.dumps(explicit))
    assert isinstance(copy.api_key, SecretStr)
    assert copy.api_key.get_secret_value() == TEST_API_KEY

    from_env = ChatGrok(base_url=emu.base_url)  # key from XAI_API_KEY, own client
    from_env.invoke("hi")
    data = pickle.dumps(from_env)
    assert TEST_API_KEY.encode() not in data
    monkeypatch.setenv("XAI_API_KEY", "xai-worker-key")  # the receiving process's own key
    copy = pickle.loads(data)
    assert copy.api_key.get_secret_value() == "xai-worker-key"
    assert copy.base_url == emu.base_url  # passed explicitly, so it travels


def test_pickle_of_a_model_on_the_shared_client(emu):
    llm = ChatGrok(model="grok-4.3")
    llm.invoke("hi")
    copy = pickle.loads(pickle.dumps(llm))
    assert copy.invoke("Say 'shared'").content == "shared"
