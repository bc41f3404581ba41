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

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_grok import ChatGrok
from tests.documents import make_pdf
from tests.langchain.apis import PATHS, sent
from tests.langchain.chatgrok_capabilities import REASONING_MODEL, ChatGrokCapabilities

# pytest-socket comes with langchain-tests; these tests need loopback even
# when someone runs with --disable-socket.
pytestmark = pytest.mark.enable_socket

# The files LangChain's standard tests download as their inputs. This machine reaches no
# internet, so they are made here, of the same type, and served to those tests' own
# ``httpx.get`` calls; every other URL goes to the real ``httpx.get`` (ChatGrok's client
# is on httpx2, untouched). The test bodies run unchanged.
STANDARD_INPUTS = {
    "https://raw.githubusercontent.com/langchain-ai/docs/4d11d08b6b0e210bd456943f7a22febbd168b543/"
    "src/images/agentic-rag-output.png": lambda: _png(),
    "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf": lambda: make_pdf(
        "Dummy PDF file"
    ),
}


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 280, 160), outline="black", width=4)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _standard_inputs_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    real_get = httpx.get

    def get(url: Any, *args: Any, **kwargs: Any) -> httpx.Response:
        make = STANDARD_INPUTS.get(str(url))
        if make is None:
            return real_get(url, *args, **kwargs)
        return httpx.Response(200, content=make(), request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", get)


# Standard tests that send a small PDF once: inline, as input_file.file_data.
SENDS_INLINE_FILES = ("test_pdf_inputs", "test_pdf_tool_message")

# Standard tests whose calls the automatic choice keeps on chat, with the reason.
ON_CHAT_WHEN_AUTOMATIC = {
    "test_stop_sequence": "it passes stop, which only chat takes (the Responses API has none)",
}


class TestChatGrokStandardIntegration(ChatGrokCapabilities, ChatModelIntegrationTests):
    api = "responses"  # where the automatic choice sends the default model's calls

    @pytest.fixture(autouse=True)
    def _emulator(self, emu: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
        if request.node.originalname in SENDS_INLINE_FILES:
            request.getfixturevalue("inline_files")  # conftest.py: pending the emulator
        yield emu
        expected = self.api
        if request.node.originalname in ON_CHAT_WHEN_AUTOMATIC and self.api == "responses":
            expected = "chat"
        other = next(name for name in PATHS if name != expected)
        assert not sent(emu, other), f"this run is on {expected}, but a call went over {other}"

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
