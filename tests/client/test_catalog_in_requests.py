"""The catalogue in request building: [V]-only refusals, retired ids, live refresh, prices."""

from __future__ import annotations

import json
import threading
import time
import warnings

import pytest

from grok_jupyter.client import (
    AsyncGrokClient,
    BadRequestError,
    Catalog,
    GrokClient,
    RetiredModelWarning,
    StreamInterruptedError,
    UnsupportedParameterError,
    Usage,
    UsageLedger,
)
from grok_jupyter.client import _catalog as catalog_module
from grok_jupyter.client import _catalog_cache as cache
from grok_jupyter.client._http import httpx

RETIRED = "grok-4-1-fast-non-reasoning"


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which retired ids this process already warned about."""
    monkeypatch.setattr(catalog_module, "_warned", set())


@pytest.fixture
def ledger_client(emu, api_key):
    ledger = UsageLedger()
    with GrokClient(api_key=api_key, base_url=emu.base_url, ledger=ledger, retry_backoff=0.01) as c:
        yield c, ledger


# --- reasoning_effort: the server decides unless the rejection is [V] -------------


def test_xhigh_on_grok_4_3_is_sent_for_the_server_to_decide(client, emu):
    # xhigh is not in grok-4.3's listed set, but that refusal is [U] (xai-api-2026.md §4.1).
    try:
        client.chat("hi", model="grok-4.3", reasoning_effort="xhigh")
    except BadRequestError as exc:  # the server's own answer, typed, with its text
        assert "xhigh" in str(exc) or "effort" in str(exc).lower()
    (sent,) = emu.chat_requests
    assert sent.body["model"] == "grok-4.3" and sent.body["reasoning_effort"] == "xhigh"


@pytest.mark.parametrize("call", ["chat", "stream", "submit_deferred"])
def test_reasoning_effort_on_grok_4_20_is_refused_before_sending(client, emu, call):
    with pytest.raises(UnsupportedParameterError) as err:
        getattr(client, call)("hi", model="grok-4.20-0309-reasoning", reasoning_effort="low")
    msg = str(err.value)
    assert "grok-4.20-0309-reasoning" in msg and "Drop reasoning_effort" in msg
    # What to use instead: a model that takes it, its accepted values and its default.
    assert "'none', 'low', 'medium', 'high' (default 'low')" in msg
    assert emu.requests == []


async def test_async_refusal_and_send(aclient, emu):
    with pytest.raises(UnsupportedParameterError, match="default 'low'"):
        await aclient.chat("hi", model="grok-4.20", reasoning_effort="none")
    assert emu.requests == []
    try:
        await aclient.chat("hi", model="grok-4.3", reasoning_effort="xhigh")
    except BadRequestError:
        pass
    assert [r.body["reasoning_effort"] for r in emu.chat_requests] == ["xhigh"]


# --- retired ids: work, warn once, priced as the target -----------------------------


def test_retired_id_works_warns_once_at_the_user_line_and_is_priced_as_its_target(
    ledger_client, emu, fresh_warnings
):
    c, ledger = ledger_client
    with pytest.warns(RetiredModelWarning) as caught:
        first = c.chat("hi", model=RETIRED)
    (w,) = [x for x in caught if issubclass(x.category, RetiredModelWarning)]
    assert "grok-4.3" in str(w.message) and RETIRED in str(w.message)
    assert w.filename == __file__  # points at the user's line, not at the client
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetiredModelWarning)
        c.chat("again", model=RETIRED)  # once per session
        c.stream("and a stream", model=RETIRED).final()
    assert first.text and len(emu.chat_requests) == 3
    assert all(rec.priced_as == "grok-4.3" for rec in ledger.records)
    # The server's own figure, when it sends one, is what the ledger keeps.
    assert ledger.records[0].cost_usd == pytest.approx(first.usage.cost_in_usd_ticks / 1e10)


def test_cut_stream_for_a_retired_id_is_estimated_at_the_target_rate(ledger_client, emu):
    c, ledger = ledger_client
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetiredModelWarning)
        stream = c.stream("Write 50 words.", model=RETIRED,
                          headers={"X-Emulator-Fault": "cut;after_chunks=2"})
    with pytest.raises(StreamInterruptedError):
        stream.final()
    (rec,) = ledger.records  # no usage chunk came: counted locally, priced by the catalogue
    assert rec.estimated and rec.priced_as == "grok-4.3" and rec.prompt_tokens > 0
    usage = Usage(prompt_tokens=rec.prompt_tokens, completion_tokens=rec.completion_tokens,
                  total_tokens=rec.prompt_tokens + rec.completion_tokens)
    assert rec.cost_usd == pytest.approx(c.catalog["grok-4.3"].cost_usd(usage))
    assert rec.cost_usd != pytest.approx(c.catalog[RETIRED].cost_usd(usage))


def test_retired_id_without_a_server_cost_is_priced_at_the_target_rate(fresh_warnings):
    body = {
        "id": "c1", "object": "chat.completion", "created": 1, "model": RETIRED,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100_000, "completion_tokens": 100_000,
                  "total_tokens": 200_000},
    }  # fmt: skip
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    ledger = UsageLedger()
    http = httpx.Client(transport=transport, base_url="https://api.x.ai/v1")
    with GrokClient(api_key="xai-test", ledger=ledger, http_client=http) as c:
        with pytest.warns(RetiredModelWarning, match="grok-4.3"):
            c.chat("hi", model=RETIRED)
    (rec,) = ledger.records
    prices = Catalog.bundled()["grok-4.3"].price_per_million
    assert rec.priced_as == "grok-4.3"
    assert rec.cost_usd == pytest.approx((prices.input + prices.output) / 10)  # 100k in, out
    http.close()


def test_retired_image_model_warns_and_is_priced_as_its_target(fresh_warnings):
    seen = []

    def answer(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"data": [{"url": "https://x/1.png"}] * 3})

    ledger = UsageLedger()
    http = httpx.Client(transport=httpx.MockTransport(answer), base_url="https://api.x.ai/v1")
    with GrokClient(api_key="xai-test", ledger=ledger, http_client=http) as c:
        with pytest.warns(RetiredModelWarning, match="grok-imagine-image"):
            c.generate_images("a cat", n=3, model="grok-2-image-1212")
    (rec,) = ledger.records
    target = Catalog.bundled()["grok-imagine-image"]
    assert seen[0]["model"] == "grok-2-image-1212"  # sent as asked: the server redirects
    assert rec.priced_as == "grok-imagine-image" and rec.images_generated == 3
    assert rec.cost_usd == pytest.approx(3 * target.image_price_usd)
    http.close()


# --- the live catalogue: on first request, once --------------------------------------


@pytest.fixture
def live_on_loopback(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(cache.LIVE_ENV, "1")  # the emulator is loopback: opt in
    cache.forget_attempts()
    yield tmp_path
    cache.forget_attempts()


def _listing_requests(emu) -> list[str]:
    ends = ("language-models", "generation-models")
    return [r.path for r in emu.requests if r.path.endswith(ends)]


def _join_refresh_threads() -> None:
    for t in threading.enumerate():
        if t.name == "grok-catalog-refresh":
            t.join(10)


def test_first_request_refreshes_the_catalogue_once(live_on_loopback, emu, api_key):
    ledger = UsageLedger()
    with GrokClient(api_key=api_key, base_url=emu.base_url, catalog=Catalog.bundled(),
                    ledger=ledger) as c:
        assert _listing_requests(emu) == []  # construction fetches nothing
        c.chat("hi")
        _join_refresh_threads()
        assert len(_listing_requests(emu)) == 2
        assert c.catalog["grok-4.3"].source == "live"
        c.chat("again")
        _join_refresh_threads()
        assert len(_listing_requests(emu)) == 2  # cheap after the first: no new fetch


def test_loopback_is_skipped_by_default(tmp_path, monkeypatch, emu, api_key):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(cache.LIVE_ENV, raising=False)
    cache.forget_attempts()
    with GrokClient(api_key=api_key, base_url=emu.base_url, catalog=Catalog.bundled()) as c:
        c.chat("hi")
    _join_refresh_threads()
    assert _listing_requests(emu) == []


async def test_async_first_request_refreshes_the_catalogue(live_on_loopback, emu, api_key):
    catalog = Catalog.bundled()
    async with AsyncGrokClient(api_key=api_key, base_url=emu.base_url, catalog=catalog) as c:
        await c.chat("hi")
        for task in list(cache._tasks):
            await task
        deadline = time.monotonic() + 10
        while len(_listing_requests(emu)) < 2 and time.monotonic() < deadline:
            await c.chat("wait")  # pragma: no cover - only if the task is slow
        assert len(_listing_requests(emu)) == 2
        assert catalog["grok-4.3"].source == "live"
