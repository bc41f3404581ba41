"""The client the opt-in live tests share: the real api.x.ai, its own ledger."""

from __future__ import annotations

import os

import pytest

from grok_jupyter.client import GrokClient, UsageLedger


@pytest.fixture
def live():
    if not os.environ.get("XAI_API_KEY"):
        pytest.fail("live tests need XAI_API_KEY (and no XAI_BASE_URL)")
    with GrokClient(ledger=UsageLedger()) as c:
        assert c.base_url == "https://api.x.ai/v1"
        yield c
