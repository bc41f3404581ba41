"""Follow-ups in a conversation that holds a document (raw HTTP on ``/v1/responses``).

A resent history carries the ``input_file`` part every turn. As on xAI, where
attachment_search is a tool the model calls when it needs the file, a later prompt
about something else is answered as a prompt, and one about the file quotes the file.
"""

from __future__ import annotations

import httpx

from tests.emulator.emulator_helpers import parse_sse

NOTE = "The zorblax kettle boils water in exactly 42 seconds."
OTHER = "Warranty: the zorblax kettle is covered for five years."


def _upload(http: httpx.Client, text: str, name: str = "notes.txt") -> str:
    r = http.post("/files", files={"file": (name, text.encode(), "text/plain")})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _user(text: str, *file_ids: str) -> dict:
    parts = [{"type": "input_file", "file_id": f} for f in file_ids]
    return {"role": "user", "content": [{"type": "input_text", "text": text}, *parts]}


def _ask(http: httpx.Client, *items: dict, **extra) -> dict:
    r = http.post("/responses", json={"model": "grok-4.3", "input": list(items), **extra})
    assert r.status_code == 200, r.text
    return r.json()


def _answer(body: dict) -> str:
    return next(i for i in body["output"] if i["type"] == "message")["content"][0]["text"]


def _searches(body: dict) -> int:
    # The details are absent when no tool ran (2026-09 reference, section 2).
    details = body["usage"].get("server_side_tool_usage_details", {})
    return details.get("document_search_calls", 0)


def _history(http: httpx.Client, file_id: str) -> list[dict]:
    """A first turn that attached the file, as a client resends it."""
    first = _ask(http, _user("Read my notes.", file_id))
    assert _searches(first) == 1  # the file on the current message is read
    return [_user("Read my notes.", file_id), {"role": "assistant", "content": _answer(first)}]


def test_an_unrelated_follow_up_is_answered_as_a_prompt(http):
    file_id = _upload(http, NOTE)
    history = _history(http, file_id)
    prompt = {"role": "user", "content": "reply with 300 words"}
    body = _ask(http, *history, prompt)
    text = _answer(body)
    assert "attached file" not in text and "zorblax" not in text
    assert len(text.split()) >= 250  # the words asked for, not a quote
    # No attachment_search call was made, so none is billed or shown.
    assert _searches(body) == 0 and body["usage"]["num_server_side_tools_used"] == 0
    assert not any(i["type"] == "file_search_call" for i in body["output"])
    # The same answer as without any file: the responder answered the prompt.
    plain = _ask(http, prompt)
    assert _answer(plain) == text
    # The file still counts as context: the resent part is part of the input.
    without_file = [{"role": "user", "content": "Read my notes."}, history[1], prompt]
    assert body["usage"]["input_tokens"] > _ask(http, *without_file)["usage"]["input_tokens"]


def test_a_related_follow_up_quotes_the_file(http):
    file_id = _upload(http, f"{NOTE}\n{OTHER}\n")
    history = _history(http, file_id)
    body = _ask(http, *history, {"role": "user", "content": "How fast does the kettle boil?"})
    text = _answer(body)
    assert NOTE in text and "notes.txt" in text
    assert _searches(body) == 1 and body["usage"]["num_server_side_tools_used"] == 1
    assert any(i["type"] == "file_search_call" for i in body["output"])


def test_a_follow_up_naming_the_file_searches_it_even_when_it_finds_nothing(http):
    file_id = _upload(http, NOTE)
    history = _history(http, file_id)
    body = _ask(
        http, *history, {"role": "user", "content": "What does the document say about revenue?"}
    )
    text = _answer(body)
    assert "does not mention" in text and "notes.txt" in text
    assert _searches(body) == 1  # a call that finds nothing is still a call [U]


def test_a_new_file_on_the_last_message_is_read_whatever_the_question(http):
    old = _upload(http, NOTE)
    new = _upload(http, "Bananas are yellow.\nApples are red.\n", "fruit.txt")
    history = _history(http, old)
    body = _ask(http, *history, _user("What colour are apples?", new))
    text = _answer(body)
    assert '"Apples are red."' in text
    assert "notes.txt" not in text  # the old file has nothing on apples: not searched
    assert _searches(body) == 1


def test_a_file_resent_and_attached_again_is_searched_and_billed_once(http):
    file_id = _upload(http, NOTE)
    history = _history(http, file_id)
    body = _ask(http, *history, _user("How fast does the kettle boil?", file_id))
    assert _answer(body).count(NOTE) == 1
    assert _searches(body) == 1


def test_a_streamed_unrelated_follow_up_has_no_search_events(http):
    file_id = _upload(http, NOTE)
    history = _history(http, file_id)
    r = http.post(
        "/responses",
        json={
            "model": "grok-4.3",
            "input": [*history, {"role": "user", "content": "Write a haiku about autumn"}],
            "stream": True,
        },
    )
    assert r.status_code == 200
    events = [e for e in parse_sse(r.text) if isinstance(e, dict)]
    assert not any("file_search" in e["type"] for e in events)
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert text and "zorblax" not in text
    assert _searches(events[-1]["response"]) == 0


# --- chained follow-ups: previous_response_id (issue 23, item 5) ----------------------


def test_a_chained_follow_up_about_the_file_searches_it(http):
    """The history is not resent: the stored chain holds the file, and a question about it
    is answered from it (before, only the files of the current request were searched)."""
    file_id = _upload(http, f"Q3 revenue rose 12% to $4.1M.\n{OTHER}\n", "report.txt")
    first = _ask(http, _user("Read the report.", file_id))
    body = _ask(
        http,
        {"role": "user", "content": "What does the report say about Q3?"},
        previous_response_id=first["id"],
    )
    text = _answer(body)
    assert "Q3 revenue rose 12% to $4.1M." in text and "report.txt" in text
    assert "You said" not in text
    assert _searches(body) == 1 and any(i["type"] == "file_search_call" for i in body["output"])
    # Two links on, the chain still holds it; an unrelated prompt is still a prompt.
    unrelated = _ask(
        http, {"role": "user", "content": "reply with 30 words"},
        previous_response_id=body["id"],
    )  # fmt: skip
    assert _searches(unrelated) == 0 and "zorblax" not in _answer(unrelated)
    again = _ask(
        http, {"role": "user", "content": "How long is the kettle warranty?"},
        previous_response_id=unrelated["id"],
    )  # fmt: skip
    assert OTHER in _answer(again) and _searches(again) == 1


def test_a_chained_file_deleted_since_is_a_404_naming_it(http):
    file_id = _upload(http, NOTE)
    first = _ask(http, _user("Read my notes.", file_id))
    assert http.delete(f"/files/{file_id}").status_code == 200
    r = http.post(
        "/responses",
        json={"model": "grok-4.3", "input": "What do my notes say?",
              "previous_response_id": first["id"]},
    )  # fmt: skip
    assert r.status_code == 404 and file_id in r.text
