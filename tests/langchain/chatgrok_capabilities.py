"""What ChatGrok can do, stated once for both standard suites."""

from __future__ import annotations

from typing import Any, Literal

from langchain_grok import ChatGrok

# The default model: current, text + image in, tools; the automatic choice sends
# it over /v1/responses. The standard suite sends ``stop``, which keeps that call
# on chat (the Responses API has none); whether grok-4.3 refuses it there on the
# real API is [U] (xai-api-2026.md §4.3), so it is sent and the emulator takes it.
MODEL = "grok-4.3"
# A canonical id, so the reply's model_name shows the override took effect.
OVERRIDE_MODEL = "grok-4.20-0309-non-reasoning"
# grok-4.3 reasons at a chosen effort; its reasoning text comes back only over
# /v1/responses (chat returns reasoning_content for retired models alone:
# xai-api.md §2, xai-api-2026.md §2.7 item 8).
REASONING_MODEL = "grok-4.3"


class ChatGrokCapabilities:
    @property
    def chat_model_class(self) -> type[ChatGrok]:
        return ChatGrok

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL, "temperature": 0}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        # xAI fetches https image URLs itself.
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        # Responses: image parts in function_call_output; chat: in a user message after
        # the tool results (langchain_grok/_tool_media.py).
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        # ``file`` blocks go over /v1/responses (input_file parts).
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        # A tool's files go in a user message after the tool results, over /v1/responses.
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[
        Literal["invoke", "stream"],
        list[
            Literal[
                "audio_input",
                "audio_output",
                "reasoning_output",
                "cache_read_input",
                "cache_creation_input",
            ]
        ],
    ]:
        both: list[Any] = ["reasoning_output", "cache_read_input"]
        return {"invoke": both, "stream": list(both)}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str | None:
        return OVERRIDE_MODEL
