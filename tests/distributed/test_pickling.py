"""Every client and ChatGrok pickles at any time (issue 14, "Beyond one machine").

Before or after use: after a sync call, after an async call made in another
thread's event loop, after a stream, even from inside a running loop. Only the
settings travel; the key only when it was passed explicitly, otherwise the
unpickling process reads its own ``XAI_API_KEY``. Both ``pickle`` and
``cloudpickle`` (what Dask and Ray use) are checked, and one test unpickles in
another process with another environment, as a cluster worker does.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import subprocess
import sys
import threading
from typing import Any

import cloudpickle
import pytest

from grok_jupyter.client import AsyncGrokClient, GrokClient, MissingAPIKeyError
from langchain_grok import ChatGrok
from tests.conftest import TEST_API_KEY

# Another key a worker might hold; the emulator accepts any key starting with "xai-".
WORKER_KEY = "xai-worker-own-key-42Zx"

DUMPERS = [
    pytest.param(pickle.dumps, id="pickle"),
    pytest.param(cloudpickle.dumps, id="cloudpickle"),
]


def _in_another_loop(coro_factory: Any) -> Any:
    """Run a coroutine in a fresh event loop on another thread; return its result."""
    out: dict[str, Any] = {}

    def run() -> None:
        out["value"] = asyncio.run(coro_factory())

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return out["value"]


def _use_sync(client: GrokClient) -> None:
    assert client.chat("one").text
    with client.stream("two") as stream:
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def _use_async(client: AsyncGrokClient) -> None:
    async def chat_and_stream() -> str:
        text = (await client.chat("one")).text
        async with client.stream("two") as stream:
            async for _ in stream:
                pass
        return text

    assert _in_another_loop(chat_and_stream)  # a loop that is closed by now
    assert asyncio.run(client.chat("three")).text  # and one in this thread


@pytest.mark.parametrize("dumps", DUMPERS)
def test_a_used_sync_client_pickles_without_the_key_and_the_copy_answers(emu, dumps):
    client = GrokClient()  # key and URL from the environment
    _use_sync(client)
    data = dumps(client)
    assert TEST_API_KEY.encode() not in data
    copy = pickle.loads(data)
    assert copy.chat("again").text
    assert copy.base_url == emu.base_url
    assert len(emu.chat_requests) == 3
    client.close()
    copy.close()


@pytest.mark.parametrize("dumps", DUMPERS)
def test_an_async_client_used_in_other_loops_pickles_and_the_copy_answers(emu, dumps):
    client = AsyncGrokClient()
    _use_async(client)
    data = dumps(client)
    assert TEST_API_KEY.encode() not in data
    assert asyncio.run(pickle.loads(data).chat("again")).text

    async def pickled_mid_use() -> bytes:
        # From inside a running loop, with that loop's pool open.
        await client.chat("four")
        return dumps(client)

    data = asyncio.run(pickled_mid_use())
    assert TEST_API_KEY.encode() not in data
    assert _in_another_loop(lambda: pickle.loads(data).chat("five")).text
    assert len(emu.chat_requests) == 6


def _answered(emu: Any) -> list[Any]:
    """Requests over either API: ChatGrok sends the default model's calls to /v1/responses."""
    return [r for r in emu.requests if r.path in ("/v1/chat/completions", "/v1/responses")]


@pytest.mark.parametrize("dumps", DUMPERS)
def test_chatgrok_pickles_after_sync_async_and_streamed_calls(emu, dumps):
    llm = ChatGrok(model="grok-4.3")  # key and URL from the environment
    assert llm.invoke("one").content
    assert "".join(c.content for c in llm.stream("two"))

    async def astream() -> str:
        return "".join([c.content async for c in llm.astream("three")])

    assert _in_another_loop(astream)
    assert asyncio.run(llm.ainvoke("four")).content
    data = dumps(llm)
    assert TEST_API_KEY.encode() not in data
    copy = pickle.loads(data)
    assert copy.invoke("five").content
    assert asyncio.run(copy.ainvoke("six")).content
    assert len(_answered(emu)) == 6


@pytest.mark.parametrize("dumps", DUMPERS)
def test_chatgrok_around_a_used_client_pickles_without_the_key(emu, dumps):
    client = GrokClient()
    llm = ChatGrok(client=client)
    assert llm.invoke("one").content
    assert asyncio.run(llm.ainvoke("two")).content  # the async twin it made
    data = dumps(llm)
    assert TEST_API_KEY.encode() not in data
    assert pickle.loads(data).invoke("three").content


@pytest.mark.parametrize("dumps", DUMPERS)
def test_an_explicit_key_travels_with_the_pickle(emu, dumps, monkeypatch):
    client = GrokClient(api_key=WORKER_KEY, base_url=emu.base_url)
    llm = ChatGrok(api_key=WORKER_KEY, base_url=emu.base_url)
    assert client.chat("one").text and llm.invoke("two").content
    data_client, data_llm = dumps(client), dumps(llm)
    assert WORKER_KEY.encode() in data_client and WORKER_KEY.encode() in data_llm
    monkeypatch.delenv("XAI_API_KEY")
    assert pickle.loads(data_client).chat("three").text
    assert pickle.loads(data_llm).invoke("four").content
    auth = [r.headers["authorization"] for r in _answered(emu)]
    assert auth == ["Bearer xa***Zx"] * 4  # the emulator's redaction: the worker's key each time


_CHILD = r"""
import asyncio, json, pickle, sys
from grok_jupyter.client import MissingAPIKeyError
client, aclient, llm = pickle.load(open(sys.argv[1], "rb"))
out = {"key_set": [bool(c.settings.api_key) for c in (client, aclient)]}
try:
    out["sync"] = client.chat("from the worker").text
    out["async"] = asyncio.run(aclient.chat("from the worker")).text
    out["llm"] = llm.invoke("from the worker").content
except MissingAPIKeyError as exc:
    out["error"] = type(exc).__name__
print(json.dumps(out))
"""


def _unpickle_elsewhere(path: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, path],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_another_process_uses_its_own_key_or_has_none(emu, tmp_path):
    # The driver uses every object first, then ships them, as a cluster map does.
    client, aclient = GrokClient(), AsyncGrokClient()
    llm = ChatGrok(base_url=emu.base_url)  # the URL explicit, the key from the environment
    assert client.chat("driver").text and asyncio.run(aclient.chat("driver")).text
    assert llm.invoke("driver").content
    path = tmp_path / "objects.pkl"
    path.write_bytes(cloudpickle.dumps((client, aclient, llm)))
    assert TEST_API_KEY.encode() not in path.read_bytes()
    emu.reset()

    env = {k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "XAI_BASE_URL")}
    worker = _unpickle_elsewhere(str(path), {**env, "XAI_API_KEY": WORKER_KEY})
    assert worker["key_set"] == [True, True]
    assert worker["sync"] and worker["async"] and worker["llm"]
    # The URL came in the settings; each request carried the worker's own key.
    auth = [r.headers["authorization"] for r in _answered(emu)]
    assert auth == ["Bearer xa***Zx"] * 3

    keyless = _unpickle_elsewhere(str(path), env)
    assert keyless == {"key_set": [False, False], "error": MissingAPIKeyError.__name__}
    assert len(_answered(emu)) == 3  # nothing was sent without a key
