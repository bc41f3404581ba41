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
    """A ChatGrok that uploads every inline file: the path a large or resent file takes."""
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key=TEST_API_KEY,
                  max_inline_file_bytes=0) as m:  # fmt: skip
        yield m


@pytest.fixture
def default_llm(emu):
    """A ChatGrok with the default settings: small new files go inline."""
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


def test_a_sync_and_an_async_call_share_one_upload(emu, llm):
    # The same document through invoke() and then ainvoke(): one account, one upload,
    # though ChatGrok sends them through two clients.
    import asyncio

    block = _b64_block(f"{NOTE}\n".encode(), "text/plain", "notes.txt")
    llm.invoke(_ask(block))
    asyncio.run(llm.ainvoke(_ask(block)))
    assert len(uploads(emu)) == 1
    first, second = responses_posts(emu)
    assert input_files(first) == input_files(second)
    from grok_jupyter.notebook import attach_files

    assert TEST_API_KEY not in repr(attach_files._uploads)  # keyed by a digest of the key


# --- inline file bytes (xai-api-2026-09.md §2: input_file takes file_data) -------------


def test_a_small_new_file_is_sent_inline_and_answered_from(emu, default_llm, inline_files):
    data = f"Lab notes.\n{NOTE}\n".encode()
    msg = default_llm.invoke(_ask(_b64_block(data, "text/plain", "notes.txt")))
    assert uploads(emu) == []  # no upload round trip, nothing left stored
    (request,) = responses_posts(emu)
    assert input_files(request) == [
        {
            "type": "input_file",
            "file_data": base64.b64encode(data).decode(),
            "filename": "notes.txt",
            "mime_type": "text/plain",
        }
    ]
    assert NOTE in msg.content


def test_a_file_the_conversation_sends_again_is_uploaded_once(emu, default_llm, inline_files):
    # An agent resends its history every turn: the second time the file is uploaded,
    # and every later turn refers to it by id.
    history = _ask(_b64_block(f"{NOTE}\n".encode(), "text/plain", "notes.txt"))
    for _ in range(3):
        history = [*history, default_llm.invoke(history), HumanMessage("And then?")]
    first, second, third = (input_files(r) for r in responses_posts(emu))
    assert set(first[0]) == {"type", "file_data", "filename", "mime_type"}
    assert second == third and set(second[0]) == {"type", "file_id"}
    assert len(uploads(emu)) == 1


async def test_async_calls_send_a_small_file_inline(emu, default_llm, inline_files):
    msg = await default_llm.ainvoke(
        _ask(_b64_block(make_pdf(PDF_TEXT), "application/pdf", "q3.pdf"))
    )
    assert PDF_TEXT in msg.content
    (request,) = responses_posts(emu)
    (part,) = input_files(request)
    assert part["filename"] == "q3.pdf" and part["mime_type"] == "application/pdf"
    assert uploads(emu) == []


def test_a_file_over_the_inline_limit_is_uploaded(emu):
    data = f"Lab notes.\n{NOTE}\n".encode()
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key=TEST_API_KEY,
                  max_inline_file_bytes=len(data) - 1) as llm:  # fmt: skip
        msg = llm.invoke(_ask(_b64_block(data, "text/plain", "notes.txt")))
    assert NOTE in msg.content
    assert len(uploads(emu)) == 1
    (request,) = responses_posts(emu)
    assert [set(p) for p in input_files(request)] == [{"type", "file_id"}]
