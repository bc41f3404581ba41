"""``%%grok --file``: documents sent as input_file parts on the Responses API."""

from __future__ import annotations

import pytest

from tests.documents import (
    NOTE,
    PDF_TEXT,
    input_files,
    make_pdf,
    responses_posts,
    uploads,
    write_note,
)


def _file_ids(request) -> list[str]:
    return [p["file_id"] for p in input_files(request)]


@pytest.fixture
def note(tmp_path):
    return write_note(tmp_path)


def test_file_answer_quotes_the_file(ip, emu, note):
    ip.ok(f"%%grok --file {note}\nHow long does the zorblax kettle take?")
    assert NOTE in ip.markdown()
    assert len(uploads(emu)) == 1
    (request,) = responses_posts(emu)
    assert len(_file_ids(request)) == 1
    assert not emu.chat_requests  # input_file parts exist only on the Responses API


def test_pdf_answer_quotes_the_pdf_text(ip, emu, tmp_path):
    pdf = tmp_path / "q3 report.pdf"
    pdf.write_bytes(make_pdf(PDF_TEXT))
    ip.ok(f'%%grok --file "{pdf}" -o answer\nWhat happened to revenue?')
    assert PDF_TEXT in ip.markdown()
    assert PDF_TEXT in ip.ns["answer"]


def test_rerunning_the_cell_does_not_upload_again(ip, emu, note):
    cell = f"%%grok --file {note}\nHow long does the zorblax kettle take?"
    ip.ok(cell)
    ip.ok(cell)
    assert len(uploads(emu)) == 1
    first, second = responses_posts(emu)
    assert _file_ids(first) == _file_ids(second)


def test_two_files_and_a_variable_holding_a_path(ip, emu, note, tmp_path):
    pdf = tmp_path / "q3.pdf"
    pdf.write_bytes(make_pdf(PDF_TEXT))
    ip.ns["report"] = pdf  # a pathlib.Path in the notebook
    ip.ok(f"%%grok --file {note} --file report\nSummarise both.")
    assert len(uploads(emu)) == 2
    (request,) = responses_posts(emu)
    assert len(_file_ids(request)) == 2


def test_the_attachment_search_is_shown(ip, emu, note):
    ip.ok(f"%%grok --file {note}\nHow long does the zorblax kettle take?")
    # A passing status line while the server reads the file, as for searches.
    assert "searching the attached files" in ip.pub.text()


def test_a_named_conversation_follows_up_on_the_file(ip, emu, note):
    ip.ok(f"%%grok --chat lab --file {note}\nHow long does the zorblax kettle take?")
    ip.ok("%%grok --chat lab\nAnd is that fast?")
    first, second = responses_posts(emu)
    # The follow-up stays on the Responses API, chained to the stored turn that holds
    # the file (the server keeps it), so the file is neither uploaded nor sent again.
    assert second.body["previous_response_id"]
    assert _file_ids(first) and not _file_ids(second)
    assert len(uploads(emu)) == 1 and not emu.chat_requests
    from grok_jupyter.notebook.conversation import get_conversation

    conversation = get_conversation("lab")
    assert len(conversation) == 4
    assert NOTE in conversation.messages[1].text  # the first answer, quoting the file


def test_a_conversation_whose_chain_is_gone_resends_the_file(ip, emu, note):
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok(f"%%grok --chat lab --file {note}\nRead my notes.")
    get_conversation("lab").response_id = None  # e.g. the stored response expired
    ip.ok("%%grok --chat lab\nHow long does the zorblax kettle take?")
    first, second = responses_posts(emu)
    assert "previous_response_id" not in second.body or not second.body["previous_response_id"]
    assert _file_ids(second) == _file_ids(first)  # the history went again, file included
    assert NOTE in ip.markdown()
    assert len(uploads(emu)) == 1


def test_an_oversize_file_is_refused_before_any_request(ip, emu, tmp_path):
    from grok_jupyter.client._files import MAX_FILE_BYTES

    big = tmp_path / "huge.txt"
    with big.open("wb") as f:  # sparse: the size is real, the disk use is not
        f.truncate(MAX_FILE_BYTES + 1)
    message = ip.fails(f"%%grok --file {big}\nSummarise.")
    assert "--file" in message and "50 MB" in message
    assert emu.requests == []


def test_an_unsupported_type_is_refused_naming_the_readable_ones(ip, emu, tmp_path):
    blob = tmp_path / "data.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    message = ip.fails(f"%%grok --file {blob}\nWhat is in it?")
    assert "data.bin" in message and "PDF" in message and "CSV" in message
    assert emu.requests == []


def test_a_missing_path_is_refused_naming_it(ip, emu, tmp_path):
    missing = tmp_path / "nowhere.pdf"
    message = ip.fails(f"%%grok --file {missing}\nSummarise.")
    assert str(missing) in message and "does not exist" in message
    assert emu.requests == []


def test_file_with_kernel_tools_in_one_responses_turn(ip, emu, note):
    # Kernel tools travel as function_call items on the Responses API, so they combine
    # with attached files (once refused, when kernel tools ran only on chat).
    ip.ok("def add(a: int, b: int) -> int:\n    \"\"\"Add two integers.\"\"\"\n    return a + b\n")
    ip.ok(f"%%grok --file {note} --tools add\nUse the add tool: add(a=2, b=3)")
    first, second = responses_posts(emu)
    assert len(_file_ids(first)) == 1
    assert [(t["type"], t["name"]) for t in first.body["tools"]] == [("function", "add")]
    assert second.body["previous_response_id"]
    (output,) = second.body["input"]
    assert output["type"] == "function_call_output" and output["output"] == "5"
    assert "add returned 5" in ip.markdown()
    assert not emu.chat_requests


def test_an_image_path_goes_as_an_image(ip, emu, note, tmp_path):
    from PIL import Image

    png = tmp_path / "chart.png"
    Image.new("RGB", (8, 8), "red").save(png)
    ip.ok(f"%%grok --file {note} --file {png}\nWhat do these show?")
    assert len(uploads(emu)) == 1  # only the document is uploaded
    (request,) = responses_posts(emu)
    kinds = [p["type"] for p in request.body["input"][-1]["content"]]
    assert kinds.count("input_image") == 1 and kinds.count("input_file") == 1


def test_help_lists_file(ip):
    from grok_jupyter.magic import GrokMagics

    assert "--file PATH" in GrokMagics.grok.parser.format_help()
