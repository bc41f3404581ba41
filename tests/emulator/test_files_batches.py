"""The emulator's ``/v1/files`` and ``/v1/batches`` on the wire (sections 5, 6, 8 items 15-16),
and ``input_file`` parts on ``/v1/responses`` answered from the file's real text."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY, parse_sse
from tests.emulator.files_helpers import answer_of, ask_with_files, make_pdf, upload

AUTH = {"Authorization": f"Bearer {KEY}"}
NOT_FOUND = "Some requested entity was not found"
FACT = "The Zephyr-9 turbine produces 42 kilowatts at sea level."


@pytest.fixture(scope="module")
def instant() -> Iterator:
    with serve(batch_delay=0) as handle:
        yield handle


@pytest.fixture
def bhttp(instant) -> Iterator[httpx.Client]:
    instant.reset()
    with httpx.Client(base_url=instant.base_url, headers=AUTH) as c:
        yield c


# --- files --------------------------------------------------------------------


def test_upload_answers_the_section_5_object(http, emu):
    r = upload(http, b"hello\n", "greeting.txt", purpose="assistants")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "id", "object", "bytes", "created_at", "filename", "purpose", "status", "expires_at"
    }  # fmt: skip
    assert body["id"].startswith("file_") and body["bytes"] == 6
    assert (body["filename"], body["purpose"]) == ("greeting.txt", "")  # stored as "" [V]
    assert isinstance(body["created_at"], int) and body["expires_at"] is None
    assert http.get(f"/files/{body['id']}").json() == body


def test_content_is_the_raw_bytes_and_delete_then_404(http):
    data = bytes(range(256)) * 3
    file_id = http.post("/files", files={"file": ("b.bin", data)}).json()["id"]
    content = http.get(f"/files/{file_id}/content")
    assert content.content == data
    assert content.headers["content-type"] == "application/octet-stream"
    assert http.delete(f"/files/{file_id}").json() == {"id": file_id, "deleted": True}
    for r in (
        http.get(f"/files/{file_id}"),
        http.get(f"/files/{file_id}/content"),
        http.delete(f"/files/{file_id}"),
    ):
        assert r.status_code == 404 and r.json()["code"] == NOT_FOUND
        assert file_id in r.json()["error"]


def test_a_json_file_full_of_brackets_is_stored_not_parsed(http):
    deep = b"[" * 500 + b"]" * 500  # deeper than the JSON body limit: but this is a file
    r = upload(http, deep, "deep.json")
    assert r.status_code == 200
    assert http.get(f"/files/{r.json()['id']}/content").content == deep


def test_list_pages_with_pagination_token(http):
    ids = [upload(http, f"{i}\n".encode(), f"f{i}.txt").json()["id"] for i in range(5)]
    seen, token, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"pagination_token": token} if token else {})}
        page = http.get("/files", params=params).json()
        assert set(page) == {"data", "pagination_token"}  # xAI paging, not has_more
        seen += [f["id"] for f in page["data"]]
        pages += 1
        token = page["pagination_token"]
        if token is None:
            break
    assert seen == ids and pages == 3
    # A token stays valid when an earlier file goes.
    first = http.get("/files", params={"limit": 2}).json()
    http.delete(f"/files/{ids[0]}")
    rest = http.get("/files", params={"limit": 2, "pagination_token": first["pagination_token"]})
    assert [f["id"] for f in rest.json()["data"]] == ids[2:4]


def test_bad_uploads_and_list_params_are_400(http):
    assert http.post("/files", json={"file": "x"}).status_code == 400
    missing = http.post("/files", data={"purpose": "x"}, files={"other": ("a", b"a")})
    assert missing.status_code == 400 and "'file'" in missing.json()["error"]
    assert http.get("/files", params={"limit": 0}).status_code == 400
    assert http.get("/files", params={"pagination_token": "zz"}).status_code == 400


def test_over_the_file_limit_is_413_and_the_limit_is_configurable():
    with serve(max_file_bytes=100) as small:
        with httpx.Client(base_url=small.base_url, headers=AUTH) as http:
            assert upload(http, b"a" * 100).status_code == 200
            over = upload(http, b"a" * 101)
            assert over.status_code == 413
            assert "length limit exceeded" in over.text
            assert len(http.get("/files").json()["data"]) == 1


# --- batches --------------------------------------------------------------------


def chat_item(rid: str, prompt: str, model: str = "grok-4.3") -> dict:
    return {
        "batch_request_id": rid,
        "batch_request": {
            "chat_get_completion": {
                "model": model,
                "messages": [{"role": "user", "content": prompt}],
            }
        },
    }


def test_a_batch_answers_in_order_with_per_request_errors_at_80_percent(bhttp):
    batch = bhttp.post("/batches", json={"name": "b"}).json()
    assert set(batch) == {
        "batch_id", "name", "create_time", "expire_time", "cancel_time",
        "cancel_by_xai_message", "input_file_id", "state",
    }  # fmt: skip
    assert "status" not in batch  # counters only (section 6)
    assert batch["state"] == {
        "num_requests": 0, "num_pending": 0, "num_success": 0, "num_error": 0, "num_cancelled": 0
    }  # fmt: skip
    bid = batch["batch_id"]
    items = [
        chat_item("z", "Name a river."),
        chat_item("bad-model", "hi", model="grok-nope"),
        chat_item("a", "Say hello."),
        {"batch_request_id": "img", "batch_request": {"image_generation": {"prompt": "cat"}}},
    ]
    add = bhttp.post(f"/batches/{bid}/requests", json={"batch_requests": items})
    assert add.status_code == 200
    state = bhttp.get(f"/batches/{bid}").json()["state"]
    assert (state["num_requests"], state["num_success"], state["num_error"]) == (4, 2, 2)
    page = bhttp.get(f"/batches/{bid}/results").json()
    assert [r["batch_request_id"] for r in page["results"]] == ["z", "bad-model", "a", "img"]
    assert page["pagination_token"] is None
    error = page["results"][1]["batch_result"]["error"]
    assert error["code"] == 5 and "grok-nope" in error["message"]
    assert "image_generation" in page["results"][3]["batch_result"]["error"]["message"]
    answered = page["results"][0]["batch_result"]["response"]["chat_get_completion"]
    live = bhttp.post("/chat/completions", json=items[0]["batch_request"]["chat_get_completion"])
    assert (
        answered["choices"][0]["message"]["content"]
        == live.json()["choices"][0]["message"]["content"]
    )
    assert answered["usage"]["cost_in_usd_ticks"] == round(
        live.json()["usage"]["cost_in_usd_ticks"] * 0.8
    )


def completion_of(result: dict) -> dict:
    return result["batch_result"]["response"]["chat_get_completion"]


def test_results_page_and_the_order_is_stable(bhttp, instant):
    bid = bhttp.post("/batches", json={"name": "paged"}).json()["batch_id"]
    ids = [f"r{i}" for i in (3, 1, 4, 0, 2)]
    items = [chat_item(rid, f"Question {rid}") for rid in ids]
    bhttp.post(f"/batches/{bid}/requests", json={"batch_requests": items})
    seen, token = [], None
    while True:
        params = {"limit": 2, **({"pagination_token": token} if token else {})}
        page = bhttp.get(f"/batches/{bid}/results", params=params).json()
        seen += [r["batch_request_id"] for r in page["results"]]
        token = page["pagination_token"]
        if token is None:
            break
    assert seen == ids
    again = bhttp.get(f"/batches/{bid}/results").json()["results"]
    assert [r["batch_request_id"] for r in again] == ids
    reread = bhttp.get(f"/batches/{bid}/results").json()["results"]
    assert reread == again  # answered once: the same ids and texts on every read
    ticks = [completion_of(r)["usage"]["cost_in_usd_ticks"] for r in again]
    assert instant.billed["ticks"] == sum(ticks)  # billed once, however often read


def test_cancel_is_the_colon_verb():
    with serve(batch_delay=3600) as slow, httpx.Client(base_url=slow.base_url, headers=AUTH) as h:
        bid = h.post("/batches", json={"name": "c"}).json()["batch_id"]
        h.post(f"/batches/{bid}/requests", json={"batch_requests": [chat_item("a", "hi")]})
        assert h.get(f"/batches/{bid}").json()["state"]["num_pending"] == 1
        assert h.post(f"/batches/{bid}/cancel").status_code == 404  # no such route
        cancelled = h.post(f"/batches/{bid}:cancel").json()
        assert cancelled["cancel_time"] and cancelled["cancel_by_xai_message"] is None
        assert cancelled["state"]["num_cancelled"] == 1 and cancelled["state"]["num_pending"] == 0
        late = h.post(f"/batches/{bid}/requests", json={"batch_requests": [chat_item("b", "x")]})
        assert late.status_code == 400


def test_unknown_batch_and_bad_requests(bhttp):
    for r in (
        bhttp.get("/batches/batch_nope"),
        bhttp.get("/batches/batch_nope/results"),
        bhttp.post("/batches/batch_nope:cancel"),
        bhttp.post("/batches/batch_nope/requests", json={"batch_requests": []}),
    ):
        assert r.status_code == 404 and r.json()["code"] == NOT_FOUND
    assert bhttp.post("/batches", json={}).status_code == 400
    assert bhttp.post("/batches", json={"name": "x", "input_file_id": "file_no"}).status_code == 404
    bid = bhttp.post("/batches", json={"name": "dup"}).json()["batch_id"]
    dup = [chat_item("same", "a"), chat_item("same", "b")]
    r = bhttp.post(f"/batches/{bid}/requests", json={"batch_requests": dup})
    assert r.status_code == 400 and "Duplicate" in r.json()["error"]
    assert bhttp.get(f"/batches/{bid}").json()["state"]["num_requests"] == 0


def test_list_batches_pages(bhttp):
    ids = [bhttp.post("/batches", json={"name": f"n{i}"}).json()["batch_id"] for i in range(3)]
    page = bhttp.get("/batches", params={"limit": 2}).json()
    assert [b["batch_id"] for b in page["batches"]] == ids[:2]
    rest = bhttp.get("/batches", params={"pagination_token": page["pagination_token"]}).json()
    assert [b["batch_id"] for b in rest["batches"]] == ids[2:] and rest["pagination_token"] is None


def test_a_batch_from_a_jsonl_input_file(bhttp):
    lines = "\n".join(json.dumps(chat_item(k, f"Q {k}")) for k in ("x", "y")) + "\n"
    file_id = upload(bhttp, lines.encode(), "in.jsonl").json()["id"]
    batch = bhttp.post("/batches", json={"name": "f", "input_file_id": file_id}).json()
    assert batch["input_file_id"] == file_id and batch["state"]["num_requests"] == 2
    results = bhttp.get(f"/batches/{batch['batch_id']}/results").json()["results"]
    assert [r["batch_request_id"] for r in results] == ["x", "y"]


# --- input_file on /v1/responses ------------------------------------------------


def test_a_pdf_attachment_is_quoted_and_billed_as_attachment_search(http):
    pdf = make_pdf("Zephyr-9 datasheet", FACT, "Warranty: five years.")
    file_id = http.post("/files", files={"file": ("spec.pdf", pdf, "application/pdf")}).json()["id"]
    r = ask_with_files(
        http,
        "How many kilowatts does the turbine produce?",
        {"type": "input_file", "file_id": file_id},
    )
    assert r.status_code == 200
    body = r.json()
    text = answer_of(body)
    assert FACT in text and "spec.pdf" in text
    assert "Warranty" not in text  # quotes what answers the question, not the whole file
    usage = body["usage"]
    assert usage["server_side_tool_usage_details"]["document_search_calls"] == 1
    assert usage["num_server_side_tools_used"] == 1
    plain = ask_with_files(http, "How many kilowatts does the turbine produce?").json()["usage"]
    assert plain["num_server_side_tools_used"] == 0
    # $10 per 1k attachment_search calls (section 3.3): 1e8 ticks on top of the tokens.
    assert usage["cost_in_usd_ticks"] - 100_000_000 > 0
    assert any(i["type"] == "file_search_call" for i in body["output"])


def test_a_text_attachment_by_content_url_and_a_question_it_does_not_answer(http, emu):
    file_id = upload(http, b"Bananas are yellow.\nApples are red.\n", "fruit.txt").json()["id"]
    url = f"{emu.base_url}/files/{file_id}/content"
    by_url = {"type": "input_file", "file_url": url}
    body = ask_with_files(http, "What colour are apples?", by_url).json()
    assert '"Apples are red."' in answer_of(body)
    by_id = {"type": "input_file", "file_id": file_id}
    body = ask_with_files(http, "Who wrote Hamlet?", by_id).json()
    assert "does not mention" in answer_of(body) and "Bananas are yellow." in answer_of(body)


def test_a_streamed_answer_from_a_file(http):
    file_id = upload(http, FACT.encode(), "fact.txt").json()["id"]
    part = {"type": "input_file", "file_id": file_id}
    r = ask_with_files(http, "turbine kilowatts?", part, stream=True)
    events = [e for e in parse_sse(r.text) if isinstance(e, dict)]  # "[DONE]" [U] aside
    kinds = [e["type"] for e in events]
    assert "response.file_search_call.completed" in kinds
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert FACT in text
    assert (
        events[-1]["response"]["usage"]["server_side_tool_usage_details"]["document_search_calls"]
        == 1
    )


def test_an_unknown_file_id_is_refused_before_anything_is_billed(emu, http):
    missing = ask_with_files(http, "q", {"type": "input_file", "file_id": "file_missing"})
    assert missing.status_code == 404 and "file_missing" in missing.json()["error"]
    assert emu.billed == {"ticks": 0, "calls": 0}


def test_a_file_url_off_this_machine_is_accepted_but_not_fetched(http):
    # As an image URL the offline emulator cannot reach (_vision): accepted, and the
    # answer says the file could not be read rather than inventing its contents.
    url = "https://example.com/reports/a.pdf"
    r = ask_with_files(http, "What does the report say?", {"type": "input_file", "file_url": url})
    assert r.status_code == 200, r.text
    assert f"could not fetch the file at {url}" in answer_of(r.json())


def test_a_request_without_files_is_answered_as_before(http, chat):
    body = ask_with_files(http, "Say hello.").json()
    assert all(i["type"] in ("reasoning", "message") for i in body["output"])
    # No tool ran: no per-tool details at all (2026-09 reference, section 2 [REC]).
    assert "server_side_tool_usage_details" not in body["usage"]
    assert chat("Say hello.").json()["choices"][0]["message"]["content"] == answer_of(body)
