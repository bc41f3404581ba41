"""POST /v1/responses/compact and GET /v1/responses/{id}/input_items over real HTTP.

Shapes: shared/xai-api-2026-09.md section 2. The compaction item must really carry the
conversation: a later turn is answered from what only the compacted history said.
"""

from __future__ import annotations

import re

import httpx

from grok_jupyter.client._catalog import USD_TICKS_PER_USD, get_catalog
from grok_jupyter.client._tokens import count_prompt_tokens
from grok_jupyter.client._types import Usage
from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY
from tests.emulator.responses_helpers import text_of

CONVERSATION = [
    {"role": "user", "content": "My name is Zorblax and I keep bees in Tromsø."},
    {"role": "assistant", "content": "Nice to meet you, Zorblax."},
]
INVALID = "Client specified an invalid argument"


def _compact(http: httpx.Client, input_items: list, model: str = "grok-4.3") -> httpx.Response:
    return http.post("/responses/compact", json={"model": model, "input": input_items})


def _turn(http: httpx.Client, input_items: list, model: str = "grok-4.3") -> httpx.Response:
    return http.post("/responses", json={"model": model, "input": input_items})


def test_compaction_has_the_documented_shape_and_is_billed(emu, http):
    r = _compact(http, CONVERSATION)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "response.compaction" and body["model"] == "grok-4.3"
    assert re.fullmatch(r"cmp_[0-9a-f-]{36}", body["id"])
    assert isinstance(body["created_at"], int)
    [item] = body["output"]
    assert item["type"] == "compaction" and isinstance(item["encrypted_content"], str)
    # Opaque: nothing the user said can be read off it.
    assert "Zorblax" not in item["encrypted_content"]
    usage = body["usage"]
    assert usage["input_tokens"] == count_prompt_tokens(CONVERSATION, [])
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert usage["output_tokens"] > 0 and usage["output_tokens_details"]["reasoning_tokens"] == 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["dropped_message_count"] == len(CONVERSATION)
    # At the model's prices, and counted once in what the emulator billed.
    price = get_catalog().resolve("grok-4.3")
    expected = price.cost_usd(
        Usage(prompt_tokens=usage["input_tokens"], completion_tokens=usage["output_tokens"])
    )
    assert usage["cost_in_usd_ticks"] == round(expected * USD_TICKS_PER_USD) > 0
    assert emu.billed == {"ticks": usage["cost_in_usd_ticks"], "calls": 1}


def test_the_next_turn_is_answered_from_the_compacted_history(http):
    output = _compact(http, CONVERSATION).json()["output"]
    r = _turn(http, [*output, {"role": "user", "content": "What is my name?"}])
    assert r.status_code == 200, r.text
    assert text_of(r.json()) == "Your name is Zorblax."
    # Without the compaction item the name is unknown: the answer came from it.
    alone = _turn(http, [{"role": "user", "content": "What is my name?"}]).json()
    assert "Zorblax" not in text_of(alone)


def _long_conversation(words: int = 60_000) -> list[dict]:
    """A history of about ``words`` tokens whose first message says the name."""
    filler = " ".join(f"word{n % 997}" for n in range(words))
    return [
        {"role": "user", "content": "My name is Zorblax and I keep bees in Tromsø."},
        {"role": "assistant", "content": "Nice to meet you, Zorblax."},
        {"role": "user", "content": f"Here is my report:\n{filler}"},
        {"role": "assistant", "content": "Thanks, I have read it."},
    ]


def test_a_tiny_history_is_not_grown_by_compaction(http):
    question = {"role": "user", "content": "What is my name?"}
    output = _compact(http, CONVERSATION).json()["output"]
    compacted = _turn(http, [*output, question]).json()["usage"]
    full = _turn(http, [*CONVERSATION, question]).json()["usage"]
    # The compacted size is never more than the history it replaces.
    assert compacted["input_tokens"] == full["input_tokens"]


def test_a_compacted_history_is_billed_at_its_compacted_size(emu, http):
    """Real compaction replaces the history by something much smaller; the emulator bills
    the item as its compacted size (about 1% of the history, 256 to 4,096 tokens [U]) while
    still answering from every message it carries. This replaced the earlier lossless
    billing, under which compacting never saved anything."""
    history = _long_conversation()
    question = {"role": "user", "content": "What is my name?"}
    history_tokens = count_prompt_tokens(history, [])
    r = _compact(http, history)
    usage = r.json()["usage"]
    assert usage["input_tokens"] == history_tokens
    assert usage["output_tokens"] == max(256, min(4096, round(history_tokens / 100)))
    compacted = _turn(http, [*r.json()["output"], question]).json()
    question_tokens = count_prompt_tokens([question], [])
    assert compacted["usage"]["input_tokens"] == usage["output_tokens"] + question_tokens
    # Answered from the compacted history all the same.
    assert text_of(compacted) == "Your name is Zorblax."
    # A turn chained on it keeps the history at its compacted size (cached, as any chain).
    chained = http.post(
        "/responses",
        json={
            "model": "grok-4.3",
            "input": "Thanks.",
            "previous_response_id": compacted["id"],
        },
    ).json()["usage"]
    assert chained["input_tokens"] < usage["output_tokens"] + 100
    assert chained["input_tokens_details"]["cached_tokens"] > 0


def test_a_small_compaction_is_billed_at_least_256_tokens(http):
    history = _long_conversation(2_000)
    usage = _compact(http, history).json()["usage"]
    assert count_prompt_tokens(history, []) > 256
    assert usage["output_tokens"] == 256


def test_a_huge_compaction_is_billed_at_most_4096_tokens(http):
    usage = _compact(http, _long_conversation(450_000)).json()["usage"]
    assert usage["input_tokens"] > 409_600 and usage["output_tokens"] == 4096


def test_a_compaction_of_a_compaction_reads_the_earlier_one_at_its_size(http):
    history = _long_conversation()
    first = _compact(http, history).json()
    more = [{"role": "user", "content": "Say 'ok'"}, {"role": "assistant", "content": "ok"}]
    second = _compact(http, [*first["output"], *more]).json()
    assert second["usage"]["input_tokens"] == (
        first["usage"]["output_tokens"] + count_prompt_tokens(more, [])
    )
    assert second["usage"]["dropped_message_count"] == len(history) + 2
    r = _turn(http, [*second["output"], {"role": "user", "content": "What is my name?"}])
    assert text_of(r.json()) == "Your name is Zorblax."


def test_a_compaction_can_hold_an_earlier_compaction(http):
    first = _compact(http, CONVERSATION).json()["output"]
    more = [{"role": "user", "content": "Say 'ok'"}, {"role": "assistant", "content": "ok"}]
    later = [*first, *more]
    second = _compact(http, later)
    assert second.json()["usage"]["dropped_message_count"] == 4
    r = _turn(http, [*second.json()["output"], {"role": "user", "content": "What is my name?"}])
    assert text_of(r.json()) == "Your name is Zorblax."


def test_a_chained_response_can_be_compacted(http):
    first = _turn(http, CONVERSATION).json()
    r = http.post(
        "/responses/compact",
        json={"model": "grok-4.3", "input": "Thanks.", "previous_response_id": first["id"]},
    )
    assert r.status_code == 200, r.text
    answer = _turn(http, [*r.json()["output"], {"role": "user", "content": "What is my name?"}])
    assert text_of(answer.json()) == "Your name is Zorblax."


def test_a_compaction_for_another_model_is_refused_unbilled(emu, http):
    output = _compact(http, CONVERSATION).json()["output"]
    before = emu.billed
    r = _turn(http, [*output, {"role": "user", "content": "What is my name?"}], model="grok-4.6")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == INVALID
    assert "made for model grok-4.3" in body["error"] and "grok-4.6" in body["error"]
    assert emu.billed == before


def test_an_alias_or_retired_id_of_the_same_model_is_accepted(http):
    output = _compact(http, CONVERSATION).json()["output"]
    for name in ("grok-4.3-latest", "grok-4"):  # an alias; a retired id answered by grok-4.3
        r = _turn(http, [*output, {"role": "user", "content": "What is my name?"}], model=name)
        assert r.status_code == 200, (name, r.text)
        assert text_of(r.json()) == "Your name is Zorblax."


def test_a_garbled_compaction_item_is_refused(emu, http):
    [item] = _compact(http, CONVERSATION).json()["output"]
    blob = item["encrypted_content"]
    question = {"role": "user", "content": "What is my name?"}
    flipped = blob[:30] + ("A" if blob[30] != "A" else "B") + blob[31:]
    before = emu.billed
    for bad in (flipped, blob[:-5], "not a compaction", ""):
        r = _turn(http, [{"type": "compaction", "encrypted_content": bad}, question])
        assert r.status_code == 400, bad
        assert r.json()["code"] == INVALID
    assert emu.billed == before


def test_a_compaction_from_another_emulator_is_refused(http):
    with (
        serve() as other,
        httpx.Client(
            base_url=other.base_url, headers={"Authorization": f"Bearer {KEY}"}
        ) as elsewhere,
    ):
        output = _compact(elsewhere, CONVERSATION).json()["output"]
    r = _turn(http, [*output, {"role": "user", "content": "What is my name?"}])
    assert r.status_code == 400 and "not made by this server" in r.json()["error"]


def test_compact_checks_its_body(http):
    missing = http.post("/responses/compact", json={"input": "hi"})
    assert missing.status_code == 422 and "missing field `model`" in missing.text
    no_input = http.post("/responses/compact", json={"model": "grok-4.3"})
    assert no_input.status_code == 422 and "missing field `input`" in no_input.text
    unknown = _compact(http, CONVERSATION, model="grok-9")
    assert unknown.status_code == 404


def _three_turn_response(http: httpx.Client) -> dict:
    items = [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": [{"type": "input_text", "text": "three"}]},
    ]
    return _turn(http, items).json()


def _texts(listing: dict) -> list[str]:
    return [item["content"][0]["text"] for item in listing["data"]]


def test_input_items_list_the_request_input_newest_first(http):
    rid = _three_turn_response(http)["id"]
    r = http.get(f"/responses/{rid}/input_items")
    assert r.status_code == 200
    listing = r.json()
    assert listing["object"] == "list" and listing["has_more"] is False
    assert _texts(listing) == ["three", "two", "one"]
    assert listing["first_id"] == listing["data"][0]["id"]
    assert listing["last_id"] == listing["data"][-1]["id"]
    assert all(item["type"] == "message" and item["id"] for item in listing["data"])
    assert [item["role"] for item in listing["data"]] == ["user", "assistant", "user"]


def test_input_items_page_with_limit_order_and_after(http):
    rid = _three_turn_response(http)["id"]
    first = http.get(f"/responses/{rid}/input_items", params={"limit": 2, "order": "asc"}).json()
    assert _texts(first) == ["one", "two"] and first["has_more"] is True
    rest = http.get(
        f"/responses/{rid}/input_items",
        params={"limit": 2, "order": "asc", "after": first["last_id"]},
    ).json()
    assert _texts(rest) == ["three"] and rest["has_more"] is False


def test_input_items_refuse_bad_paging_and_unknown_responses(http):
    rid = _three_turn_response(http)["id"]
    for params in ({"limit": 0}, {"limit": 101}, {"order": "up"}, {"after": "msg_nope"}):
        r = http.get(f"/responses/{rid}/input_items", params=params)
        assert r.status_code == 400 and r.json()["code"] == INVALID, params
    assert http.get("/responses/no-such-id/input_items").status_code == 404
    unstored = http.post(
        "/responses", json={"model": "grok-4.3", "input": "hi", "store": False}
    ).json()
    assert http.get(f"/responses/{unstored['id']}/input_items").status_code == 404
