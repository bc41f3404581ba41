"""Panel fixtures: widgets on the ``comm`` package's test hook, recording what they send.

ipywidgets 8 creates its comms through ``comm.create_comm``; replacing it
with a recording comm lets a test see every message a frontend would get,
without a kernel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import comm
import pytest
from comm.base_comm import BaseComm

from tests.panel.panel_helpers import closing_panels


class RecordingComm(BaseComm):
    """A comm that keeps what it would send, shared through ``log``."""

    log: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    lock: ClassVar[threading.Lock] = threading.Lock()

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        with self.lock:
            self.log.append((self.comm_id, msg_type, data or {}))


@pytest.fixture
def comms(monkeypatch) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    log: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    monkeypatch.setattr(RecordingComm, "log", log)
    monkeypatch.setattr(comm, "create_comm", lambda *a, **kw: RecordingComm(*a, **kw))
    yield log


@pytest.fixture
def panels(comms) -> Iterator[Callable[..., Any]]:
    """Make ChatPanels; each is stopped, waited for and closed after the test."""
    from grok_jupyter import ChatPanel

    with closing_panels(ChatPanel) as make:
        yield make


@pytest.fixture(autouse=True)
def fresh_conversations() -> Iterator[None]:
    from grok_jupyter.notebook import chat_registry

    chat_registry._conversations.clear()
    yield
    chat_registry._conversations.clear()
