"""LangChain's standard integration tests for ChatGrok, against the emulator, on both APIs.

Every request goes over real HTTP to the session's emulator on 127.0.0.1;
the ``emu`` fixture points the shared client at it through
``XAI_API_KEY`` / ``XAI_BASE_URL``, as a user's environment would.

The suite runs twice: ``TestChatGrokStandardIntegration`` with the default
(automatic: /v1/responses for the default model) and
``TestChatGrokStandardIntegrationChat`` with ``use_responses_api=False``
(chat completions). After each test a check confirms the API it ran on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_grok import ChatGrok
from tests.langchain.apis import PATHS, sent
from tests.langchain.chatgrok_capabilities import REASONING_MODEL, ChatGrokCapabilities

# pytest-socket comes with langchain-tests; these tests need loopback even
# when someone runs with --disable-socket.
pytestmark = pytest.mark.enable_socket

NEEDS_INTERNET = (
    "downloads its test image from raw.githubusercontent.com; this machine has no "
    "internet. Covered by test_chatgrok.py::test_vision_with_images_we_make "
    "(a Pillow-made PNG as a data URL, a base64 block and a v0 block)."
)


# Standard tests whose calls the automatic choice keeps on chat, with the reason.
ON_CHAT_WHEN_AUTOMATIC = {
    "test_stop_sequence": "it passes stop, which only chat takes (the Responses API has none)",
}


class TestChatGrokStandardIntegration(ChatGrokCapabilities, ChatModelIntegrationTests):
    api = "responses"  # where the automatic choice sends the default model's calls

    @pytest.fixture(autouse=True)
    def _emulator(self, emu: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
        yield emu
        expected = self.api
        if request.node.originalname in ON_CHAT_WHEN_AUTOMATIC and self.api == "responses":
            expected = "chat"
        other = next(name for name in PATHS if name != expected)
        assert not sent(emu, other), f"this run is on {expected}, but a call went over {other}"

    @pytest.mark.xfail(reason=NEEDS_INTERNET, strict=True)
    def test_image_inputs(self, model: Any) -> None:
        super().test_image_inputs(model)

    def _invoke(self, llm: ChatGrok, prompt: str, stream: bool) -> AIMessage:
        if not stream:
            return llm.invoke(prompt)
        full: AIMessageChunk | None = None
        for chunk in llm.stream(prompt):
            full = chunk if full is None else full + chunk
        assert full is not None
        return full

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        params = {**self.chat_model_params, "model": REASONING_MODEL}
        llm = ChatGrok(**params, reasoning_effort="high")
        msg = self._invoke(llm, "Think it through: what is 17 * 23?", stream)
        assert msg.usage_metadata["output_token_details"]["reasoning"] > 0
        return msg

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        llm = ChatGrok(**self.chat_model_params)
        long_prompt = "Here is a long shared preamble. " * 200 + "Now say 'ok'."
        llm.invoke(long_prompt)  # the first call fills the cache
        return self._invoke(llm, long_prompt, stream)


class TestChatGrokStandardIntegrationChat(TestChatGrokStandardIntegration):
    """The same suite over chat completions, which stays supported."""

    api = "chat"

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "use_responses_api": False}


def test_reasoning_output_reaches_the_message(emu: Any) -> None:
    # The standard suite's reasoning check looks only at token counts. Current
    # models return reasoning text only as Responses summaries (xai-api-2026.md §2.7).
    llm = ChatGrok(model=REASONING_MODEL, reasoning_effort="high", use_responses_api=True)
    msg = llm.invoke([HumanMessage("Why is the sky blue?")])
    assert msg.additional_kwargs["reasoning_content"]
    assert msg.content_blocks[0]["type"] == "reasoning"
    assert emu.requests[-1].body["reasoning"] == {"effort": "high"}
