"""Attaching documents to a turn (notebook/attach_files.py), against the emulator."""

from __future__ import annotations

import pytest

from grok_jupyter.client import InvalidRequestError, Message, TextPart, get_ledger
from grok_jupyter.client._errors import FileTooLargeError, UnsupportedFileTypeError
from grok_jupyter.notebook.attach_files import (
    AttachmentNotFoundError,
    ainput_file_part,
    forget_uploads,
    input_file_part,
    is_document,
    is_image,
    message_part,
    responses_content,
)
from grok_jupyter.notebook.conversation import Conversation
from grok_jupyter.notebook.turn import TurnObserver, TurnRequest, run_turn
from tests.documents import NOTE, make_pdf, uploads, write_note


@pytest.fixture
def note(tmp_path):
    return write_note(tmp_path)


def test_a_path_becomes_an_input_file_part_with_the_uploaded_content(client, emu, note):
    part = input_file_part(client, note)
    assert part["type"] == "input_file" and set(part) == {"type", "file_id"}
    assert len(uploads(emu)) == 1
    # The server holds the file's bytes under that id, named as on disk.
    assert client.files.content(part["file_id"]) == note.read_bytes()
    assert client.files.retrieve(part["file_id"]).filename == "notes.txt"


def test_the_same_content_is_uploaded_once_per_client(client, emu, note, tmp_path):
    first = input_file_part(client, note)
    again = input_file_part(client, str(note))  # a re-run of the cell
    copy = tmp_path / "copy.txt"
    copy.write_bytes(note.read_bytes())
    same_bytes = input_file_part(client, copy.read_bytes(), filename="copy.txt")
    assert first == again == same_bytes
    assert len(uploads(emu)) == 1
    note.write_text("Different notes now.")  # an edited file is new content: uploaded again
    edited = input_file_part(client, note)
    assert edited["file_id"] != first["file_id"]
    assert len(uploads(emu)) == 2


def test_forget_uploads_makes_the_next_attach_upload_again(client, emu, note):
    first = input_file_part(client, note)
    forget_uploads(client)
    second = input_file_part(client, note)
    assert second["file_id"] != first["file_id"]
    assert len(uploads(emu)) == 2


def test_bytes_and_binary_files_attach_with_a_name(client, emu, tmp_path):
    pdf = make_pdf("Quarterly revenue rose by 17 percent.")
    part = input_file_part(client, pdf, filename="report.pdf")
    assert client.files.retrieve(part["file_id"]).filename == "report.pdf"
    path = tmp_path / "other.csv"
    path.write_text("city,temp\nParis,21\n")
    with path.open("rb") as handle:
        part = input_file_part(client, handle)
    assert client.files.retrieve(part["file_id"]).filename == "other.csv"


def test_bytes_without_a_name_are_refused_before_sending(client, emu):
    with pytest.raises(InvalidRequestError, match="filename="):
        input_file_part(client, b"some text")
    assert emu.requests == []


def test_a_missing_path_is_refused_naming_it(client, emu, tmp_path):
    missing = tmp_path / "nowhere" / "report.pdf"
    with pytest.raises(AttachmentNotFoundError, match=r"report\.pdf") as info:
        input_file_part(client, missing)
    assert str(missing) in str(info.value) and "does not exist" in str(info.value)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ValueError)
    with pytest.raises(AttachmentNotFoundError, match="folder"):
        input_file_part(client, tmp_path)
    assert emu.requests == []


def test_a_file_over_the_limit_is_refused_unread_naming_the_limit(client, emu, tmp_path):
    from grok_jupyter.client._files import MAX_FILE_BYTES

    big = tmp_path / "huge.txt"
    with big.open("wb") as f:  # sparse: the size is real, the disk use is not
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(FileTooLargeError, match="50 MB") as info:
        input_file_part(client, big)
    assert info.value.limit == MAX_FILE_BYTES and info.value.size == MAX_FILE_BYTES + 1
    assert emu.requests == []


def test_a_type_the_api_does_not_read_is_refused_naming_what_it_reads(client, emu):
    blob = bytes(range(256)) * 4  # binary, no known signature
    with pytest.raises(UnsupportedFileTypeError, match="PDF") as info:
        input_file_part(client, blob, filename="data.bin")
    assert "data.bin" in str(info.value)
    assert emu.requests == []


def test_an_image_is_sent_as_an_image_not_a_document(client, emu):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(UnsupportedFileTypeError, match="--image"):
        input_file_part(client, png, filename="chart.png")
    assert emu.requests == []
    assert is_image("chart.PNG") and not is_document("chart.png")
    assert is_document("report.pdf") and is_document("notes.txt") and is_document("t.csv")
    assert not is_document("song.mp3") and not is_document("archive.zip")


async def test_async_client_uploads_once_too(aclient, emu, note):
    first = await ainput_file_part(aclient, note)
    second = await ainput_file_part(aclient, note)
    assert first == second and first["type"] == "input_file"
    assert len(uploads(emu)) == 1


def test_a_message_with_a_file_becomes_responses_parts(client, note):
    part = input_file_part(client, note)
    message = Message.user([TextPart(text="Summarise"), message_part(part, "notes.txt")])
    assert responses_content(message) == [
        {"type": "input_text", "text": "Summarise"},
        {"type": "input_file", "file_id": part["file_id"]},
    ]


class Statuses(TurnObserver):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def on_status(self, text: str) -> None:
        self.lines.append(text)


@pytest.mark.parametrize("stream", [True, False])
def test_a_responses_turn_answers_from_the_attached_file(client, emu, note, stream):
    part = input_file_part(client, note)
    user = Message.user([TextPart(text="How long does the kettle take?"), message_part(part)])
    observer = Statuses()
    result = run_turn(
        TurnRequest(user, stream=stream, api="responses"),
        conversation=None,
        client=client,
        observer=observer,
    )
    assert result.error is None
    assert NOTE in result.text  # quoted from the file's real content
    (request,) = [r for r in emu.requests if r.path == "/v1/responses"]
    assert {"type": "input_file", "file_id": part["file_id"]} in request.body["input"][0]["content"]
    assert any(line.startswith("searching the attached files") for line in observer.lines), (
        observer.lines
    )
    # attachment_search is billed: $10 per 1k calls, one call for the one file.
    record = get_ledger().records[-1]
    assert record.tool_call_counts == {"document_search_calls": 1}
    assert record.tool_cost_usd == pytest.approx(0.01)
    assert result.cost_usd >= 0.01


def test_a_pdf_turn_quotes_the_pdf_text(client, emu):
    text = "Quarterly revenue rose by 17 percent in the Ganymede office."
    part = input_file_part(client, make_pdf(text), filename="q3.pdf")
    user = Message.user([TextPart(text="What happened to revenue?"), message_part(part)])
    result = run_turn(TurnRequest(user, api="responses"), conversation=None, client=client)
    assert text in result.text


def test_a_resent_history_sends_the_file_again(client, emu, note):
    conversation = Conversation("files")
    part = input_file_part(client, note)
    user = Message.user([TextPart(text="Read my notes."), message_part(part, "notes.txt")])
    run_turn(TurnRequest(user, api="responses"), conversation=conversation, client=client)
    conversation.response_id = None  # the stored chain is gone: the history is resent
    result = run_turn(
        TurnRequest(Message.user("How long does the kettle take?"), api="responses"),
        conversation=conversation,
        client=client,
    )
    last = [r for r in emu.requests if r.path == "/v1/responses"][-1]
    assert last.body.get("previous_response_id") is None
    first_user = last.body["input"][0]
    assert {"type": "input_file", "file_id": part["file_id"]} in first_user["content"]
    assert NOTE in result.text
