"""Reliability fixtures: a client with small timeouts, a real IPython shell, pool checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.panel.panel_helpers import closing_panels
from tests.reliability.reliability_helpers import (
    RecordingPublisher,
    assert_pool_settled,
    fault_client_settings,
)


@pytest.fixture
def fclient(emu) -> Iterator[Any]:
    """A dedicated client for fault tests: 2 retries, fast backoff, a short read timeout."""
    from grok_jupyter.client import GrokClient

    with GrokClient(**fault_client_settings(emu)) as client:
        yield client
        assert_pool_settled(client)


@pytest.fixture(scope="session")
def shell() -> Any:
    """A real InteractiveShell with ``%load_ext grok_jupyter`` (IPython's is one per process)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    ip.run_line_magic("load_ext", "grok_jupyter")
    return ip


@pytest.fixture
def magic(shell, emu, fclient) -> Iterator[Any]:
    """The shell with the magic on ``fclient``, default settings and its displays recorded."""
    from grok_jupyter.client import set_client
    from grok_jupyter.magic import GrokMagics

    magics = next(c for c in shell.configurables if isinstance(c, GrokMagics))
    for name, trait in magics.class_traits(config=True).items():
        setattr(magics, name, trait.default())
    magics.output = "display"  # what a kernel gets
    pub = RecordingPublisher(shell=shell)
    saved = shell.display_pub
    shell.display_pub = pub
    set_client(fclient)
    try:
        yield MagicHarness(shell, pub)
    finally:
        shell.display_pub = saved
        set_client(None)


class MagicHarness:
    def __init__(self, shell: Any, pub: RecordingPublisher) -> None:
        self.shell = shell
        self.pub = pub
        self.chat = f"rel-{uuid.uuid4().hex[:8]}"  # a conversation of this test's own

    def cell(self, prompt: str, line: str = "") -> None:
        """Run ``%%grok`` with ``line`` on ``prompt`` in this test's conversation."""
        self.pub.events.clear()
        self.shell.run_cell_magic("grok", f"--chat {self.chat} {line}".strip(), prompt)

    @property
    def conversation(self) -> Any:
        from grok_jupyter.notebook.conversation import get_conversation

        return get_conversation(self.chat)

    def shown(self) -> str:
        return self.pub.text()


@pytest.fixture
def panel_factory(emu) -> Iterator[Any]:
    """Make ChatPanels on a client; each is stopped, waited for and closed after the test."""
    from grok_jupyter.panel.widget import ChatPanel

    def panel(client: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("conversation", f"rel-panel-{uuid.uuid4().hex[:8]}")
        return ChatPanel(client=client, **kwargs)

    with closing_panels(panel) as make:
        yield make
