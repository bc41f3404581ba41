"""What ChatGrok can do, stated once for both standard suites."""

from __future__ import annotations

from typing import Any, Literal

from langchain_grok import ChatGrok

# grok-2-vision-1212 takes text, images, tools and ``stop``; the grok-4
# family rejects ``stop`` (the standard suite sends it), as the real API does.
MODEL = "grok-2-vision-1212"
OVERRIDE_MODEL = "grok-3"  # resolves to itself, so the override is visible
REASONING_MODEL = "grok-3-mini"  # streams reasoning_content


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
        # xAI tool messages are text only.
        return False

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
