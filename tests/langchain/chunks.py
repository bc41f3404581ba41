"""What a LangChain stream adds up to, for the tests that compare it with ``invoke``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def joined(chunks: Iterable[Any]) -> Any:
    """The chunks of a stream added together (``+``), as a user merges them: one message."""
    chunks = list(chunks)
    assert chunks, "the stream yielded nothing"
    full = chunks[0]
    for c in chunks[1:]:
        full += c
    return full
