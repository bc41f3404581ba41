"""Opt-in: one Responses call with ``x_search`` against api.x.ai (``pytest -m live``)."""

from __future__ import annotations

import pytest

from grok_jupyter.client import x_search

pytestmark = pytest.mark.live


def test_x_search_answers_with_citations_and_bills_the_tool(live):
    response = live.responses.create(
        model="grok-4.3",
        input="What has @xai posted about recently? One sentence.",
        tools=[x_search(allowed_x_handles=["xai"])],
        max_output_tokens=400,
    )
    assert response.output_text
    assert any(c.url.startswith("https://x.com/") for c in response.citations)
    assert response.usage.num_server_side_tools_used >= 1
    assert live.ledger.records and live.ledger.records[-1].tool_calls >= 1
