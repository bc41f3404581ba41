"""``client.files`` against the emulator: upload, paging, content, delete, and the checks
that refuse a file before any byte is sent."""

from __future__ import annotations

import io
import os

import pytest

from grok_jupyter.client import (
    APIStatusError,
    FileTooLargeError,
    GrokClient,
    InvalidRequestError,
    NotFoundError,
    UnsupportedFileTypeError,
)
from grok_jupyter.client._files import MAX_FILE_BYTES
from grok_jupyter.emulator import serve
from tests.conftest import TEST_API_KEY

REPORT = b"Quarterly report\nTotal revenue: 5.2 million dollars.\n"
ZIP = b"PK\x03\x04" + bytes(range(256)) * 4  # a zip archive: not a document


def _uploads(emu) -> list:
    return [r for r in emu.requests if r.path == "/v1/files" and r.method == "POST"]


def test_upload_bytes_then_retrieve_content_and_delete(client, emu):
    stored = client.files.upload(REPORT, filename="report.txt")
    assert stored.id.startswith("file_")
    assert (stored.filename, stored.bytes, stored.purpose) == ("report.txt", len(REPORT), "")
    assert isinstance(stored.created_at, int)
    sent = _uploads(emu)[0]
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")

    assert client.files.retrieve(stored.id) == stored
    assert client.files.content(stored.id) == REPORT

    deleted = client.files.delete(stored.id)
    assert (deleted.id, deleted.deleted) == (stored.id, True)
    with pytest.raises(NotFoundError) as err:
        client.files.retrieve(stored.id)
    assert stored.id in str(err.value)
    with pytest.raises(NotFoundError):
        client.files.content(stored.id)
    with pytest.raises(NotFoundError):
        client.files.delete(stored.id)


def test_upload_a_path_and_a_file_object_keeps_their_names_and_bytes(client, tmp_path):
    path = tmp_path / "notes.md"
    path.write_bytes(b"# Notes\n\n- alpha\n- beta\n")
    from_path = client.files.upload(path)
    assert from_path.filename == "notes.md"
    assert client.files.content(from_path.id) == path.read_bytes()

    with open(path, "rb") as f:
        from_handle = client.files.upload(f, purpose="assistants")
    assert from_handle.filename == "notes.md"
    assert from_handle.purpose == ""  # xAI stores purpose as "" whatever is sent (section 5)

    csv = client.files.upload(io.BytesIO(b"a,b\n1,2\n"), filename="t.csv")
    assert client.files.content(csv.id) == b"a,b\n1,2\n"


def test_binary_content_round_trips_exactly(client):
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    stored = client.files.upload(pdf, filename="scan.pdf")
    assert client.files.content(stored.id) == pdf


def test_bytes_without_a_name_get_one_from_their_type(client):
    assert client.files.upload(b"%PDF-1.4\n%%EOF\n").filename == "upload.pdf"
    assert client.files.upload(b"plain words").filename == "upload.txt"


def test_list_pages_with_the_pagination_token_and_iter_follows_it(client, emu):
    ids = [client.files.upload(f"file {i}\n".encode(), filename=f"f{i}.txt").id for i in range(5)]
    first = client.files.list(limit=2)
    assert [f.id for f in first.data] == ids[:2]
    assert first.pagination_token
    second = client.files.list(limit=2, pagination_token=first.pagination_token)
    assert [f.id for f in second.data] == ids[2:4]
    last = client.files.list(limit=2, pagination_token=second.pagination_token)
    assert [f.id for f in last.data] == ids[4:]
    assert last.pagination_token is None

    before = len([r for r in emu.requests if r.method == "GET"])
    assert [f.id for f in client.files.iter(limit=2)] == ids
    gets = [r for r in emu.requests if r.method == "GET"][before:]
    assert [r.path for r in gets] == ["/v1/files"] * 3
    assert [f.id for f in client.files.iter()] == ids  # one page


def test_a_file_over_the_limit_is_refused_before_anything_is_sent(client, emu, tmp_path):
    with pytest.raises(FileTooLargeError) as err:
        client.files.upload(b"x" * (MAX_FILE_BYTES + 1), filename="big.txt")
    assert err.value.limit == MAX_FILE_BYTES == 50 * 1024 * 1024
    assert f"{MAX_FILE_BYTES:,} bytes" in str(err.value) and "50 MB" in str(err.value)
    assert isinstance(err.value, InvalidRequestError) and isinstance(err.value, ValueError)

    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as f:
        f.truncate(2 * MAX_FILE_BYTES)  # sparse: refused by its size, never read
    with pytest.raises(FileTooLargeError) as err:
        client.files.upload(huge)
    assert err.value.size == 2 * MAX_FILE_BYTES and "huge.csv" in str(err.value)
    with open(huge, "rb") as f, pytest.raises(FileTooLargeError):
        client.files.upload(f)
    assert emu.requests == []


def test_a_file_of_a_type_the_api_does_not_read_is_refused_before_upload(client, emu):
    with pytest.raises(UnsupportedFileTypeError) as err:
        client.files.upload(ZIP, filename="archive.zip")
    text = str(err.value)
    assert "archive.zip" in text and "PDF" in text and "CSV" in text
    assert "PDF" in err.value.readable and "Markdown" in err.value.readable
    assert isinstance(err.value, InvalidRequestError)
    with pytest.raises(UnsupportedFileTypeError):
        client.files.upload(b"\x00\x01\x02binary", filename="data.bin")
    assert emu.requests == []


def test_readable_types_pass_the_check(client):
    docx_head = b"PK\x03\x04" + b"\x00" * 64
    for data, name in [
        ("naïve café, 東京\n".encode(), "utf8.txt"),
        (b'{"a": 1}', "x.json"),
        (b"def f():\n    return 1\n", "f.py"),
        ("utf-16 text".encode("utf-16"), "u16.txt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "img.png"),
        (docx_head, "letter.docx"),
    ]:
        assert client.files.upload(data, filename=name).bytes == len(data)


def test_bad_arguments_are_refused_with_what_to_pass(client, emu, tmp_path):
    with pytest.raises(InvalidRequestError, match="No file at"):
        client.files.upload(tmp_path / "missing.pdf")
    with pytest.raises(InvalidRequestError, match="text mode"):
        with open(tmp_path / "t.txt", "w+") as f:
            client.files.upload(f)
    with pytest.raises(InvalidRequestError, match="path, bytes or a binary file"):
        client.files.upload(12345)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="limit must be a positive integer"):
        client.files.list(limit=0)
    with pytest.raises(InvalidRequestError, match="file_id"):
        client.files.retrieve("")
    assert emu.requests == []


def test_the_server_refuses_a_file_over_its_own_limit_with_413():
    with serve(max_file_bytes=1000) as small:
        with GrokClient(api_key=TEST_API_KEY, base_url=small.base_url, max_retries=0) as c:
            assert c.files.upload(b"a" * 1000, filename="fits.txt").bytes == 1000
            with pytest.raises(APIStatusError) as err:
                c.files.upload(b"a" * 1001, filename="over.txt")
            assert err.value.status_code == 413
            assert [f.filename for f in c.files.iter()] == ["fits.txt"]


def test_the_key_never_appears_in_errors(client, emu):
    with pytest.raises(NotFoundError) as err:
        client.files.retrieve("file_nope")
    assert TEST_API_KEY not in str(err.value) and TEST_API_KEY not in repr(err.value)


async def test_async_files_upload_list_iter_content_delete(aclient, emu, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(REPORT)
    first = await aclient.files.upload(path)
    second = await aclient.files.upload(b"second\n", filename="b.txt")
    page = await aclient.files.list(limit=1)
    assert [f.id for f in page.data] == [first.id] and page.pagination_token
    assert [f.id async for f in aclient.files.iter(limit=1)] == [first.id, second.id]
    assert (await aclient.files.retrieve(second.id)).filename == "b.txt"
    assert await aclient.files.content(first.id) == REPORT
    assert (await aclient.files.delete(first.id)).deleted is True
    with pytest.raises(NotFoundError):
        await aclient.files.content(first.id)
    before = len(emu.requests)
    with pytest.raises(FileTooLargeError):
        await aclient.files.upload(b"x" * (MAX_FILE_BYTES + 1), filename="big.txt")
    with pytest.raises(UnsupportedFileTypeError):
        await aclient.files.upload(ZIP, filename="a.zip")
    assert len(emu.requests) == before


def test_sizes_are_judged_on_what_remains_of_a_file_object(client):
    handle = io.BytesIO(b"HEADER" + REPORT)
    handle.seek(len(b"HEADER"))
    stored = client.files.upload(handle, filename="rest.txt")
    assert client.files.content(stored.id) == REPORT
    assert os.path.basename(stored.filename) == "rest.txt"


def test_an_uploaded_pdf_answers_a_responses_question_billed_in_the_ledger(client):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fact = "Invoice 7731 is due on 14 March and totals 1,280 euros."
    fig = Figure(figsize=(6, 1))
    fig.text(0.02, 0.5, fact)
    buf = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(buf, format="pdf")
    stored = client.files.upload(buf.getvalue(), filename="invoice.pdf")
    answer = client.responses.create(
        [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "When is invoice 7731 due?"},
                    {"type": "input_file", "file_id": stored.id},
                ],
            }
        ]
    )
    assert fact in answer.output_text and "invoice.pdf" in answer.output_text
    record = client.ledger.records[-1]
    assert record.tool_call_counts == {"document_search_calls": 1}
    # attachment_search: $10 per 1k calls (section 3.3), split from the token cost.
    assert record.tool_cost_usd == pytest.approx(0.01)
    assert record.total_cost_usd == pytest.approx(answer.usage.cost_in_usd_ticks / 1e10)


def test_an_upload_answered_503_is_retried_with_the_same_bytes(client, emu):
    emu.inject("unavailable")
    stored = client.files.upload(REPORT, filename="retry.txt")
    assert len(_uploads(emu)) == 2  # the 503, then the retry
    assert client.files.content(stored.id) == REPORT
    assert [f.filename for f in client.files.iter()] == ["retry.txt"]  # stored once
