"""Opt-in: the September-2026 additions against api.x.ai (``pytest -m live``).

Compaction and input items (xai-api-2026-09.md §2 [DOC]), and one request past the
200,000-token threshold that checks the catalogue's long-context tier against the
real bill (about $0.55 at grok-4.3's tier price).
"""

from __future__ import annotations

import pytest

from grok_jupyter.client import CompactionItem, estimate_cost

pytestmark = pytest.mark.live

CONVERSATION = [
    {"role": "user", "content": "My name is Ada. I am planning a trip to Lisbon in May."},
    {"role": "assistant", "content": "Lovely. Lisbon in May is warm; pack light layers."},
    {"role": "user", "content": "I also want to see Sintra for one day."},
    {"role": "assistant", "content": "Take the train from Rossio; go early to avoid queues."},
]


def test_compaction_replaces_the_conversation_and_is_billed(live):
    result = live.responses.compact(model="grok-4.3", input=CONVERSATION)
    assert result.id.startswith("cmp_") and result.object == "response.compaction"
    assert isinstance(result.compaction, CompactionItem) and result.compaction.encrypted_content
    assert result.usage.input_tokens > 0 and result.usage.dropped_message_count is not None
    record = live.ledger.records[-1]
    assert record.request_id == result.id and record.cost_usd and record.cost_usd > 0
    if result.usage.cost_in_usd_ticks is not None:
        assert record.cost_usd == pytest.approx(result.usage.cost_in_usd_ticks / 1e10)
    answer = live.responses.create(
        result.next_input("What is my name? One word."), model="grok-4.3",
        reasoning_effort="none", max_output_tokens=50,
    )  # fmt: skip
    assert "ada" in answer.output_text.lower()


def test_input_items_list_what_a_stored_response_was_given(live):
    response = live.responses.create(
        CONVERSATION, model="grok-4.3", reasoning_effort="none", max_output_tokens=50, store=True
    )
    page = live.responses.input_items(response.id)
    assert [i.type for i in page.data] == ["message"] * len(CONVERSATION)
    assert len(list(live.responses.iter_input_items(response.id, limit=2))) == len(CONVERSATION)


def test_a_prompt_past_200k_tokens_is_billed_at_the_tier_for_every_token(live):
    response = live.responses.create(
        "word " * 210_000 + "\nReply with the single word: done.",
        model="grok-4.3", reasoning_effort="none", max_output_tokens=16,
    )  # fmt: skip
    usage = response.usage
    assert usage.input_tokens >= 200_000 and usage.cost_in_usd_ticks is not None
    served = usage.cost_in_usd_ticks / 1e10
    assert live.ledger.records[-1].cost_usd == pytest.approx(served)
    est = estimate_cost(
        "grok-4.3", prompt_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
        cached_tokens=usage.cached_tokens,
    )  # fmt: skip
    assert est.long_context and est.usd_without_tier < est.usd
    assert est.usd == pytest.approx(served, rel=1e-3)  # the catalogue's tier is xAI's bill
