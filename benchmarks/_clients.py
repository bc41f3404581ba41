"""Each library's way to stream, call once, or call concurrently, as a subject.

A factory takes an ``ExitStack`` (for closing clients) and a base URL, and
returns a zero-argument callable doing one repetition. Missing packages or
project code raise ``Unavailable``.
"""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Any

from ._harness import API_KEY, MESSAGES, MODEL, Unavailable

PROMPT = MESSAGES[0]["content"]
_STREAM_BODY = {"model": MODEL, "messages": MESSAGES, "stream": True,
                "stream_options": {"include_usage": True}}
_CHAT_BODY = {"model": MODEL, "messages": MESSAGES}
_HEADERS = {"authorization": f"Bearer {API_KEY}"}


def need(module: str, what: str | None = None) -> Any:
    """Import ``module`` or raise Unavailable (peers' code may not exist yet)."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except Exception as exc:
        raise Unavailable(f"{what or module} not importable ({type(exc).__name__}: "
                          f"{str(exc)[:80]})") from exc
    return mod


class Expect:
    """How many content chunks the next stream must deliver (the server's setting)."""

    def __init__(self, n: int) -> None:
        self.n = n


def _checked(count: int, want: Expect, t0: float, who: str) -> float:
    """Chunks per second, after checking every chunk arrived."""
    dt = time.perf_counter() - t0
    n = want.n
    if count != n:
        raise RuntimeError(f"{who} delivered {count} content chunks, expected {n}")
    return n / dt


# --- streams: one repetition returns chunks/s delivered to user code --------

def stream_bare_httpx(stack: ExitStack, base: str, want: Expect,
                      module: str = "httpx") -> Callable[[], float]:
    """The practical limit: httpx + iter_lines + ``data:`` split + json.loads."""
    httpx = need(module)
    client = stack.enter_context(httpx.Client(timeout=60))
    url = base + "/chat/completions"
    loads = json.loads

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with client.stream("POST", url, json=_STREAM_BODY, headers=_HEADERS) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    choices = loads(data)["choices"]
                    if choices and choices[0]["delta"].get("content"):
                        count += 1
        return _checked(count, want, t0, f"bare {module}")

    return run


def stream_httpx_sse(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    import httpx

    sse = need("httpx_sse", "httpx-sse")
    client = stack.enter_context(httpx.Client(timeout=60))
    url = base + "/chat/completions"

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with sse.connect_sse(client, "POST", url, json=_STREAM_BODY, headers=_HEADERS) as es:
            for event in es.iter_sse():
                if event.data == "[DONE]":
                    break
                choices = json.loads(event.data)["choices"]
                if choices and choices[0]["delta"].get("content"):
                    count += 1
        return _checked(count, want, t0, "httpx-sse")

    return run


def stream_openai(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    client = openai_client(stack, base)

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        stream = client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True})
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
        return _checked(count, want, t0, "openai")

    return run


def openai_client(stack: ExitStack, base: str) -> Any:
    """The openai SDK's sync client, no retries, closed with ``stack``."""
    openai = need("openai")
    client = openai.OpenAI(api_key=API_KEY, base_url=base, max_retries=0)
    stack.callback(client.close)
    return client


def grok_client(stack: ExitStack, base: str) -> Any:
    mod = need("grok_jupyter.client", "grok_jupyter.client.GrokClient")
    if not hasattr(mod, "GrokClient"):
        raise Unavailable("grok_jupyter.client.GrokClient not written yet")
    client = mod.GrokClient(api_key=API_KEY, base_url=base, max_retries=0)
    stack.callback(client.close)
    return client


def stream_grok(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    client = grok_client(stack, base)

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with client.stream(MESSAGES, model=MODEL) as stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    count += 1
        return _checked(count, want, t0, "GrokClient.stream")

    return run


def chat_grok(stack: ExitStack, base: str) -> Any:
    mod = need("langchain_grok", "langchain_grok.ChatGrok")
    if not hasattr(mod, "ChatGrok"):
        raise Unavailable("langchain_grok.ChatGrok not written yet")
    # Chat completions, like ChatXAI and ChatOpenAI here (responses.py compares the other API).
    return mod.ChatGrok(
        model=MODEL, api_key=API_KEY, base_url=base, max_retries=0, use_responses_api=False
    )


def chat_xai(stack: ExitStack, base: str) -> Any:
    mod = need("langchain_xai", "langchain-xai")
    return mod.ChatXAI(model=MODEL, xai_api_key=API_KEY, xai_api_base=base, max_retries=0)


def chat_openai(stack: ExitStack, base: str) -> Any:
    mod = need("langchain_openai", "langchain-openai")
    return mod.ChatOpenAI(model=MODEL, api_key=API_KEY, base_url=base, max_retries=0)


LANGCHAIN = {"ChatGrok": chat_grok, "ChatXAI": chat_xai, "ChatOpenAI": chat_openai}


def stream_langchain(make: Callable[[ExitStack, str], Any], who: str | None = None,
                     text_of: str = "content"
                     ) -> Callable[[ExitStack, str, Expect], Callable[[], float]]:
    """``llm.stream``, counting the chunks whose ``text_of`` attribute holds text (a
    Responses chunk's ``content`` is a list of blocks: its subjects count ``text``)."""
    def factory(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
        llm = make(stack, base)
        name = who or type(llm).__name__

        def run() -> float:
            t0 = time.perf_counter()
            count = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for chunk in llm.stream(PROMPT):
                    if getattr(chunk, text_of):
                        count += 1
            return _checked(count, want, t0, name)

        return run

    return factory


STREAMERS: dict[str, Callable[[ExitStack, str, Expect], Callable[[], float]]] = {
    "bare httpx": stream_bare_httpx,
    "bare httpx2": lambda stack, base, want: stream_bare_httpx(stack, base, want, "httpx2"),
    "httpx-sse": stream_httpx_sse,
    "openai": stream_openai,
    "GrokClient.stream": stream_grok,
    **{f"{k}.stream": stream_langchain(v) for k, v in LANGCHAIN.items()},
}


# --- one small request: one repetition returns mean seconds per request -----

def _sequential(call: Callable[[], Any], count: int) -> Callable[[], float]:
    def run() -> float:
        t0 = time.perf_counter()
        for _ in range(count):
            call()
        return (time.perf_counter() - t0) / count

    return run


def seq_bare_httpx(stack: ExitStack, base: str, count: int,
                   module: str = "httpx") -> Callable[[], float]:
    httpx = need(module)
    client = stack.enter_context(httpx.Client(timeout=60))
    url = base + "/chat/completions"

    def call() -> str:
        r = client.post(url, json=_CHAT_BODY, headers=_HEADERS)
        r.raise_for_status()
        return json.loads(r.content)["choices"][0]["message"]["content"]

    return _sequential(call, count)


def seq_openai(stack: ExitStack, base: str, count: int) -> Callable[[], float]:
    client = openai_client(stack, base)

    def call() -> str | None:
        return client.chat.completions.create(
            model=MODEL, messages=MESSAGES).choices[0].message.content

    return _sequential(call, count)


def seq_grok(stack: ExitStack, base: str, count: int) -> Callable[[], float]:
    client = grok_client(stack, base)

    def call() -> str | None:
        return client.chat(MESSAGES, model=MODEL).choices[0].message.content

    return _sequential(call, count)


def seq_langchain(make: Callable[[ExitStack, str], Any]
                  ) -> Callable[[ExitStack, str, int], Callable[[], float]]:
    def factory(stack: ExitStack, base: str, count: int) -> Callable[[], float]:
        llm = make(stack, base)

        def call() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return llm.invoke(PROMPT).content

        return _sequential(call, count)

    return factory


SEQUENTIAL: dict[str, Callable[[ExitStack, str, int], Callable[[], float]]] = {
    "bare httpx": seq_bare_httpx,
    "bare httpx2": lambda stack, base, count: seq_bare_httpx(stack, base, count, "httpx2"),
    "openai": seq_openai,
    "GrokClient.chat": seq_grok,
    "ChatGrok.invoke": seq_langchain(chat_grok),
    "ChatXAI.invoke": seq_langchain(chat_xai),
}


# --- concurrent requests: one repetition returns wall seconds ---------------
# Async factories get the benchmark's event loop and return an async callable.

AsyncRun = Callable[[int], Awaitable[float]]  # argument: how many requests


async def _gather_limited(call: Callable[[], Awaitable[Any]], total: int, limit: int) -> float:
    sem = asyncio.Semaphore(limit)

    async def one() -> None:
        async with sem:
            await call()

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    return time.perf_counter() - t0


async def conc_httpx_like(module: str, base: str, total: int, limit: int,
                          closers: list[Callable[[], Awaitable[Any]]]) -> AsyncRun:
    mod = need(module)
    client = mod.AsyncClient(timeout=60, limits=mod.Limits(max_connections=limit,
                                                           max_keepalive_connections=limit))
    closers.append(client.aclose)
    url = base + "/chat/completions"

    async def call() -> str:
        r = await client.post(url, json=_CHAT_BODY, headers=_HEADERS)
        r.raise_for_status()
        return json.loads(r.content)["choices"][0]["message"]["content"]

    return lambda count: _gather_limited(call, count, limit)


async def conc_openai(base: str, total: int, limit: int,
                      closers: list[Callable[[], Awaitable[Any]]]) -> AsyncRun:
    openai = need("openai")
    client = openai.AsyncOpenAI(api_key=API_KEY, base_url=base, max_retries=0)
    closers.append(client.close)

    async def call() -> Any:
        return (await client.chat.completions.create(
            model=MODEL, messages=MESSAGES)).choices[0].message.content

    return lambda count: _gather_limited(call, count, limit)


async def conc_grok(base: str, total: int, limit: int,
                    closers: list[Callable[[], Awaitable[Any]]]) -> AsyncRun:
    mod = need("grok_jupyter.client", "grok_jupyter.client.AsyncGrokClient")
    if not hasattr(mod, "AsyncGrokClient"):
        raise Unavailable("grok_jupyter.client.AsyncGrokClient not written yet")
    client = mod.AsyncGrokClient(api_key=API_KEY, base_url=base, max_retries=0)
    closers.append(client.close)

    async def call() -> Any:
        return (await client.chat(MESSAGES, model=MODEL)).choices[0].message.content

    return lambda count: _gather_limited(call, count, limit)


def conc_langchain(make: Callable[[ExitStack, str], Any]) -> Callable[..., Awaitable[AsyncRun]]:
    async def factory(base: str, total: int, limit: int,
                      closers: list[Callable[[], Awaitable[Any]]]) -> AsyncRun:
        llm = make(ExitStack(), base)

        async def run(count: int) -> float:
            inputs = [PROMPT] * count
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = await llm.abatch(inputs, config={"max_concurrency": limit})
            dt = time.perf_counter() - t0
            if len(out) != count or not all(getattr(m, "content", None) for m in out):
                raise RuntimeError(f"{type(llm).__name__}.abatch returned bad results")
            return dt

        return run

    return factory


CONCURRENT: dict[str, Callable[..., Awaitable[AsyncRun]]] = {
    "httpx.AsyncClient": lambda *a: conc_httpx_like("httpx", *a),
    "httpx2.AsyncClient": lambda *a: conc_httpx_like("httpx2", *a),
    "AsyncOpenAI": conc_openai,
    "AsyncGrokClient": conc_grok,
    "ChatGrok.abatch": conc_langchain(chat_grok),
    "ChatXAI.abatch": conc_langchain(chat_xai),
}
