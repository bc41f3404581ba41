"""Fixtures the notebook-layer tests share: a fresh chat folder and a conversation name."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from grok_jupyter.notebook.chat_store import set_chat_dir
from grok_jupyter.notebook.conversation import forget_conversation


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh chat folder, through $GROK_JUPYTER_CHAT_DIR as a user would set it."""
    target = tmp_path / "chats"
    monkeypatch.setenv("GROK_JUPYTER_CHAT_DIR", str(target))
    set_chat_dir(None)
    yield target
    set_chat_dir(None)


@pytest.fixture
def name() -> Iterator[str]:
    """A conversation name no other test uses (saved as ``store-*.json``); forgotten in
    memory afterwards."""
    value = f"store-{uuid.uuid4().hex[:8]}"
    yield value
    forget_conversation(value)
