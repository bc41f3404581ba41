"""A file attached in the panel survives a restart that loses it on the server (issue 23,
item 1): the panel sends bytes, with no path, so the chat store keeps a copy beside the
chat (``files/<sha256>``) and the file is uploaded again from it."""

from __future__ import annotations

from grok_jupyter.notebook.attach_files import forget_uploads
from grok_jupyter.notebook.conversation import forget_conversation
from tests.panel.panel_helpers import ask

NOTES = b"The zorblax kettle boils water in exactly 42 seconds.\nIts warranty lasts 5 years.\n"


def _restart(emu, name: str) -> None:
    """What a kernel restart with an in-kernel emulator leaves: only the chat folder."""
    emu.reset()  # a new emulator: no stored response, no file
    forget_uploads()  # nothing this process uploaded or kept is remembered
    forget_conversation(name)


def test_a_panel_file_is_uploaded_again_from_its_stored_copy(emu, client, panels, tmp_path):
    name = "t-panel-file"
    panel = panels(name, client=client, chat_dir=tmp_path)
    first = ask(panel, "How fast does the kettle boil?", files=[("notes.txt", NOTES)])
    assert first.error is None and "42 seconds" in first.text
    copies = list((tmp_path / "files").iterdir())
    assert len(copies) == 1 and copies[0].read_bytes() == NOTES
    panel.close()
    _restart(emu, name)
    again = panels(name, client=client, chat_dir=tmp_path)
    result = ask(again, "How long is the kettle warranty in the notes?")
    assert result.error is None, result.error
    assert "Its warranty lasts 5 years." in result.text
    assert any("uploaded again from its stored copy" in n for n in result.notices)
    assert "uploaded again from its stored copy" in again.status  # the user sees it too
    assert [f.filename for f in client.files.iter()] == ["notes.txt"]


def test_a_panel_file_whose_copy_is_gone_is_named_and_the_chat_goes_on(emu, client, panels,
                                                                       tmp_path):
    name = "t-panel-file-gone"
    panel = panels(name, client=client, chat_dir=tmp_path)
    assert ask(panel, "Read these notes.", files=[("notes.txt", NOTES)]).error is None
    panel.close()
    _restart(emu, name)
    for copy in (tmp_path / "files").iterdir():
        copy.unlink()
    again = panels(name, client=client, chat_dir=tmp_path)
    result = ask(again, "Say 'still going'")
    assert result.error is None and result.text == "still going"
    (notice,) = result.notices
    assert "notes.txt is no longer on the server and its stored copy is gone too" in notice
    assert notice in again.status  # the user sees which file is gone
    assert "no longer available" in again.conversation.messages[0].text
