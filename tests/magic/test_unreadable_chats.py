"""Saved chats this version cannot read in full are set aside, never written over.

Each test puts a real file on disk (one from a newer grok-jupyter, one with an entry of
the wrong type, one cut mid-write), then runs ``%grok chats`` and ``%%grok --chat NAME``
turns through the magic, as a user would after a ``git pull`` or a crash. The original
bytes must survive (moved aside as ``*.corrupt-<time>.json`` / ``*.newer-<time>.json``),
one warning must name the file, and nothing may crash.
"""

from __future__ import annotations

import contextlib
import json
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from grok_jupyter.notebook.chat_store import (
    SCHEMA_VERSION,
    ChatStore,
    ChatStoreWarning,
    set_chat_dir,
)
from grok_jupyter.notebook.conversation import forget_conversation


@pytest.fixture
def chats(ip, tmp_path) -> Iterator[tuple[Path, str, str]]:
    """A chat folder set as a user sets it; a chat name to spoil and a good one beside it."""
    folder = tmp_path / "chats"
    ip.ok(f"%config GrokMagics.chat_dir = {str(folder)!r}")
    bad, good = f"bad-{uuid.uuid4().hex[:8]}", f"good-{uuid.uuid4().hex[:8]}"
    try:
        yield folder, bad, good
    finally:
        for name in (bad, good):
            forget_conversation(name)
        ip.magics.chat_dir = ""
        set_chat_dir(None)


def _saved_turn(ip, folder: Path, name: str, prompt: str) -> dict:
    """One real turn saved to disk, then forgotten in memory (what a restart leaves)."""
    ip.ok(f"%%grok --chat {name}\n{prompt}")
    forget_conversation(name)
    return json.loads(ChatStore(folder).path(name).read_text())


def _spoil(doc: dict, how: str) -> bytes:
    if how == "truncated":
        return json.dumps(doc, indent=1).encode()[:-40]
    if how == "newer schema":
        doc = {**doc, "schema": SCHEMA_VERSION + 1, "future": {"kept": True}}
    elif how == "message of the wrong type":
        doc = {**doc, "messages": [1]}
    elif how == "turns not a list":
        doc = {**doc, "turns": "x"}
    elif how == "cost not a number":
        doc = {**doc, "cost_usd": "abc"}
    elif how == "undo of the wrong type":
        doc = {**doc, "undo": {"messages": ["hello"], "turns": [], "cost_usd": 0}}
    return json.dumps(doc, indent=1).encode()


SPOILS = [
    "newer schema",
    "message of the wrong type",
    "turns not a list",
    "cost not a number",
    "undo of the wrong type",
    "truncated",
]


@contextlib.contextmanager
def chat_warnings(capsys) -> Iterator[list[str]]:
    """Every ChatStoreWarning the user is shown: a ``%%grok`` cell prints ours as one
    ``Category: message`` line on stderr; elsewhere they are ordinary warnings."""
    said: list[str] = []
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield said
    said += [str(w.message) for w in caught if issubclass(w.category, ChatStoreWarning)]
    prefix = f"{ChatStoreWarning.__name__}: "
    said += [line[len(prefix):] for line in capsys.readouterr().err.splitlines()
             if line.startswith(prefix)]


@pytest.mark.parametrize("how", SPOILS)
def test_an_unreadable_chat_is_moved_aside_listed_and_never_overwritten(
    ip, emu, chats, how, capsys
):
    folder, bad, good = chats
    doc = _saved_turn(ip, folder, bad, "Say 'precious'")
    _saved_turn(ip, folder, good, "Say 'fine'")
    path = ChatStore(folder).path(bad)
    original = _spoil(doc, how)
    path.write_bytes(original)
    kind = "newer" if how == "newer schema" else "corrupt"

    with chat_warnings(capsys) as said:
        ip.ok("%grok chats")
        listing = ip.markdown()
        ip.ok(f"%%grok --chat {bad}\nSay 'fresh'")
        ip.ok(f"%%grok --chat {bad}\nSay 'again'")
        ip.ok("%grok chats")
        second_listing = ip.markdown()

    (aside,) = folder.glob(f"{path.stem}.{kind}-*.json")
    assert aside.read_bytes() == original  # the user's bytes, as they were
    assert len(said) == 1, said  # one warning, naming the file it moved
    assert aside.name in said[0]
    if kind == "newer":
        assert "newer grok-jupyter" in said[0]
    # The listing shows every other chat and names the file it could not read.
    assert good in listing and aside.name in listing
    assert good in second_listing and bad in second_listing and aside.name in second_listing
    # The chat goes on from empty in a new file; the set-aside one is never touched again.
    fresh = json.loads(path.read_text())
    assert fresh["schema"] == SCHEMA_VERSION
    assert [m["content"] for m in fresh["messages"]] == ["Say 'fresh'", "fresh", "Say 'again'",
                                                         "again"]
    assert aside.read_bytes() == original


@pytest.mark.parametrize("how", ["newer schema", "message of the wrong type"])
def test_a_turn_on_an_unreadable_chat_keeps_its_bytes(ip, emu, chats, how, capsys):
    """Straight to a turn, with no listing first: the load sets the file aside."""
    folder, bad, _ = chats
    doc = _saved_turn(ip, folder, bad, "Say 'precious'")
    path = ChatStore(folder).path(bad)
    original = _spoil(doc, how)
    path.write_bytes(original)
    with chat_warnings(capsys) as said:
        ip.ok(f"%%grok --chat {bad}\nSay 'fresh'")
    assert len(said) == 1, said
    (aside,) = ChatStore(folder).set_aside()
    assert aside.read_bytes() == original and aside.name in said[0]
    # The model never saw the unreadable history: the request holds the new prompt only.
    sent = json.dumps(emu.requests[-1].body)
    assert "Say 'fresh'" in sent and "precious" not in sent


def test_a_newer_file_that_appears_under_a_live_chat_is_not_written_over(ip, emu, chats, capsys):
    """Another kernel, on a newer grok-jupyter, saved the same chat meanwhile."""
    folder, name, _ = chats
    ip.ok(f"%%grok --chat {name}\nSay 'one'")
    path = ChatStore(folder).path(name)
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "name": name, "messages": "v2"}).encode()
    path.write_bytes(newer)
    with chat_warnings(capsys) as said:
        ip.ok(f"%%grok --chat {name}\nSay 'two'")
    assert path.read_bytes() == newer
    assert said and all("saved by a newer grok-jupyter" in s for s in said), said
    assert "two" in ip.markdown()  # the turn itself went through, and stays in memory
