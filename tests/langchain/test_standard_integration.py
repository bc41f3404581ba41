"""LangChain's standard integration tests for ChatGrok, against the emulator.

Every request goes over real HTTP to the session's emulator on 127.0.0.1;
the ``emu`` fixture points the shared client at it through
``XAI_API_KEY`` / ``XAI_BASE_URL``, as a user's environment would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_grok import ChatGrok
from tests.langchain.chatgrok_capabilities import REASONING_MODEL, ChatGrokCapabilities

# pytest-socket comes with langchain-tests; these tests need loopback even
# when someone runs with --disable-socket.
pytestmark = pytest.mark.enable_socket

NEEDS_INTERNET = (
    "downloads its test image from raw.githubusercontent.com; this machine has no "
    "internet. Covered by test_chatgrok.py::test_vision_with_images_we_make "
    "(a Pillow-made PNG as a data URL, a base64 block and a v0 block)."
)


class TestChatGrokStandardIntegration(ChatGrokCapabilities, ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _emulator(self, emu: Any) -> Iterator[Any]:
        yield emu

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
        llm = ChatGrok(model=REASONING_MODEL, reasoning_effort="high")
        msg = self._invoke(llm, "Think it through: what is 17 * 23?", stream)
        assert msg.usage_metadata["output_token_details"]["reasoning"] > 0
        return msg

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        llm = ChatGrok(**self.chat_model_params)
        long_prompt = "Here is a long shared preamble. " * 200 + "Now say 'ok'."
        llm.invoke(long_prompt)  # the first call fills the cache
        return self._invoke(llm, long_prompt, stream)


def test_reasoning_output_reaches_the_message(emu: Any) -> None:
    # The standard suite's reasoning check looks only at token counts. Current
    # models return reasoning text only as Responses summaries (xai-api-2026.md §2.7).
    llm = ChatGrok(model=REASONING_MODEL, reasoning_effort="high", use_responses_api=True)
    msg = llm.invoke([HumanMessage("Why is the sky blue?")])
    assert msg.additional_kwargs["reasoning_content"]
    assert msg.content_blocks[0]["type"] == "reasoning"
    assert emu.requests[-1].body["reasoning"] == {"effort": "high"}
