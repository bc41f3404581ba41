"""A real ``InteractiveShell`` with the extension loaded and every display recorded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.recording import RecordingPublisher

# A kernel tool the tool tests define in a cell; each call is kept in ``calls``.
ADD_TOOL = (
    "calls = []\n"
    "def add(a: int, b: int) -> int:\n"
    '    """Add two integers."""\n'
    "    calls.append((a, b))\n"
    "    return a + b\n"
)


@dataclass
class Harness:
    shell: Any
    pub: RecordingPublisher
    magics: Any
    errors: list[BaseException] = field(default_factory=list)

    def run(self, source: str) -> Any:
        """Run a cell; returns its ExecutionResult."""
        self.pub.events.clear()
        return self.shell.run_cell(source, store_history=True)

    def ok(self, source: str) -> Any:
        result = self.run(source)
        assert result.error_in_exec is None, result.error_in_exec
        assert result.error_before_exec is None, result.error_before_exec
        return result

    def fails(self, source: str) -> str:
        """Run a cell that must fail with one clear line; returns that line."""
        from IPython.core.error import UsageError

        result = self.run(source)
        error = result.error_in_exec
        assert isinstance(error, UsageError), repr(error)
        message = str(error)
        assert "\n" not in message and message.startswith("grok: ")
        return message

    @property
    def ns(self) -> dict[str, Any]:
        return self.shell.user_ns

    def outputs(self) -> list[dict[str, Any]]:
        return self.pub.outputs()

    def markdown(self) -> str:
        return "\n".join(o.get("text/markdown", "") for o in self.outputs())

    def plain(self) -> str:
        return "\n".join(o.get("text/plain", "") for o in self.outputs())


@pytest.fixture(scope="session")
def ipshell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "grok_jupyter")
    return shell


def grok_magics(shell: Any) -> Any:
    from grok_jupyter.magic import GrokMagics

    return next(c for c in shell.configurables if isinstance(c, GrokMagics))


@pytest.fixture
def ip(ipshell, emu) -> Iterator[Harness]:
    """The shell, talking to the emulator, with fresh settings, conversations and ledger."""
    from grok_jupyter.client import GrokClient, get_ledger, set_client
    from grok_jupyter.notebook.conversation import conversation_names, get_conversation

    ipshell.config.pop("GrokMagics", None)  # %config also lands here, for %reload_ext
    magics = grok_magics(ipshell)
    for name, trait in magics.class_traits(config=True).items():
        setattr(magics, name, trait.default())
    magics.output = "display"  # what a kernel gets; the stdout path has its own tests
    pub = RecordingPublisher(shell=ipshell)
    saved_pub = ipshell.display_pub
    ipshell.display_pub = pub
    # Fast retries so rate-limit tests do not sleep.
    key = os.environ["XAI_API_KEY"]
    set_client(GrokClient(api_key=key, base_url=emu.base_url, retry_backoff=0.01))
    for name in conversation_names():
        get_conversation(name).reset()
        get_conversation(name).system = None
    get_ledger().clear()
    try:
        yield Harness(ipshell, pub, magics)
    finally:
        ipshell.display_pub = saved_pub
        set_client(None)
