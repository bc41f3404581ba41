"""Inline and URL ``input_file`` parts, and uploads that expire (2026-09 sections 2 and 4).

``file_data`` (base64) + ``filename`` (+ ``mime_type``) and ``file_url`` are read like
uploads; a URL on this machine is fetched for real, one elsewhere is accepted but not
fetched (the emulator is offline). ``expires_after`` must lie in [3600, 2592000].
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.emulator.files_helpers import answer_of, ask_with_files, make_pdf, upload

FACT = "The Zephyr-9 turbine produces 42 kilowatts at sea level."
QUESTION = "How many kilowatts does the turbine produce?"
INVALID = "Client specified an invalid argument"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_inline_file_data_is_read_like_an_upload_and_not_stored(http):
    pdf = make_pdf("Zephyr-9 datasheet", FACT)
    part = {
        "type": "input_file",
        "file_data": _b64(pdf),
        "filename": "spec.pdf",
        "mime_type": "application/pdf",
    }
    r = ask_with_files(http, QUESTION, part)
    assert r.status_code == 200, r.text
    body = r.json()
    assert FACT in answer_of(body) and "spec.pdf" in answer_of(body)
    assert body["usage"]["server_side_tool_usage_details"]["document_search_calls"] == 1
    assert http.get("/files").json()["data"] == []  # read for the request, not kept


def test_inline_file_data_as_a_data_url(http):
    data_url = "data:text/plain;base64," + _b64(FACT.encode())
    part = {"type": "input_file", "file_data": data_url, "filename": "fact.txt"}
    assert FACT in answer_of(ask_with_files(http, QUESTION, part).json())


def test_bad_inline_file_data_is_refused_unbilled(emu, http):
    part = {"type": "input_file", "file_data": "%%% not base64 %%%", "filename": "x.txt"}
    r = ask_with_files(http, QUESTION, part)
    assert r.status_code == 400 and r.json()["code"] == INVALID
    assert "base64" in r.json()["error"]
    empty = ask_with_files(http, QUESTION, {"type": "input_file"})
    assert empty.status_code == 400 and "file_data" in empty.json()["error"]
    assert emu.billed == {"ticks": 0, "calls": 0}


class _Files(BaseHTTPRequestHandler):
    """A site on 127.0.0.1 with one text file."""

    def do_GET(self) -> None:  # the name http.server calls
        body = FACT.encode() if self.path == "/docs/fact.txt" else None
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"not here")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_file_url_on_this_machine_is_fetched_and_read(http, local_site):
    part = {"type": "input_file", "file_url": f"{local_site}/docs/fact.txt"}
    r = ask_with_files(http, QUESTION, part)
    assert r.status_code == 200, r.text
    answer = answer_of(r.json())
    assert FACT in answer and "fact.txt" in answer


def test_a_local_file_url_that_fails_is_refused(http, local_site):
    part = {"type": "input_file", "file_url": f"{local_site}/missing.txt"}
    r = ask_with_files(http, QUESTION, part)
    assert r.status_code == 400 and "HTTP 404" in r.json()["error"]


def test_a_file_url_elsewhere_is_accepted_and_the_answer_says_it_was_not_read(http):
    url = "https://files.example.com/spec.pdf"
    r = ask_with_files(http, QUESTION, {"type": "input_file", "file_url": url})
    assert r.status_code == 200, r.text
    answer = answer_of(r.json())
    assert f"could not fetch the file at {url}" in answer and "42" not in answer


# --- expires_after ------------------------------------------------------------------


def test_expires_after_sets_expires_at(http):
    body = upload(http, b"x", "a.txt", expires_after="3600").json()
    assert body["expires_at"] == body["created_at"] + 3600
    assert http.get(f"/files/{body['id']}").json()["expires_at"] == body["expires_at"]
    assert upload(http, b"x", "b.txt").json()["expires_at"] is None


def test_expires_after_in_openai_bracket_fields(http):
    fields = {"expires_after[anchor]": "created_at", "expires_after[seconds]": "2592000"}
    body = upload(http, b"x", "a.txt", **fields).json()
    assert body["expires_at"] == body["created_at"] + 2_592_000


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_after": "3599"},
        {"expires_after": "2592001"},
        {"expires_after": "an hour"},
        {"expires_after[anchor]": "last_used", "expires_after[seconds]": "3600"},
        {"expires_after[anchor]": "created_at"},
    ],
)
def test_expires_after_out_of_range_or_malformed_is_400_and_stores_nothing(http, fields):
    r = upload(http, b"x", "a.txt", **fields)
    assert r.status_code == 400, fields
    assert r.json()["code"] == INVALID and "expires_after" in r.json()["error"]
    assert http.get("/files").json()["data"] == []
