"""The chat store: named conversations saved as JSON after each turn, in a folder a user
can choose; safe file names, images by reference, no key, corrupt files survived."""

from __future__ import annotations

import base64
import json
import warnings

import pytest

from grok_jupyter.client import Message, TextPart
from grok_jupyter.client._types import ImagePart, ImageURL
from grok_jupyter.notebook import chat_store
from grok_jupyter.notebook.chat_store import (
    SCHEMA_VERSION,
    ChatStore,
    ChatStoreError,
    ChatStoreWarning,
    chat_dir,
    chat_names,
    delete_chat,
    set_chat_dir,
)
from grok_jupyter.notebook.conversation import forget_conversation, get_conversation
from grok_jupyter.notebook.turn import TurnRequest, run_turn
from tests.conftest import TEST_API_KEY


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def _turn(conversation, client, text: str):
    result = run_turn(
        TurnRequest(Message.user(text), api="chat"), conversation=conversation, client=client
    )
    assert result.ok, result.error
    return result


def _restart(name: str):
    """What a kernel restart leaves: nothing in memory, the files on disk."""
    forget_conversation(name)
    return get_conversation(name)


def test_each_turn_is_saved_and_restored_after_a_restart(client, folder, name):
    conversation = get_conversation(name)
    _turn(conversation, client, "Say 'first'")
    path = ChatStore(folder).path(name)
    saved = json.loads(path.read_text())
    assert saved["schema"] == SCHEMA_VERSION and saved["name"] == name
    assert len(saved["turns"]) == 1
    second = _turn(conversation, client, "Say 'second'")
    assert len(json.loads(path.read_text())["turns"]) == 2

    restored = _restart(name)
    assert restored is not conversation
    assert [t.answer_text for t in restored.turns] == ["first", "second"]
    assert restored.turns[1].usage == second.usage
    assert restored.cost_usd == pytest.approx(conversation.cost_usd)
    assert restored.conv_id == conversation.conv_id  # the cached prompt prefix still matches
    assert name in chat_names() and name in ChatStore(folder).names()
    # A restored chat goes on where it stopped: the next request carries the history.
    _turn(restored, client, "What is my name?")
    assert len(_restart(name).turns) == 3
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))


def test_any_name_gives_a_safe_distinct_file_inside_the_folder(folder):
    store = ChatStore(folder)
    names = ["../../etc/passwd", "a/b", "a-b", "CON", "✨ analysis ✨", "x" * 300, "a\\b:c*?"]
    paths = [store.path(n) for n in names]
    assert len(set(paths)) == len(names)
    for n, path in zip(names, paths, strict=True):
        assert path.parent == folder.absolute()
        assert len(path.name) < 80 and "/" not in path.name and "\\" not in path.name
        conversation = get_conversation(n)
        try:
            conversation.append(Message.user(f"hello from {n}"), Message.assistant("hi"))
            assert path.is_file()
            assert _restart(n).turns[0].prompt_text == f"hello from {n}"
        finally:
            forget_conversation(n)
    assert sorted(store.names()) == sorted(names)
    with pytest.raises(ChatStoreError, match="non-empty string"):
        store.path("")


def test_images_are_stored_once_by_reference_and_come_back(folder, name):
    conversation = get_conversation(name)
    picture = ImagePart(image_url=ImageURL(url=PNG_URL))
    conversation.append(
        Message.user([TextPart(text="What is it?"), picture]), Message.assistant("A dot.")
    )
    conversation.append(
        Message.user([TextPart(text="And again?"), picture]), Message.assistant("The same dot.")
    )
    text = ChatStore(folder).path(name).read_text()
    assert "base64" not in text and text.count("grok-image:images/") == 2
    (image,) = (folder / "images").iterdir()  # the same picture is stored once
    assert image.read_bytes() == PNG and image.suffix == ".png"
    restored = _restart(name)
    assert restored.turns[0].user.images[0].image_url.url == PNG_URL

    image.unlink()  # a lost image file: a placeholder and a warning, not a crash
    with pytest.warns(ChatStoreWarning, match="missing"):
        again = _restart(name)
    assert "[image missing" in again.turns[0].prompt_text


def test_the_api_key_is_never_written(client, folder, name, monkeypatch):
    conversation = get_conversation(name)
    _turn(conversation, client, f"Say 'done'. My key is {TEST_API_KEY}, keep it safe")
    store = ChatStore(folder)
    store.export_markdown(name)
    for path in folder.rglob("*"):
        if path.is_file():
            assert TEST_API_KEY.encode() not in path.read_bytes(), path
    assert "[redacted API key]" in store.path(name).read_text()


def test_a_corrupt_file_is_moved_aside_with_a_warning(client, folder, name):
    conversation = get_conversation(name)
    _turn(conversation, client, "Say 'precious'")
    path = ChatStore(folder).path(name)
    path.write_text('{"schema": 1, "name": "' + name + '", "messages": [')  # cut mid-write
    with pytest.warns(ChatStoreWarning, match="could not read the saved chat"):
        restored = _restart(name)
    assert restored.turns == []
    (aside,) = folder.glob("*.corrupt-*.json")
    assert aside.read_text().endswith('"messages": [')  # kept as it was, for the user
    _turn(restored, client, "Say 'fresh'")
    assert json.loads(path.read_text())["messages"][0]["content"] == "Say 'fresh'"


def test_a_file_from_a_newer_version_is_moved_aside_unchanged(folder, name):
    store = ChatStore(folder)
    folder.mkdir(parents=True)
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "name": name}).encode()
    store.path(name).write_bytes(newer)
    with pytest.warns(ChatStoreWarning, match="saved by a newer grok-jupyter"):
        assert store.load(name) is None
    (aside,) = store.set_aside()
    assert aside.read_bytes() == newer and ".newer-" in aside.name
    assert not store.path(name).exists()


def test_a_save_does_not_write_over_a_newer_versions_file(folder, name):
    """The file changed under a live chat: another kernel, on a newer version, saved it."""
    conversation = get_conversation(name)
    conversation.append(Message.user("hi"), Message.assistant("hello"))
    store = chat_store.store_for(folder)
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "name": name}).encode()
    store.path(name).write_bytes(newer)
    with pytest.raises(ChatStoreError, match="saved by a newer grok-jupyter"):
        store.save(conversation)
    assert store.path(name).read_bytes() == newer


def test_a_set_aside_chat_keeps_its_images_when_another_chat_is_deleted(folder, name):
    picture = ImagePart(image_url=ImageURL(url=PNG_URL))
    get_conversation(name).append(
        Message.user([TextPart(text="pic"), picture]), Message.assistant("ok")
    )
    other = f"{name}-other"
    get_conversation(other).append(Message.user("hi"), Message.assistant("hello"))
    store = ChatStore(folder)
    path = store.path(name)
    path.write_text(path.read_text().replace('"turns": [', '"turns": "x", "was": ['))
    with pytest.warns(ChatStoreWarning, match="moved, unchanged"):
        assert name not in store.names()
    try:
        assert delete_chat(other) is True
    finally:
        forget_conversation(other)
    (aside,) = store.set_aside()
    assert "grok-image:images/" in aside.read_text()
    assert [p.read_bytes() for p in (folder / "images").iterdir()] == [PNG]


def test_a_clear_can_be_undone_even_after_a_restart(client, folder, name):
    conversation = get_conversation(name)
    _turn(conversation, client, "Say 'keep'")
    conversation.reset()
    restored = _restart(name)
    assert restored.turns == [] and restored.can_undo
    assert restored.undo() is True
    assert [t.answer_text for t in _restart(name).turns] == ["keep"]


def test_delete_and_export(client, folder, name, tmp_path):
    conversation = get_conversation(name)
    conversation.append(
        Message.user([TextPart(text="pic"), ImagePart(image_url=ImageURL(url=PNG_URL))]),
        Message.assistant("ok"),
    )
    for word in ("one", "two"):
        _turn(conversation, client, f"Say '{word}'")
    target = chat_store.export_markdown(name, tmp_path / "out" / "chat.md")
    markdown = target.read_text()
    assert markdown.count("### You") == 3 and "[image 1]" in markdown
    assert "one" in markdown and "two" in markdown
    default = chat_store.export_markdown(name)
    assert default.parent == folder.absolute() and default.suffix == ".md"

    assert delete_chat(name) is True
    assert not ChatStore(folder).path(name).exists()
    assert not list((folder / "images").iterdir())  # no other chat used the picture
    assert name not in chat_names()
    conversation.append(Message.user("late"), Message.assistant("write"))  # a stale holder
    assert not ChatStore(folder).path(name).exists()
    with pytest.raises(ChatStoreError, match="no chat named"):
        chat_store.export_markdown(name)


def test_where_chats_go(tmp_path, monkeypatch, name):
    monkeypatch.delenv("GROK_JUPYTER_CHAT_DIR", raising=False)
    set_chat_dir(None)
    monkeypatch.chdir(tmp_path)  # Jupyter starts the kernel in the notebook's folder
    try:
        assert chat_dir() == tmp_path / ".grok" / "chats"
        get_conversation(name).append(Message.user("hi"), Message.assistant("hello"))
        assert list((tmp_path / ".grok" / "chats").glob("store-*.json"))

        monkeypatch.setenv("GROK_JUPYTER_CHAT_DIR", str(tmp_path / "env"))
        assert chat_dir() == tmp_path / "env"
        set_chat_dir("configured")  # GrokMagics.chat_dir wins over the variable
        assert chat_dir() == tmp_path / "configured"
        set_chat_dir("off")
        assert chat_dir() is None and chat_store.get_store() is None
        other = f"{name}-off"
        get_conversation(other).append(Message.user("hi"), Message.assistant("hello"))
        forget_conversation(other)
        assert get_conversation(other).turns == []  # not saved anywhere
        forget_conversation(other)
    finally:
        set_chat_dir(None)


def test_a_folder_that_cannot_be_written_warns_once_and_keeps_the_chat(tmp_path, monkeypatch, name):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GROK_JUPYTER_CHAT_DIR", str(blocker / "chats"))
    set_chat_dir(None)
    conversation = get_conversation(name)
    with pytest.warns(ChatStoreWarning, match="could not save the chat"):
        conversation.append(Message.user("hi"), Message.assistant("hello"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, not after every change
        conversation.append(Message.user("again"), Message.assistant("still here"))
    assert [t.answer_text for t in conversation.turns] == ["hello", "still here"]


def test_the_panel_can_pass_its_own_folder(folder, name, tmp_path):
    own = tmp_path / "panel-chats"
    conversation = get_conversation(name, chat_dir=own)
    conversation.append(Message.user("hi"), Message.assistant("hello"))
    assert ChatStore(own).path(name).is_file()
    assert not ChatStore(folder).path(name).exists()
    forget_conversation(name)
    assert get_conversation(name, chat_dir=own).turns[0].answer_text == "hello"


def test_summaries_for_a_chat_list(client, folder, name):
    conversation = get_conversation(name)
    _turn(conversation, client, "Say 'summary please' and nothing else at all, thank you kindly")
    (summary,) = [s for s in ChatStore(folder).summaries() if s.name == name]
    assert summary.turns == 1 and summary.cost_usd == pytest.approx(conversation.cost_usd)
    assert summary.title.startswith("Say 'summary please'") and len(summary.title) <= 60
    assert summary.updated.endswith("+00:00")


def test_other_json_files_in_the_folder_are_left_alone(folder, name):
    folder.mkdir(parents=True)
    theirs = folder / "settings.json"
    theirs.write_text("[1, 2, 3]")
    get_conversation(name).append(Message.user("hi"), Message.assistant("hello"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ChatStore(folder).names() == [name]
    assert theirs.read_text() == "[1, 2, 3]"


def test_turns_from_several_threads_all_reach_the_file(folder, name):
    import threading

    conversation = get_conversation(name)

    def add(i: int) -> None:
        for j in range(10):
            conversation.append(Message.user(f"q{i}-{j}"), Message.assistant(f"a{i}-{j}"))

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = json.loads(ChatStore(folder).path(name).read_text())
    assert len(saved["turns"]) == 60 == len(_restart(name).turns)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
