"""Soak: 2,000 requests at concurrency 100 with 10% seeded random faults, real sockets.

Each request carries its fault in ``X-Emulator-Fault``, so the fault applies to
every attempt of that request and its outcome is known in advance: a retryable
fault fails all three attempts with its typed error (a drop after sending is
sent once: it may have been billed), a stream fault breaks
streams only, a slow first byte is a timeout, keep-alives are harmless.
"""

from __future__ import annotations

import asyncio
import gc
import random
from collections import Counter
from typing import Any

import pytest

from grok_jupyter.client import (
    AnswerLostError,
    APITimeoutError,
    AsyncGrokClient,
    GrokError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
    StreamInterruptedError,
    UsageLedger,
)
from tests.reliability.reliability_helpers import (
    TEST_API_KEY,
    assert_pool_settled,
    open_sockets,
    wait_for,
)

TOTAL = 2000
CONCURRENCY = 100
FAULT_RATE = 0.10
READ_TIMEOUT = 4.0  # generous: 100 requests share two cores with the emulator
MEMORY_BOUND = 20 * 1024 * 1024

# header value -> the outcome it must give (stream, non-stream) and attempts per request
FAULTS: dict[str, tuple[type | None, type | None, int]] = {
    "rate_limit;retry_after=0": (RateLimitError, RateLimitError, 3),
    "server_error": (InternalServerError, InternalServerError, 3),
    "unavailable": (ServiceUnavailableError, ServiceUnavailableError, 3),
    "bad_gateway": (InternalServerError, InternalServerError, 3),
    "json_error_200": (ServiceUnavailableError, ServiceUnavailableError, 3),
    # Dropped after the request was sent: it may have been billed, so it is sent once.
    "disconnect": (AnswerLostError, AnswerLostError, 1),
    "cut;after_chunks=2": (StreamInterruptedError, None, 1),
    "malformed;after_chunks=1": (StreamInterruptedError, None, 1),
    "slow_first_byte;delay=5": (APITimeoutError, APITimeoutError, 1),
    "keepalive;count=2": (None, None, 1),
}


def plan(n: int) -> list[tuple[bool, str | None]]:
    """(stream?, fault header or None) for each request, from a fixed seed."""
    rng = random.Random(1234)
    names = sorted(FAULTS)
    return [
        (rng.random() < 0.5, rng.choice(names) if rng.random() < FAULT_RATE else None)
        for _ in range(n)
    ]


async def one(client: AsyncGrokClient, i: int, stream: bool, fault: str | None) -> Any:
    """The request's result: its text, or the GrokError it ended in."""
    headers = {"X-Emulator-Fault": fault} if fault else None
    prompt = f"Reply with {3 + i % 5} words."
    try:
        if not stream:
            return (await client.chat(prompt, headers=headers)).message.text
        parts = []
        async with client.stream(prompt, headers=headers) as s:
            async for chunk in s:
                if chunk.choices:
                    parts.append(chunk.choices[0].delta.content or "")
        return "".join(parts)
    except GrokError as exc:
        return exc


def rss() -> int:
    """This process's resident memory in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


async def soak(
    emu: Any, rounds: list[list[tuple[bool, str | None]]]
) -> tuple[list[Any], list[int], list[int]]:
    """Run each round on one client; the results, and the attempts and RSS after each round."""
    client = AsyncGrokClient(
        api_key=TEST_API_KEY,
        base_url=emu.base_url,
        timeout=READ_TIMEOUT,
        max_retries=2,
        retry_backoff=0.01,
        retry_backoff_max=0.05,
        ledger=UsageLedger(),
    )
    gate = asyncio.Semaphore(CONCURRENCY)

    async def bounded(i: int, stream: bool, fault: str | None) -> Any:
        async with gate:
            return await one(client, i, stream, fault)

    results: list[Any] = []
    attempts: list[int] = []
    memory: list[int] = []
    try:
        for requests in rounds:
            # Any exception other than a GrokError propagates out of gather and fails the test.
            results += await asyncio.wait_for(
                asyncio.gather(*(bounded(i, s, f) for i, (s, f) in enumerate(requests))),
                timeout=150,
            )
            assert_pool_settled(client)
            attempts.append(len(emu.chat_requests))
            emu.reset()  # the emulator's log of the round is not the client's memory
            gc.collect()
            memory.append(rss())
        return results, attempts, memory
    finally:
        await client.close()


def expected(request: tuple[bool, str | None]) -> tuple[type | None, int]:
    """What a request must end in (None: the answer) and the attempts the emulator sees."""
    stream, fault = request
    if not fault:
        return None, 1
    on_stream, on_chat, attempts = FAULTS[fault]
    return (on_stream if stream else on_chat), attempts


@pytest.mark.timeout(170)
def test_soak_2000_requests_with_random_faults(emu):
    requests = plan(TOTAL)
    faulted = Counter(f.split(";")[0] for _, f in requests if f)
    assert 150 <= sum(faulted.values()) <= 250 and len(faulted) == len(FAULTS)
    sockets_before = open_sockets()  # the emulator's listener and whatever else the process has

    # Two halves on one client: memory after the first is the baseline for the second, so
    # imports, caches and the pool's high-water mark are not counted as growth.
    half = TOTAL // 2
    results, attempts, memory = asyncio.run(soak(emu, [requests[:half], requests[half:]]))

    for request, result in zip(requests, results, strict=True):
        expect, _ = expected(request)
        if expect is None:
            assert isinstance(result, str) and result.split(), (request, result)
        else:
            assert type(result) is expect, (request, repr(result))
            assert isinstance(result, GrokError) and str(result)
    assert attempts == [
        sum(expected(r)[1] for r in requests[:half]),
        sum(expected(r)[1] for r in requests[half:]),
    ]
    assert memory[1] - memory[0] < MEMORY_BOUND, memory
    # The client is closed; the emulator closes its ends in turn: back to the baseline.
    wait_for(lambda: open_sockets() <= sockets_before, "sockets to return to the baseline")
