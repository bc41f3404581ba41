"""A crafted chat folder cannot make the store read a file outside it.

A chat folder is often committed and pulled (``.grok/chats``), so its JSON and its
``images/`` are untrusted input. An image reference that climbs out (``../``), an absolute
path, a symbolic link or a hard link inside ``images/``, or a chat file that is a symbolic
link, must never bring a local file into the conversation: not into a request the model
receives, not into ``images/`` (which the user commits), with a warning saying what was
dropped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
import warnings
from pathlib import Path

import pytest

from grok_jupyter.client import Message
from grok_jupyter.notebook.chat_store import ChatStore, ChatStoreWarning
from grok_jupyter.notebook.conversation import forget_conversation, get_conversation
from grok_jupyter.notebook.turn import TurnRequest, run_turn


@pytest.fixture
def folder(folder: Path) -> Path:
    """The shared fresh chat folder (conftest.py), with its images folder made."""
    (folder / "images").mkdir(parents=True)
    return folder


@pytest.fixture
def secret(tmp_path) -> bytes:
    """A private picture of the user's, outside the chat folder (a real PNG, so the client
    would send it as it would any image), with a marker in its text chunk."""
    import io

    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", f"TOP-SECRET-{uuid.uuid4().hex}")
    out = io.BytesIO()
    Image.new("RGB", (3, 3), (10, 200, 90)).save(out, format="PNG", pnginfo=info)
    content = out.getvalue()
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.png").write_bytes(content)
    return content


def _chat(name: str, text: str, image_url: str | None) -> dict:
    content: list[dict] = [{"type": "text", "text": text}]
    if image_url is not None:
        content.append({"type": "image_url", "image_url": {"url": image_url}})
    meta = {"usage": None, "cost_usd": 0.0, "model": None, "citations": [],
            "usage_estimated": False}
    return {
        "schema": 1, "name": name, "updated": "2026-01-01T00:00:00+00:00", "system": None,
        "model": None, "conv_id": None, "cost_usd": 0.0, "response_id": None,
        "response_turns": 0,
        "messages": [{"role": "user", "content": content},
                     {"role": "assistant", "content": "A picture."}],
        "turns": [meta], "undo": None,
    }


def _plant(kind: str, folder: Path, secret_path: Path) -> str:
    """Put the attack in place; returns the image reference the crafted chat holds."""
    images = folder / "images"
    if kind == "dot-dot":
        return "grok-image:images/../../home/secret.png"
    if kind == "absolute":
        return f"grok-image:{secret_path}"
    if kind == "symlink named by its target's hash":
        link = images / f"{hashlib.sha256(secret_path.read_bytes()).hexdigest()}.png"
        link.symlink_to(secret_path)
        return f"grok-image:images/{link.name}"
    if kind == "hard link under a hash name":
        link = images / f"{hashlib.sha256(b'something else').hexdigest()}.png"
        os.link(secret_path, link)
        return f"grok-image:images/{link.name}"
    raise AssertionError(kind)


def _leaked(secret: bytes, emu, folder: Path, planted: set[str]) -> list[str]:
    """Where the secret's bytes landed: a request body, a new file in images/, a chat file."""
    found = []
    encoded = base64.b64encode(secret).decode()
    for request in emu.requests:
        body = json.dumps(request.body, default=repr)
        if encoded in body or secret.decode("latin-1") in body:
            found.append(f"request {request.path}")
    for path in (folder / "images").iterdir():
        if path.name not in planted and path.read_bytes() == secret:
            found.append(f"copied into {path}")
    for path in folder.glob("*.json"):
        if encoded.encode() in path.read_bytes():
            found.append(f"written into {path.name}")
    return found


def _turn(conversation, client) -> None:
    result = run_turn(TurnRequest(Message.user("What was in the picture?"), api="chat"),
                      conversation=conversation, client=client)
    assert result.ok, result.error


@pytest.mark.parametrize("kind", ["dot-dot", "absolute", "symlink named by its target's hash",
                                  "hard link under a hash name"])
def test_an_image_reference_never_reads_a_file_outside_the_images(
    client, emu, folder, name, secret, tmp_path, kind
):
    planted_before = {p.name for p in (folder / "images").iterdir()}
    url = _plant(kind, folder, tmp_path / "home" / "secret.png")
    planted = {p.name for p in (folder / "images").iterdir()} | planted_before
    ChatStore(folder).path(name).write_text(json.dumps(_chat(name, "Look at this", url)))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        conversation = get_conversation(name)
        _turn(conversation, client)
    said = [str(w.message) for w in caught if issubclass(w.category, ChatStoreWarning)]

    assert _leaked(secret, emu, folder, planted) == []
    assert len(said) == 1 and "dropped" in said[0], said
    # The rest of the chat is kept: the text of the turn went out with the new prompt.
    sent = emu.chat_requests[-1].body["messages"]
    assert "Look at this" in json.dumps(sent)
    assert not any(part.get("type") == "image_url" for m in sent
                   if isinstance(m.get("content"), list) for part in m["content"])
    # Saved again without the reference, so the next load is clean and says nothing.
    forget_conversation(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChatStoreWarning)
        again = get_conversation(name)
    assert "Look at this" in again.turns[0].prompt_text


def test_a_chat_file_that_is_a_symlink_is_not_followed(client, emu, folder, name, tmp_path):
    outside = tmp_path / "elsewhere.json"
    words = f"PRIVATE-NOTES-{uuid.uuid4().hex}"
    outside.write_text(json.dumps(_chat(name, words, None)))
    link = ChatStore(folder).path(name)
    link.symlink_to(outside)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _turn(get_conversation(name), client)
    said = [str(w.message) for w in caught if issubclass(w.category, ChatStoreWarning)]

    assert all(words not in json.dumps(r.body, default=repr) for r in emu.requests)
    assert len(said) == 1 and "link" in said[0], said
    assert json.loads(outside.read_text())["messages"][0]["content"][0]["text"] == words
    assert not link.is_symlink()  # the chat went on in a plain file of its own
    assert words not in link.read_text()
    (aside,) = folder.glob(f"{link.stem}.corrupt-*.json")
    assert aside.is_symlink()  # the link itself was moved, never its target


def test_an_image_whose_bytes_do_not_match_its_name_is_dropped(client, emu, folder, name):
    real = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    stored = folder / "images" / f"{hashlib.sha256(real).hexdigest()}.png"
    stored.write_bytes(b"\x89PNG\r\n\x1a\n" + b"swapped in later")
    ChatStore(folder).path(name).write_text(
        json.dumps(_chat(name, "Look", f"grok-image:images/{stored.name}"))
    )
    with pytest.warns(ChatStoreWarning, match="dropped"):
        conversation = get_conversation(name)
    assert "image" in conversation.turns[0].prompt_text and not conversation.turns[0].user.images
