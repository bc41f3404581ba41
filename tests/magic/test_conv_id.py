"""Named conversations send a stable routing key, so follow-up turns hit the cache: the
``prompt_cache_key`` on the Responses API (the default), ``x-grok-conv-id`` on chat."""

from __future__ import annotations

from tests.wire import responses_requests


def _cache_keys(emu, count: int) -> list[str | None]:
    return [r.body.get("prompt_cache_key") for r in responses_requests(emu)[-count:]]


def _conv_ids(emu, count: int) -> list[str | None]:
    return [r.headers.get("x-grok-conv-id") for r in emu.chat_requests[-count:]]


def test_two_turns_in_one_chat_share_the_cache_key(ip, emu):
    ip.ok("%%grok --chat alpha\nHello there")
    ip.ok("%%grok --chat alpha\nAnd a follow-up")
    first, second = _cache_keys(emu, 2)
    assert first and first == second


def test_a_different_chat_gets_a_different_cache_key(ip, emu):
    ip.ok("%%grok --chat alpha\nHello there")
    ip.ok("%%grok --chat beta\nHello there")
    alpha, beta = _cache_keys(emu, 2)
    assert alpha and beta and alpha != beta


def test_on_chat_two_turns_share_the_conv_id_header(ip, emu):
    # The chat wire's routing key is a header, not a body field.
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ok("%%grok --chat alpha\nHello there")
    ip.ok("%%grok --chat alpha\nAnd a follow-up")
    ip.ok("%%grok --chat beta\nHello there")
    first, second, other = _conv_ids(emu, 3)
    assert first and first == second and other and other != first


def test_usage_shows_cached_tokens_and_what_the_cache_saved(ip, emu):
    ip.ok("%%grok --chat gamma\nTell me a long story about prompt caching, please.")
    ip.ok("%%grok --chat gamma\nAnd a follow-up")
    from grok_jupyter.client import get_ledger

    total = get_ledger().total()
    assert total.cached_tokens > 0 and total.cache_savings_usd > 0
    ip.ok("%grok usage")
    md = ip.markdown()
    assert "| cached |" in md and "| cache saved |" in md
    total_row = next(line for line in md.splitlines() if line.startswith("| total |"))
    assert f"| {total.cached_tokens:,} |" in total_row
    saved = total.cache_savings_usd
    assert f"| {saved:.4f} |" in total_row if saved >= 0.01 else f"| {saved:.6f} |" in total_row
