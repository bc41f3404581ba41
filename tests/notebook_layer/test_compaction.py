"""Issue 20: a conversation compacts its history before a turn that would reach the
long-context tier (or 80% of the window), over real HTTP against the emulator.

The emulator bills a compaction item at its compacted size (about 1% of the history)
while still answering from everything it carries, so what a user would see is all
checkable: the request that follows sends the compaction and only the newer messages,
the answer still knows what only the compacted part said, and the saving is real money.
"""

from __future__ import annotations

import json

import pytest

from grok_jupyter.client import get_ledger
from grok_jupyter.client._catalog import USD_TICKS_PER_USD
from grok_jupyter.notebook.conversation import Conversation, forget_conversation, get_conversation
from grok_jupyter.notebook.turn.compaction import compact_conversation, threshold
from tests.long_chats import FIRST, MODEL, REPORT, SECOND, posts, texts, turn


def test_the_threshold_is_the_tier_or_80_percent_of_the_window(client):
    catalog = client.catalog
    assert threshold(catalog, "grok-4.6") == 200_000  # tier 200k < 80% of 500k
    assert threshold(catalog, "grok-4.3") == 200_000  # tier 200k < 80% of 1M


def test_a_turn_that_would_reach_the_tier_compacts_the_history_first(emu, client):
    conversation = Conversation("long")
    first = turn(client, conversation, FIRST)
    assert first.compaction is None
    second = turn(client, conversation, SECOND)

    note = second.compaction
    assert note is not None and note.failed is None and note.automatic
    # The compaction read the whole first turn and came back at about 1% of it.
    [compact] = posts(emu, "/v1/responses/compact")
    assert compact["model"] == MODEL
    assert texts(compact["input"]) == [FIRST, first.text]
    assert 110_000 < note.tokens_before < 111_000
    assert note.tokens_after == round(note.tokens_before / 100)
    # The turn sent the compaction item and then only its new message, unchained.
    sent = posts(emu)[-1]
    assert sent["input"][0]["type"] == "compaction"
    assert texts(sent["input"][1:]) == [SECOND]
    assert "previous_response_id" not in sent
    assert second.usage.prompt_tokens < 200_000 - 80_000
    # ...and the answer still knows what only the compacted history said.
    assert second.text == "Your name is Zorblax."
    # The note says it, with the money saved on this turn (net of the compaction).
    assert note.saved_usd is not None and note.saved_usd > 0
    assert note.describe() == (
        f"compacted {note.tokens_before:,} tokens of history into {note.tokens_after:,}; "
        f"saved ${note.saved_usd:,.4f} on this turn"
    )
    # The turn's cost includes the compaction, as the emulator billed both.
    assert second.cost_usd == pytest.approx(
        (emu.billed["ticks"] / USD_TICKS_PER_USD) - first.cost_usd
    )
    # The conversation keeps every message; the next turn chains on the compacted answer.
    assert [m.text for m in conversation.messages] == [
        FIRST, first.text, SECOND, "Your name is Zorblax."
    ]
    third = turn(client, conversation, "What is my name?")
    assert third.compaction is None
    assert posts(emu)[-1]["previous_response_id"] == second.response_id
    assert third.usage.prompt_tokens < 200_000 - 80_000
    assert third.text == "Your name is Zorblax."


def test_the_saving_is_what_the_uncompacted_turn_really_costs_more(emu, client):
    compacted = Conversation("compacted")
    turn(client, compacted, FIRST)
    with_compaction = turn(client, compacted, SECOND)

    plain = Conversation("plain")
    turn(client, plain, FIRST)
    without = turn(client, plain, SECOND, auto_compact=False)
    assert without.compaction is None
    assert without.usage.prompt_tokens >= 200_000  # at the long-context price
    saved = without.cost_usd - with_compaction.cost_usd
    assert saved > 0.2
    assert with_compaction.compaction.saved_usd == pytest.approx(saved, rel=0.01)


def test_a_short_conversation_is_not_compacted(emu, client):
    conversation = Conversation("short")
    turn(client, conversation, "Hello")
    result = turn(client, conversation, "How are you?")
    assert result.compaction is None and conversation.compaction is None
    assert posts(emu, "/v1/responses/compact") == []


def test_the_saved_chat_keeps_the_full_history_and_the_compaction(emu, client, folder, name):
    conversation = get_conversation(name)
    turn(client, conversation, FIRST)
    turn(client, conversation, SECOND)
    [path] = folder.glob("*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert len(doc["messages"]) == 4  # the full history, for display and export
    [saved] = doc["compactions"]
    assert saved["upto"] == 2 and saved["model"] == MODEL
    assert saved["items"][0]["type"] == "compaction"

    forget_conversation(name)  # as a new kernel would find it
    again = get_conversation(name)
    assert len(again) == 4
    record = again.compaction
    assert record is not None and record.upto == 2 and record.items == saved["items"]
    # The stored chain is gone: the turn resends its history, compacted, not in full.
    client.responses.delete(again.response_id)
    result = turn(client, again, "What is my name?")
    sent = posts(emu)[-1]
    assert sent["input"][0]["type"] == "compaction"
    assert texts(sent["input"][1:]) == [SECOND, "Your name is Zorblax.", "What is my name?"]
    assert result.text == "Your name is Zorblax."
    assert "compacted here" in again.to_markdown()


def test_an_older_file_without_compactions_still_loads(emu, client, folder, name):
    conversation = get_conversation(name)
    turn(client, conversation, "Hello", api="chat")
    [path] = folder.glob("*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["compactions"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    forget_conversation(name)
    again = get_conversation(name)
    assert len(again) == 2 and again.compactions == []


def test_a_garbled_compaction_is_refused_and_the_turn_sends_the_full_history(
    emu, client, folder, name
):
    conversation = get_conversation(name)
    turn(client, conversation, FIRST)
    turn(client, conversation, SECOND)
    # Damage the saved item (a hand-edited or truncated chat file), and open it again.
    [path] = folder.glob("*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    blob = doc["compactions"][0]["items"][0]["encrypted_content"]
    garbled = blob[:40] + ("A" if blob[40] != "A" else "B") + blob[41:]
    doc["compactions"][0]["items"][0]["encrypted_content"] = garbled
    doc["response_id"] = None  # no chain to continue: the history is resent
    path.write_text(json.dumps(doc), encoding="utf-8")
    forget_conversation(name)
    conversation = get_conversation(name)
    billed = emu.billed["ticks"]

    result = turn(client, conversation, "What is my name?")
    refused, resent = posts(emu)[-2:]
    assert refused["input"][0]["type"] == "compaction"
    assert texts(resent["input"]) == [FIRST, conversation.messages[1].text, SECOND,
                                      "Your name is Zorblax.", "What is my name?"]
    assert result.text == "Your name is Zorblax."
    note = result.compaction
    assert note is not None and note.failed is not None
    assert "refused the compacted history" in note.describe()
    assert "not made by this server" in note.describe()  # the API's own reason
    # Said once: the compaction is set aside (kept in the history, marked), not retried.
    assert conversation.compaction is None
    assert "refused" in (conversation.compactions[-1].dropped or "")
    assert emu.billed["ticks"] - billed == round(result.cost_usd * USD_TICKS_PER_USD)
    # The next turn would reach the tier with the full history: it compacts it afresh.
    following = turn(client, conversation, "Thanks!")
    assert following.compaction.failed is None
    assert posts(emu, "/v1/responses/compact")[-1]["input"][0]["role"] == "user"


def test_a_compaction_for_another_model_is_set_aside(emu, client):
    conversation = Conversation("switch")
    turn(client, conversation, FIRST)
    turn(client, conversation, SECOND)
    conversation.response_id = None  # resend the history
    result = turn(client, conversation, "What is my name?", model="grok-4.3")
    note = result.compaction
    # grok-4.6's compaction is set aside; in full the history is over 220,000 tokens, so
    # it is compacted again, for grok-4.3.
    assert note is not None and note.failed is None
    assert note.model == "grok-4.3"
    compacts = posts(emu, "/v1/responses/compact")
    assert [c["model"] for c in compacts] == [MODEL, "grok-4.3"]
    assert texts(compacts[-1]["input"])[:2] == [FIRST, conversation.messages[1].text]
    sent = posts(emu)[-1]
    assert sent["model"] == "grok-4.3" and sent["input"][0]["type"] == "compaction"
    assert result.text == "Your name is Zorblax."
    models = [(c.model, c.dropped) for c in conversation.compactions]
    assert models[0][0] == MODEL and "not grok-4.3" in models[0][1]
    assert models[1] == ("grok-4.3", None)


def test_another_model_with_a_short_history_gets_the_full_history(emu, client):
    conversation = Conversation("switch-short")
    turn(client, conversation, FIRST)
    compact_conversation(client, conversation, model=MODEL)
    conversation.response_id = None
    result = turn(client, conversation, "What is my name?", model="grok-4.3")
    assert result.compaction.failed == (
        f"the compaction made for {MODEL} was set aside: grok-4.3 refuses it, so this turn "
        "sends the full history"
    )
    assert texts(posts(emu)[-1]["input"]) == [FIRST, conversation.messages[1].text,
                                              "What is my name?"]
    assert result.text == "Your name is Zorblax."


def test_compacting_by_hand(emu, client):
    conversation = Conversation("by-hand")
    with pytest.raises(Exception, match="nothing to compact"):
        compact_conversation(client, conversation)
    turn(client, conversation, FIRST)
    ledger_before = len(get_ledger().records)
    note = compact_conversation(client, conversation)
    assert note.failed is None and not note.automatic and note.saved_usd is None
    with pytest.raises(Exception, match="no turn since the last compaction"):
        compact_conversation(client, conversation)
    assert note.describe().startswith(f"compacted {note.tokens_before:,} tokens of history")
    assert conversation.cost_usd == pytest.approx(emu.billed["ticks"] / USD_TICKS_PER_USD)
    assert len(get_ledger().records) == ledger_before + 1  # the compaction, recorded
    result = turn(client, conversation, "What is my name?")
    assert posts(emu)[-1]["input"][0]["type"] == "compaction"
    assert result.text == "Your name is Zorblax."
    assert result.usage.prompt_tokens < 2_000
    # A turn after the compaction can be compacted again (with the earlier one inside).
    again = compact_conversation(client, conversation)
    assert again.failed is None
    assert posts(emu, "/v1/responses/compact")[-1]["input"][0]["type"] == "compaction"
    # For another model, the earlier compaction is set aside and the full history compacted.
    other = compact_conversation(client, conversation, model="grok-4.3")
    assert other.failed is None and other.model == "grok-4.3"
    assert texts(posts(emu, "/v1/responses/compact")[-1]["input"])[0] == FIRST
    assert conversation.compactions[-2].dropped == f"made for {MODEL}, not grok-4.3"


def test_a_failed_compaction_leaves_the_history_and_the_turn_goes_on(emu, client):
    conversation = Conversation("failing")
    turn(client, conversation, FIRST)
    # The compaction request fails, retries included (the turn's own request then works).
    emu.inject("server_error", times=client.max_retries + 1)
    result = turn(client, conversation, SECOND)
    note = result.compaction
    assert note is not None and note.failed.startswith("compaction failed (")
    assert note.failed.endswith("the history is kept as it was, uncompacted")
    assert conversation.compaction is None
    assert result.usage.prompt_tokens >= 200_000  # sent whole, at the tier price
    assert result.text == "Your name is Zorblax."


def test_editing_away_a_compacted_turn_drops_the_compaction(emu, client):
    conversation = Conversation("edited")
    turn(client, conversation, FIRST)
    turn(client, conversation, SECOND)
    assert conversation.compaction is not None
    conversation.delete_turn(1)  # after the compacted part: the compaction still holds
    assert conversation.compaction is not None
    conversation.delete_turn(0)  # the compacted turn itself
    assert conversation.compaction is None and conversation.compactions == []
    assert conversation.undo()
    assert conversation.compaction is not None


def test_the_report_is_the_size_the_tests_assume():
    assert REPORT.count(" ") + 1 == 110_000
