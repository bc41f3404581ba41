"""Wire types: pydantic models that mirror the JSON of the xAI REST API.

See ``shared/xai-api.md``. Every model tolerates fields it does not know (the
API grows), and requests serialise without null keys (``to_wire``). Nothing
above the client parses raw JSON: it gets these objects.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool", "function", "developer"]
FinishReason = str  # "stop" | "length" | "tool_calls" | "end_turn" | ... ; open on purpose


class WireModel(BaseModel):
    """Base of every wire type: unknown fields are kept, not rejected."""

    # defer_build: each model builds its validator on first use, not at import,
    # so importing the client does not pay for the endpoints a session never calls.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict sent to the server: no null keys."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


# --- content parts ---------------------------------------------------------


class TextPart(WireModel):
    type: Literal["text"] = "text"
    text: str


class ImageURL(WireModel):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImagePart(WireModel):
    type: Literal["image_url"] = "image_url"
    image_url: ImageURL


class FilePart(WireModel):
    type: Literal["file", "text_file"] = "file"


ContentPart = Union[TextPart, ImagePart, FilePart]  # noqa: UP007  (pydantic union order matters)


# --- messages and tools ----------------------------------------------------


class FunctionCall(WireModel):
    # Defaults let OpenAI-style stream fragments (name or arguments only) parse.
    name: str = ""
    arguments: str = "{}"  # a JSON string, as on the wire


class ToolCall(WireModel):
    id: str = ""  # empty only in OpenAI-style continuation fragments
    type: Literal["function"] = "function"
    function: FunctionCall = Field(default_factory=FunctionCall)
    index: int | None = None  # only in streamed chunks


class Message(WireModel):
    role: Role
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    reasoning_content: str | None = None
    refusal: str | None = None

    @classmethod
    def system(cls, text: str) -> Message:
        return cls(role="system", content=text)

    @classmethod
    def user(cls, content: str | list[ContentPart], *, name: str | None = None) -> Message:
        return cls(role="user", content=content, name=name)

    @classmethod
    def assistant(
        cls,
        content: str | None = "",
        *,
        tool_calls: list[ToolCall] | None = None,
        reasoning_content: str | None = None,
    ) -> Message:
        return cls(
            role="assistant",
            content=content or "",
            tool_calls=tool_calls or None,
            reasoning_content=reasoning_content or None,
        )

    @classmethod
    def tool(cls, tool_call_id: str, content: str) -> Message:
        return cls(role="tool", tool_call_id=tool_call_id, content=content)

    @property
    def text(self) -> str:
        """The message's text: the string content, or its text parts joined."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @property
    def images(self) -> list[ImagePart]:
        if isinstance(self.content, list):
            return [p for p in self.content if isinstance(p, ImagePart)]
        return []

    def to_wire(self) -> dict[str, Any]:
        wire = super().to_wire()
        # xAI answers 400 to an assistant message whose content is null
        # (a known ChatXAI bug); an empty string is what the API itself sends.
        if self.role == "assistant" and wire.get("content") is None:
            wire["content"] = ""
        return wire


class FunctionDefinition(WireModel):
    name: str
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


class Tool(WireModel):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class StreamOptions(WireModel):
    include_usage: bool = True


class ChatRequest(WireModel):
    """``POST /v1/chat/completions`` body. Unknown keys pass through."""

    model: str
    messages: list[Message]
    tools: list[Tool] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    max_completion_tokens: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    n: int | None = None
    stop: list[str] | str | None = None
    seed: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    search_parameters: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None
    user: str | None = None
    deferred: bool | None = None
    service_tier: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = super().to_wire()
        wire["messages"] = [m.to_wire() for m in self.messages]
        return wire


# --- responses -------------------------------------------------------------


class PromptTokensDetails(WireModel):
    text_tokens: int = 0
    audio_tokens: int = 0
    image_tokens: int = 0
    cached_tokens: int = 0


class CompletionTokensDetails(WireModel):
    reasoning_tokens: int = 0
    audio_tokens: int = 0
    accepted_prediction_tokens: int = 0
    rejected_prediction_tokens: int = 0


class Usage(WireModel):
    """xAI usage. Unlike OpenAI, ``completion_tokens`` excludes reasoning and
    ``total_tokens = prompt + completion + reasoning``."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None
    num_sources_used: int | None = None
    cost_in_usd_ticks: int | None = None
    reasoning_tokens: int | None = None  # older (2025 grok-2) replies put it here

    @property
    def reasoning(self) -> int:
        if self.completion_tokens_details is not None:
            return self.completion_tokens_details.reasoning_tokens
        return self.reasoning_tokens or 0

    @property
    def cached(self) -> int:
        return self.prompt_tokens_details.cached_tokens if self.prompt_tokens_details else 0

    @property
    def image(self) -> int:
        return self.prompt_tokens_details.image_tokens if self.prompt_tokens_details else 0


class Choice(WireModel):
    index: int = 0
    message: Message
    finish_reason: FinishReason | None = None
    logprobs: dict[str, Any] | None = None


class ChatCompletion(WireModel):
    id: str
    object: str = "chat.completion"
    created: int = 0
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None
    citations: list[str] | None = None

    @property
    def message(self) -> Message:
        return self.choices[0].message

    @property
    def text(self) -> str:
        return self.choices[0].message.text if self.choices else ""

    @property
    def finish_reason(self) -> FinishReason | None:
        return self.choices[0].finish_reason if self.choices else None


class Delta(WireModel):
    role: Role | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    refusal: str | None = None


class ChunkChoice(WireModel):
    index: int = 0
    delta: Delta = Field(default_factory=Delta)
    finish_reason: FinishReason | None = None
    logprobs: dict[str, Any] | None = None


class ChatCompletionChunk(WireModel):
    id: str
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    citations: list[str] | None = None

    @property
    def text(self) -> str:
        """The content this chunk adds (empty for keep-alive and usage chunks)."""
        if self.choices:
            return self.choices[0].delta.content or ""
        return ""


class DeferredRequest(WireModel):
    request_id: str


class Model(WireModel):
    id: str
    created: int = 0
    object: str = "model"
    owned_by: str = "xai"


class LanguageModel(WireModel):
    """An entry of ``/v1/language-models``. Prices are USD cents per 100M tokens."""

    id: str
    fingerprint: str | None = None
    created: int = 0
    object: str = "model"
    owned_by: str = "xai"
    version: str | None = None
    input_modalities: list[str] = Field(default_factory=lambda: ["text"])
    output_modalities: list[str] = Field(default_factory=lambda: ["text"])
    prompt_text_token_price: int = 0
    cached_prompt_text_token_price: int = 0
    prompt_image_token_price: int = 0
    completion_text_token_price: int = 0
    search_price: int | None = None
    aliases: list[str] = Field(default_factory=list)


class ImageGenerationModel(WireModel):
    id: str
    fingerprint: str | None = None
    max_prompt_length: int | None = None
    created: int = 0
    object: str = "model"
    owned_by: str = "xai"
    version: str | None = None
    input_modalities: list[str] = Field(default_factory=lambda: ["text"])
    output_modalities: list[str] = Field(default_factory=lambda: ["image"])
    image_price: int | None = None
    aliases: list[str] = Field(default_factory=list)


class TokenInfo(WireModel):
    token_id: int
    string_token: str
    token_bytes: list[int] = Field(default_factory=list)


class GeneratedImage(WireModel):
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None
    mime_type: str | None = None


class ApiKeyInfo(WireModel):
    redacted_api_key: str
    user_id: str | None = None
    name: str | None = None
    create_time: str | None = None
    modify_time: str | None = None
    modified_by: str | None = None
    team_id: str | None = None
    acls: list[str] = Field(default_factory=list)
    api_key_id: str | None = None
    team_blocked: bool = False
    api_key_blocked: bool = False
    api_key_disabled: bool = False


class ErrorBody(WireModel):
    """xAI's error body: ``{"code": <gRPC status text>, "error": <message>}``."""

    code: str | None = None
    error: str | dict[str, Any] | None = None
