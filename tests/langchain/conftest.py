"""LangChain's standard suites ask about capabilities xAI's API does not have.

The stock tests below skip themselves for a model that (truthfully) declares
it lacks them. They are deselected here instead, each with its reason, so a
run's summary holds no skips and every test that runs is one that can fail.
"""

from __future__ import annotations

import base64

import pytest

from tests.langchain.apis import USE_RESPONSES_API

NOT_APPLICABLE = {
    "test_audio_inputs": "xAI chat completions take no audio content parts",
    "test_anthropic_inputs": "Anthropic-format content blocks are not xAI's wire format",
    "test_stream_time": "a timing benchmark that replays VCR cassettes of the real API",
}
# Not applicable to the suite run with use_responses_api=False (chat completions only).
NOT_APPLICABLE_ON_CHAT = {
    name: (
        "file blocks need the Responses API (input_file parts, xai-api-2026.md §2.2): "
        "chat's REST file part is unverified (§4.2 'File parts in chat' [U]), so ChatGrok "
        "refuses a file block with use_responses_api=False, saying to drop that setting "
        "(tested in test_file_blocks.py and test_tool_media.py)"
    )
    for name in ("test_pdf_inputs", "test_pdf_tool_message")
}


def _not_applicable(item: pytest.Item) -> bool:
    if "test_standard_integration" not in item.nodeid:
        return False
    name = getattr(item, "originalname", item.name)
    on_chat = getattr(item.cls, "api", None) == "chat"
    return name in NOT_APPLICABLE or (on_chat and name in NOT_APPLICABLE_ON_CHAT)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        (drop if _not_applicable(item) else keep).append(item)
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


INLINE_FILES_PENDING = (
    "this emulator refuses input_file.file_data, which the Responses API takes "
    "(xai-api-2026-09.md §2, OpenAPI 2026-03-17); the emulator branch that reads it "
    "(h-emu) is not merged here yet"
)


@pytest.fixture(scope="session")
def emulator_reads_inline_files() -> bool:
    """Whether this emulator takes an ``input_file`` with ``file_data``.

    Asked once, of an emulator of its own (so no test's records see the probe), with a
    plain HTTP request (no client, so no ledger record).
    """
    import httpx

    from grok_jupyter.emulator import serve
    from tests.conftest import TEST_API_KEY

    part = {"type": "input_file", "filename": "probe.txt",
            "file_data": base64.b64encode(b"A probe.").decode()}  # fmt: skip
    body = {"model": "grok-4.3", "input": [{"role": "user", "content": [part]}]}
    with serve(quiet=True) as probe:
        answer = httpx.post(
            f"{probe.base_url}/responses",
            json=body,
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
            timeout=30,
        )
    return answer.status_code == 200


@pytest.fixture
def inline_files(request: pytest.FixtureRequest, emulator_reads_inline_files: bool) -> None:
    """For a test that sends a file inline: an expected failure (strict, so it shows
    when the emulator starts reading inline files) while the emulator refuses them."""
    if not emulator_reads_inline_files:
        from grok_jupyter.client import BadRequestError

        request.applymarker(
            pytest.mark.xfail(reason=INLINE_FILES_PENDING, strict=True, raises=BadRequestError)
        )
