"""ChatGrok with LangChain's standard ``file`` content blocks, against the emulator."""

from __future__ import annotations

import base64

import pytest
from langchain_core.messages import HumanMessage

from grok_jupyter.client import GrokClient, InvalidRequestError
from grok_jupyter.client._errors import FileTooLargeError, UnsupportedFileTypeError
from langchain_grok import ChatGrok
from tests.conftest import TEST_API_KEY
from tests.documents import NOTE, PDF_TEXT, input_files, make_pdf, responses_posts, uploads

pytestmark = pytest.mark.enable_socket

MODEL = "grok-4.3"
QUESTION = "How long does the zorblax kettle take?"


@pytest.fixture
def llm(emu):
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key=TEST_API_KEY) as m:
        yield m


def _b64_block(data: bytes, mime: str, filename: str) -> dict:
    return {
        "type": "file",
        "base64": base64.b64encode(data).decode(),
        "mime_type": mime,
        "filename": filename,
    }


def _ask(*blocks: dict) -> list[HumanMessage]:
    return [HumanMessage(content=[{"type": "text", "text": QUESTION}, *blocks])]


def test_base64_block_is_uploaded_and_answered_from(emu, llm):
    block = _b64_block(f"Lab notes.\n{NOTE}\n".encode(), "text/plain", "notes.txt")
    msg = llm.invoke(_ask(block))
    assert NOTE in msg.content  # the answer quotes the file's text
    (_upload,) = uploads(emu)
    (request,) = responses_posts(emu)  # switched to the Responses API by itself
    (part,) = input_files(request)
    assert set(part) == {"type", "file_id"}
    assert not emu.chat_requests
    assert msg.response_metadata["cost_usd"] > 0


def test_a_pdf_block_is_read(emu, llm):
    msg = llm.invoke(_ask(_b64_block(make_pdf(PDF_TEXT), "application/pdf", "q3.pdf")))
    assert PDF_TEXT in msg.content


def test_the_same_file_is_uploaded_once(emu, llm):
    block = _b64_block(f"{NOTE}\n".encode(), "text/plain", "notes.txt")
    llm.invoke(_ask(block))
    llm.invoke(_ask(block))  # a chain run again with the same document
    assert len(uploads(emu)) == 1
    first, second = responses_posts(emu)
    assert input_files(first) == input_files(second)


def test_file_id_block_is_sent_by_id(emu, llm):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url) as client:
        stored = client.files.upload(f"Lab notes.\n{NOTE}\n".encode(), filename="notes.txt")
    msg = llm.invoke(_ask({"type": "file", "file_id": stored.id}))
    assert NOTE in msg.content
    assert len(uploads(emu)) == 1  # only the one above: ChatGrok sent the id as given
    (request,) = responses_posts(emu)
    assert input_files(request) == [{"type": "input_file", "file_id": stored.id}]


def test_v0_and_openai_spellings_are_accepted(emu, llm):
    data = f"{NOTE}\n".encode()
    v0 = {"type": "file", "source_type": "base64", "data": base64.b64encode(data).decode(),
          "mime_type": "text/plain", "filename": "v0.txt"}  # fmt: skip
    data_url = "data:text/plain;base64," + base64.b64encode(data).decode()
    openai = {"type": "file", "file": {"filename": "oa.txt", "file_data": data_url}}
    assert NOTE in llm.invoke(_ask(v0)).content
    assert NOTE in llm.invoke(_ask(openai)).content
    assert len(uploads(emu)) == 1  # the same bytes, whatever the spelling


def test_url_block_is_sent_as_file_url(emu, llm):
    url = "https://example.com/report.pdf"
    llm_messages = _ask({"type": "file", "url": url})
    from langchain_grok._responses_request import to_input_items

    items = to_input_items(llm_messages)
    assert items[0]["content"][1] == {"type": "input_file", "file_url": url}


def test_streaming_with_a_file_block(emu, llm):
    block = _b64_block(f"Lab notes.\n{NOTE}\n".encode(), "text/plain", "notes.txt")
    chunks = list(llm.stream(_ask(block)))
    assert len(chunks) > 1
    text = "".join(c.content for c in chunks if isinstance(c.content, str))
    assert NOTE in text
    (request,) = responses_posts(emu)
    assert request.body["stream"] is True and len(input_files(request)) == 1


async def test_async_invoke_and_stream_with_a_file_block(emu, llm):
    block = _b64_block(f"Lab notes.\n{NOTE}\n".encode(), "text/plain", "notes.txt")
    msg = await llm.ainvoke(_ask(block))
    assert NOTE in msg.content
    text = ""
    async for chunk in llm.astream(_ask(block)):
        text += chunk.content if isinstance(chunk.content, str) else ""
    assert NOTE in text
    assert len(uploads(emu)) == 1


def test_chat_completions_forced_refuses_file_blocks_with_what_to_do(emu):
    block = _b64_block(b"some notes", "text/plain", "notes.txt")
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key=TEST_API_KEY,
                  use_responses_api=False) as chat_only:  # fmt: skip
        with pytest.raises(InvalidRequestError, match="use_responses_api=False"):
            chat_only.invoke(_ask(block))
    assert emu.requests == []


def test_bad_blocks_are_refused_before_anything_is_sent(emu, llm):
    with pytest.raises(InvalidRequestError, match="file_id or url"):
        llm.invoke(_ask({"type": "file", "mime_type": "application/pdf"}))
    with pytest.raises(InvalidRequestError, match="not valid base64"):
        llm.invoke(_ask({"type": "file", "base64": "@@@", "mime_type": "text/plain"}))
    blob = _b64_block(bytes(range(256)) * 4, "application/octet-stream", "data.bin")
    good = _b64_block(b"fine text", "text/plain", "ok.txt")
    with pytest.raises(UnsupportedFileTypeError, match="PDF"):
        llm.invoke(_ask(good, blob))  # the good one is not uploaded either
    assert emu.requests == []


def test_an_oversize_block_is_refused_before_upload(emu, llm, monkeypatch):
    from grok_jupyter.client import _files

    # A 50 MB payload would make the test slow; a lower limit tests the same path.
    monkeypatch.setattr(_files, "MAX_FILE_BYTES", 1000)
    with pytest.raises(FileTooLargeError):
        llm.invoke(_ask(_b64_block(b"x" * 1001, "text/plain", "big.txt")))
    assert emu.requests == []
