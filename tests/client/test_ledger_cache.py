"""The ledger's cached-token, long-context, retired-id and tool pricing; the live catalogue cache.

The cache tests talk to the emulator. It is a loopback server, which the lazy
refresh skips, so they force it (``refresh_live`` / ``allow_loopback=True``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from grok_jupyter.client import GrokClient, Usage, UsageLedger
from grok_jupyter.client import _catalog_cache as cache
from grok_jupyter.client._catalog import Catalog, get_catalog
from grok_jupyter.client._usage import image_cost_usd, record_from_usage
from tests.conftest import TEST_API_KEY

# --- the ledger -------------------------------------------------------------------


def _usage(prompt: int, cached: int = 0, completion: int = 0, ticks: int | None = None) -> Usage:
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        prompt_tokens_details={"cached_tokens": cached, "text_tokens": prompt},
        cost_in_usd_ticks=ticks,
    )


def _record(model: str, usage: Usage, **kw):
    return record_from_usage(model, usage, source="client", latency_s=0.1,
                             catalog=get_catalog(), **kw)


def test_cached_tokens_are_billed_at_the_cached_rate_and_savings_reported():
    # grok-4.3: 1.25 in / 0.20 cached / 2.50 out per 1M
    rec = _record("grok-4.3", _usage(100_000, cached=80_000, completion=10_000))
    assert rec.cached_tokens == 80_000 and rec.priced_as == "grok-4.3"
    assert rec.cost_usd == pytest.approx((20_000 * 1.25 + 80_000 * 0.20 + 10_000 * 2.50) / 1e6)
    assert rec.cache_savings_usd == pytest.approx(80_000 * (1.25 - 0.20) / 1e6)


def test_long_prompts_bill_every_token_at_the_higher_tier():
    # grok-4.20 at >= 200k prompt tokens: 2.50 / 0.40 / 5.00 for all tokens (§1.1 [V])
    long = _record("grok-4.20", _usage(250_000, cached=50_000, completion=10_000))
    assert long.cost_usd == pytest.approx((200_000 * 2.5 + 50_000 * 0.4 + 10_000 * 5.0) / 1e6)
    assert long.cache_savings_usd == pytest.approx(50_000 * (2.5 - 0.4) / 1e6)
    short = _record("grok-4.20", _usage(199_999, completion=10_000))
    assert short.cost_usd == pytest.approx((199_999 * 1.25 + 10_000 * 2.5) / 1e6)


def test_a_retired_id_is_billed_at_its_target_rate():
    rec = _record("grok-4-1-fast-non-reasoning", _usage(100_000, completion=100_000))
    assert rec.model == "grok-4-1-fast-non-reasoning" and rec.priced_as == "grok-4.3"
    assert rec.cost_usd == pytest.approx(0.125 + 0.25)  # was 0.02 + 0.05 at its old rates
    assert image_cost_usd("grok-2-image-1212", 3, get_catalog()) == pytest.approx(0.06)
    assert image_cost_usd("grok-imagine-image-pro", 1, get_catalog()) == pytest.approx(0.045)


def test_server_cost_wins_but_savings_still_show():
    rec = _record("grok-4.3", _usage(10_000, cached=8_000, ticks=12_345_678))
    assert rec.cost_usd == pytest.approx(12_345_678 / 1e10)
    assert rec.cache_savings_usd == pytest.approx(8_000 * 1.05 / 1e6)


def test_tool_calls_are_priced_apart_and_counted():
    counts = {"web_search_calls": 2, "x_search_calls": 1}
    rec = _record("grok-4.3", _usage(1_000), tool_call_counts=counts)
    assert rec.tool_calls == 3 and rec.tool_call_counts == counts
    assert rec.tool_cost_usd == pytest.approx(3 * 0.005)
    assert rec.total_cost_usd == pytest.approx(rec.cost_usd + 0.015)
    # The server's figure covers tools too: the record splits it.
    served = _record("grok-4.3", _usage(1_000, ticks=200_000_000), tool_call_counts=counts)
    assert served.cost_usd == pytest.approx(0.02 - 0.015) and served.tool_cost_usd > 0


def test_an_unpriced_tool_does_not_unprice_the_others():
    # MCP has no published per-call price (section 3.3 [U]): web search keeps its own.
    counts = {"web_search_calls": 1, "mcp_calls": 2}
    rec = _record("grok-4.3", _usage(1_000), tool_call_counts=counts)
    assert rec.tool_calls == 3
    assert rec.tool_cost_usd == pytest.approx(0.005)

def test_summary_and_total_expose_cache_and_tools():
    ledger = UsageLedger()
    ledger.record(_record("grok-4.3", _usage(100_000, cached=80_000)))
    ledger.record(_record("grok-4.3", _usage(100_000), tool_call_counts={"web_search_calls": 2}))
    ledger.record(model="grok-99", prompt_tokens=10)  # an old-style record still adds up
    total = ledger.total()
    assert total.calls == 3 and total.cached_tokens == 80_000
    assert total.cached_share == pytest.approx(80_000 / 200_010)
    assert total.cache_savings_usd == pytest.approx(80_000 * 1.05 / 1e6)
    assert total.tool_calls == 2 and total.tool_cost_usd == pytest.approx(0.01)
    records = ledger.records
    assert total.cost_usd == pytest.approx(records[0].cost_usd + records[1].total_cost_usd)
    assert ledger.summary()["grok-4.3"].cache_savings_usd == total.cache_savings_usd
    assert "80000 cached" in repr(ledger)


def test_a_real_call_records_which_model_prices_it(emu, api_key):
    ledger = UsageLedger()
    with GrokClient(api_key=api_key, base_url=emu.base_url, ledger=ledger) as c:
        c.chat("hi")
    (rec,) = ledger.records
    assert rec.priced_as == c.catalog.default_chat_model == "grok-4.3"
    assert rec.cache_savings_usd == 0.0


# --- the live catalogue cache ---------------------------------------------------------


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(cache.LIVE_ENV, raising=False)
    cache.forget_attempts()
    yield tmp_path
    cache.forget_attempts()


@pytest.fixture
def stale_catalog():
    """A bundled catalogue with one price the server will correct (grok-4.5 input)."""
    cat = Catalog.bundled()
    info = cat["grok-4.5"]
    prices = info.price_per_million.model_copy(update={"input": 99.0})
    cat._set([info.model_copy(update={"price_per_million": prices}) if m is info else m
              for m in cat])
    return cat


@pytest.fixture
def live_client(emu, stale_catalog):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, catalog=stale_catalog,
                    ledger=UsageLedger(), max_retries=0) as c:
        yield c


def _list_requests(emu) -> list[str]:
    return [r.path for r in emu.requests if "models" in r.path]


def _write_cache(client, text: str, *, age_s: float = 0.0):
    path = cache.cache_path(client.base_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def _cached_listing(client, input_price_cents: int) -> str:
    """A cache file whose grok-4.5 input price is ``input_price_cents`` per 100M tokens."""
    listing = cache.fetch_listing(client)
    for lm in listing["language_models"]:
        if lm.id == "grok-4.5":
            lm.prompt_text_token_price = input_price_cents
    cache.store_listing(client, listing)
    return cache.cache_path(client.base_url).read_text()


def test_refresh_fetches_both_lists_and_writes_the_cache(cache_dir, live_client, emu):
    assert live_client.catalog["grok-4.5"].price_per_million.input == 99.0
    assert cache.refresh_live(live_client) == "server"
    assert live_client.catalog["grok-4.5"].price_per_million.input == 2.0  # the server's figure
    assert live_client.catalog["grok-4.5"].source == "live"
    paths = _list_requests(emu)
    assert any(p.endswith("/language-models") for p in paths)
    assert any(p.endswith("/image-generation-models") for p in paths)
    (path,) = cache_dir.iterdir()
    text = path.read_text()
    assert TEST_API_KEY not in text and "Authorization" not in text
    body = json.loads(text)
    assert {m["id"] for m in body["language_models"]} >= {"grok-4.3", "grok-4.5"}
    assert any(m["id"] == "grok-imagine-image" for m in body["image_models"])


def test_a_fresh_cache_is_used_without_asking_the_server(cache_dir, live_client, emu):
    _write_cache(live_client, _cached_listing(live_client, 31_415), age_s=3600)
    emu.reset()
    assert cache.refresh_live(live_client) == "cache"
    assert live_client.catalog["grok-4.5"].price_per_million.input == 3.1415  # from the file
    assert _list_requests(emu) == []


def test_a_stale_cache_is_refreshed(cache_dir, live_client, emu):
    path = _write_cache(live_client, _cached_listing(live_client, 31_415), age_s=25 * 3600)
    emu.reset()
    assert cache.refresh_live(live_client) == "server"
    assert live_client.catalog["grok-4.5"].price_per_million.input == 2.0
    assert _list_requests(emu)
    assert time.time() - path.stat().st_mtime < 60  # rewritten
    assert "31415" not in path.read_text()


@pytest.mark.parametrize(
    "junk",
    ["{not json", "", '{"format": 1, "language_models": [{"no_id": 1}], "image_models": []}',
     '["a list"]'],
)
def test_a_corrupt_cache_is_ignored_and_rewritten(cache_dir, live_client, emu, junk):
    path = _write_cache(live_client, junk)
    assert cache.refresh_live(live_client) == "server"
    assert live_client.catalog["grok-4.5"].price_per_million.input == 2.0
    assert json.loads(path.read_text())["format"] == 1


def test_a_server_error_leaves_the_bundled_catalogue_silently(cache_dir, live_client, emu,
                                                              recwarn):
    emu.inject("server_error", times=4)
    assert cache.refresh_live(live_client) == "bundled"
    assert live_client.catalog["grok-4.5"].price_per_million.input == 99.0  # untouched
    assert list(cache_dir.iterdir()) == []
    assert len(recwarn) == 0


def test_an_unreachable_server_leaves_the_bundled_catalogue(cache_dir, stale_catalog):
    with GrokClient(api_key=TEST_API_KEY, base_url="http://127.0.0.1:9/v1", max_retries=0,
                    catalog=stale_catalog, ledger=UsageLedger(), timeout=2) as c:
        assert cache.refresh_live(c) == "bundled"
        assert cache.ensure_live(c, allow_loopback=True, background=False) is None
    assert stale_catalog["grok-4.5"].price_per_million.input == 99.0


def test_lazy_refresh_skips_loopback_unless_asked_and_runs_once(cache_dir, live_client, emu):
    assert cache.ensure_live(live_client) is None  # the emulator: nothing to learn
    assert _list_requests(emu) == [] and list(cache_dir.iterdir()) == []
    thread = cache.ensure_live(live_client, allow_loopback=True)
    assert thread is not None
    thread.join(10)
    assert live_client.catalog["grok-4.5"].price_per_million.input == 2.0
    assert len(list(cache_dir.iterdir())) == 1
    emu.reset()
    assert cache.ensure_live(live_client, allow_loopback=True) is None  # once per process
    assert _list_requests(emu) == []


def test_lazy_refresh_can_be_turned_off(cache_dir, live_client, emu, monkeypatch):
    monkeypatch.setenv(cache.LIVE_ENV, "0")
    assert cache.ensure_live(live_client, allow_loopback=True) is None
    assert _list_requests(emu) == []


async def test_async_lazy_refresh(cache_dir, emu, stale_catalog):
    from grok_jupyter.client import AsyncGrokClient

    async with AsyncGrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0,
                               catalog=stale_catalog, ledger=UsageLedger()) as c:
        task = cache.aensure_live(c, allow_loopback=True)
        assert await task == "server"
    assert stale_catalog["grok-4.5"].price_per_million.input == 2.0


def test_import_and_client_construction_do_not_refresh(tmp_path):
    code = (
        "import sys, threading\n"
        "import grok_jupyter\n"
        "from grok_jupyter.client import GrokClient\n"
        "c = GrokClient(api_key='xai-x', base_url='https://api.x.ai/v1')\n"
        "assert c.catalog.default_chat_model == 'grok-4.3'\n"
        "assert 'platformdirs' not in sys.modules, 'platformdirs imported'\n"
        "assert 'grok_jupyter.client._catalog_cache' not in sys.modules\n"
        "assert not [t for t in threading.enumerate() if 'catalog' in t.name]\n"
    )
    env = {**os.environ, cache.CACHE_DIR_ENV: str(tmp_path)}
    env.pop("XAI_BASE_URL", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
