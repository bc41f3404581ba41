"""``pace_requests=True``: ChatGrok's ``abatch`` / ``batch`` and a shared async client start
their requests at the account's rate, so a burst under an rpm limit gets no 429 (issue 21).

The emulator enforces 600 requests a minute as a token bucket (10 a second, a burst
of about one second's worth). Forty calls at once overflow it: unpaced, the server
answers the excess 429 and the client sends them again. Paced, each request takes
a start time from the account's book, learned from the rate headers of the first
answers, and none is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from grok_jupyter.client import AsyncGrokClient, GrokClient, UsageLedger
from grok_jupyter.emulator import serve
from langchain_grok import ChatGrok
from tests.conftest import TEST_API_KEY

N = 40
PROMPTS = [f"Say the number {i}." for i in range(N)]


@pytest.fixture
def limited() -> Iterator:
    with serve(rpm=600, rate_window="smooth") as handle:
        yield handle


def _model_requests(emu) -> int:
    return len([r for r in emu.requests if r.path in ("/v1/responses", "/v1/chat/completions")])


def test_abatch_with_pacing_gets_no_429(limited):
    llm = ChatGrok(
        api_key=TEST_API_KEY, base_url=limited.base_url, pace_requests=True, max_retries=0
    )
    # max_retries=0: a single 429 would fail its input, so every answer proves none came.
    answers = asyncio.run(llm.abatch(PROMPTS))
    assert [str(i) in a.text for i, a in enumerate(answers)] == [True] * N
    assert _model_requests(limited) == N


def test_abatch_without_pacing_is_answered_429(limited):
    # The same burst, unpaced: the bucket overflows (the case the setting is for).
    llm = ChatGrok(api_key=TEST_API_KEY, base_url=limited.base_url, max_retries=0)
    answers = asyncio.run(llm.abatch(PROMPTS, return_exceptions=True))
    assert any(isinstance(a, Exception) and "429" in str(a) for a in answers)


def test_batch_with_pacing_gets_no_429(limited):
    llm = ChatGrok(
        api_key=TEST_API_KEY, base_url=limited.base_url, pace_requests=True, max_retries=0
    )
    answers = llm.batch(PROMPTS, config={"max_concurrency": 16})
    assert all(str(i) in a.text for i, a in enumerate(answers))
    assert _model_requests(limited) == N


def test_a_shared_async_client_with_pacing_gets_no_429(limited):
    async def run() -> list:
        async with AsyncGrokClient(
            api_key=TEST_API_KEY, base_url=limited.base_url, pace_requests=True,
            max_retries=0, ledger=UsageLedger(),
        ) as client:  # fmt: skip
            return await asyncio.gather(*(client.chat(p) for p in PROMPTS))

    answers = asyncio.run(run())
    assert all(str(i) in a.text for i, a in enumerate(answers))
    assert _model_requests(limited) == N


def test_the_setting_is_checked_shown_and_kept_by_a_copy(emu):
    from grok_jupyter.client import InvalidValueError

    with pytest.raises(InvalidValueError, match="pace_requests must be True or False"):
        GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, pace_requests="yes")  # type: ignore[arg-type]
    client = GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, pace_requests=True)
    assert "pace_requests=True" in repr(client.settings)
    import pickle

    assert pickle.loads(pickle.dumps(client)).settings.pace_requests is True
    client.close()
