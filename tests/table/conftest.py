"""Table-map fixtures: an isolated cache folder, and clients with their own ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from tests.conftest import TEST_API_KEY
from tests.magic.conftest import ip, ipshell  # noqa: F401  (the magic tests' shell fixtures)


class Sentiment(BaseModel):
    label: Literal["positive", "negative", "neutral"]
    score: float


REVIEWS = ["Great value, works well", "Broke after a day", "It is fine", "Love it", "Meh"]
TEMPLATE = "Sentiment of this review: {review}"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch) -> Any:
    """Every test gets its own cache folder (the map's SQLite store lives there)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GROK_JUPYTER_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def ledger() -> Any:
    from grok_jupyter.client import UsageLedger

    return UsageLedger()


@pytest.fixture
def gclient(emu, ledger) -> Iterator[Any]:
    """A GrokClient with its own ledger, fast retries, talking to the emulator."""
    from grok_jupyter.client import GrokClient

    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu.base_url, retry_backoff=0.01, ledger=ledger
    ) as c:
        yield c


@pytest.fixture
def df() -> Any:
    import pandas as pd

    return pd.DataFrame({"review": REVIEWS, "stars": [5, 1, 3, 5, 2]}, index=list("abcde"))


def chat_bodies(emu: Any) -> list[dict[str, Any]]:
    return [r.body for r in emu.chat_requests]
