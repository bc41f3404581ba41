"""A chat's file the server lost (deleted, expired, an emulator restarted) is uploaded
again from its path, or the turn goes on without it and names it (issue 23, item 1).
The engine through a real emulator over HTTP; the magic in a real kernel is in
tests/magic/test_chats_in_a_real_kernel.py."""

from __future__ import annotations

from grok_jupyter.client import Message, TextPart
from grok_jupyter.notebook.attach_files import forget_uploads, input_file_part, message_part
from grok_jupyter.notebook.conversation import Conversation
from grok_jupyter.notebook.turn import TurnRequest, run_turn
from tests.wire import responses_requests

REPORT = "Q3 revenue rose 12% to $4.1M.\nQ4 is forecast flat.\n"


def _file_ids(conversation: Conversation) -> list[str]:
    return [p.file["file_id"] for m in conversation.messages if isinstance(m.content, list)
            for p in m.content if getattr(p, "file", None)]  # fmt: skip


def _chat_with_report(client, tmp_path) -> tuple[Conversation, str]:
    path = tmp_path / "report.txt"
    path.write_text(REPORT)
    part = message_part(input_file_part(client, str(path)), "report.txt", path=str(path))
    conversation = Conversation("files")
    user = Message.user([TextPart(text="Read the report."), part])
    first = run_turn(TurnRequest(user), client=client, conversation=conversation)
    assert first.ok and "Q3 revenue" in first.text
    return conversation, str(path)


def _ask(client, conversation, text: str):
    return run_turn(TurnRequest(Message.user(text)), client=client, conversation=conversation)


def test_a_file_the_server_lost_is_uploaded_again_and_the_turn_goes_on(client, emu, tmp_path):
    conversation, _ = _chat_with_report(client, tmp_path)
    (old_id,) = _file_ids(conversation)
    emu.reset()  # a new emulator: no stored response, no file
    forget_uploads()
    result = _ask(client, conversation, "What does the report say about Q3?")
    assert result.ok, result.error
    assert "Q3 revenue rose 12% to $4.1M." in result.text
    assert any("report.txt was no longer on the server" in n for n in result.notices)
    new_ids = set(_file_ids(conversation))
    assert old_id not in new_ids and len(new_ids) == 1  # the history's id was replaced
    assert [f.filename for f in client.files.iter()] == ["report.txt"]
    # The next turn sends the new id, without another upload.
    again = _ask(client, conversation, "And what about Q4?")
    assert again.ok and not again.notices
    assert len(list(client.files.iter())) == 1


def test_a_file_deleted_on_the_server_while_chained_is_uploaded_again(client, emu, tmp_path):
    conversation, _ = _chat_with_report(client, tmp_path)
    (old_id,) = _file_ids(conversation)
    client.files.delete(old_id)  # what an expiry does; the stored chain is still there
    result = _ask(client, conversation, "What does the report say about Q3?")
    assert result.ok and "Q3 revenue rose 12% to $4.1M." in result.text
    assert old_id not in _file_ids(conversation)


def test_a_file_gone_from_disk_too_is_named_and_the_turn_goes_on(client, emu, tmp_path):
    conversation, path = _chat_with_report(client, tmp_path)
    emu.reset()
    forget_uploads()
    (tmp_path / "report.txt").unlink()
    result = _ask(client, conversation, "Say 'still going'")
    assert result.ok and result.text == "still going"
    (notice,) = result.notices
    assert "report.txt is no longer on the server" in notice and "gone too" in notice
    assert path in notice
    # The turn went without the file, and the chat says where it was.
    body = responses_requests(emu)[-1].body
    assert "input_file" not in repr(body["input"])
    assert "[attached file report.txt: no longer available]" in conversation.messages[0].text
    assert _ask(client, conversation, "Say 'and on'").ok  # later turns need no mending


def test_a_file_changed_since_it_was_attached_is_not_sent_in_its_place(client, emu, tmp_path):
    """A chat folder is untrusted (committed, pulled): a path it names is sent only if it
    still holds the bytes attached, so a planted path cannot pull another file in."""
    conversation, _ = _chat_with_report(client, tmp_path)
    emu.reset()
    forget_uploads()
    (tmp_path / "report.txt").write_text("Something else entirely.\n")
    result = _ask(client, conversation, "Say 'still going'")
    assert result.ok and result.text == "still going"
    (notice,) = result.notices
    assert "has changed since it was attached" in notice and "--file" in notice
    assert list(client.files.iter()) == []  # nothing was uploaded


def test_a_planted_path_is_never_read(client, emu, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not send me\n")
    conversation = Conversation("planted")
    planted = message_part({"file_id": "file_gone"}, "notes.txt", path=str(secret))
    conversation.append(Message.user([TextPart(text="Read."), planted]),
                        Message.assistant("Read."))  # fmt: skip
    result = _ask(client, conversation, "Say 'fine'")
    assert result.ok and result.text == "fine"
    assert "has changed since it was attached" in result.notices[0]
    assert list(client.files.iter()) == [] and "do not send me" not in repr(emu.requests)
