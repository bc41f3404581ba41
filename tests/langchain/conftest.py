"""LangChain's standard suites ask about capabilities xAI's API does not have.

The stock tests below skip themselves for a model that (truthfully) declares
it lacks them. They are deselected here instead, each with its reason, so a
run's summary holds no skips and every test that runs is one that can fail.
"""

from __future__ import annotations

import pytest

from tests.langchain.apis import USE_RESPONSES_API

NOT_APPLICABLE = {
    "test_pdf_inputs": (
        "downloads its PDF from w3.org and this machine reaches no internet; ChatGrok's PDF"
        " file blocks are tested offline in tests/langchain/test_file_blocks.py"
    ),
    "test_audio_inputs": "xAI chat completions take no audio content parts",
    "test_image_tool_message": "xAI tool messages carry text only",
    "test_pdf_tool_message": "xAI tool messages carry text only",
    "test_anthropic_inputs": "Anthropic-format content blocks are not xAI's wire format",
    "test_stream_time": "a timing benchmark that replays VCR cassettes of the real API",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        standard = "test_standard_integration" in item.nodeid
        (drop if standard and item.originalname in NOT_APPLICABLE else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(params=sorted(USE_RESPONSES_API))
def api(request: pytest.FixtureRequest) -> str:
    """``"chat"`` or ``"responses"``: the API this run of the test sends ChatGrok's calls over."""
    return request.param


@pytest.fixture
def use_responses_api(api: str) -> bool | None:
    """The ``use_responses_api`` value that sends calls over ``api`` (None: automatic)."""
    return USE_RESPONSES_API[api]
