"""Typed wire models of the Responses API (xai-api-2026.md §2.2, §2.3, §2.5, §3.2).

Key for key as the recorded api.x.ai traffic has them. Every model keeps
unknown keys (xAI adds fields between releases), and every field a recording
sometimes lacks is optional: 2025 bodies have no ``cost_in_usd_ticks``,
``response.created`` has no ``usage``, citations carry ``url`` only.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, TypeAdapter

from ._types import WireModel

# Output item types of server-side tools (§2.3 "Output item types", §3.2).
SERVER_TOOL_ITEM_TYPES = frozenset(
    {
        "web_search_call",
        "x_search_call",
        "custom_tool_call",
        "code_interpreter_call",
        "code_execution_call",
        "view_image_call",
        "view_x_video_call",
        "file_search_call",
        "image_generation_call",
        "mcp_call",
    }
)

# --- input items (§2.2) -----------------------------------------------------


class InputText(WireModel):
    type: Literal["input_text"] = "input_text"
    text: str


class InputImage(WireModel):
    """``image_url`` is a bare string (an https URL or a data URL), not an object."""

    type: Literal["input_image"] = "input_image"
    image_url: str
    detail: Literal["low", "high", "auto"] | None = None


class InputFile(WireModel):
    """A Files API id (``file_id``) or a public URL (``file_url``)."""

    type: Literal["input_file"] = "input_file"
    file_id: str | None = None
    file_url: str | None = None


InputPart = InputText | InputImage | InputFile


class InputMessage(WireModel):
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[InputPart | dict[str, Any]]
    id: str | None = None  # replay of an output message


class FunctionCallInput(WireModel):
    """A ``function_call`` the model made, sent back ahead of its output."""

    type: Literal["function_call"] = "function_call"
    call_id: str
    name: str
    arguments: str
    id: str | None = None
    status: str | None = None


class FunctionCallOutput(WireModel):
    type: Literal["function_call_output"] = "function_call_output"
    call_id: str
    output: str | list[InputPart | dict[str, Any]]


# --- the response object (§2.3) ----------------------------------------------


class InputTokensDetails(WireModel):
    cached_tokens: int = 0


class OutputTokensDetails(WireModel):
    reasoning_tokens: int = 0


class ResponseUsage(WireModel):
    """``output_tokens`` includes reasoning and ``total = input + output`` (unlike chat)."""

    input_tokens: int = 0
    input_tokens_details: InputTokensDetails | None = None
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails | None = None
    total_tokens: int = 0
    num_sources_used: int | None = None
    num_server_side_tools_used: int = 0
    server_side_tool_usage_details: dict[str, int] | None = None
    cost_in_usd_ticks: int | None = None  # absent in the 2025 recordings
    context_details: dict[str, Any] | None = None

    @property
    def cached_tokens(self) -> int:
        return self.input_tokens_details.cached_tokens if self.input_tokens_details else 0

    @property
    def reasoning_tokens(self) -> int:
        return self.output_tokens_details.reasoning_tokens if self.output_tokens_details else 0


class Annotation(WireModel):
    """xAI's ``url_citation`` has ``url`` only: no title, no start/end index."""

    type: str = "url_citation"
    url: str | None = None
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class OutputText(WireModel):
    type: str = "output_text"
    text: str = ""
    annotations: list[Annotation] = Field(default_factory=list)
    logprobs: list[Any] | None = None


class OutputMessage(WireModel):
    type: Literal["message"] = "message"
    id: str | None = None
    role: str = "assistant"
    status: str | None = None
    content: list[OutputText] = Field(default_factory=list)


class SummaryText(WireModel):
    type: str = "summary_text"
    text: str = ""


class ReasoningItem(WireModel):
    type: Literal["reasoning"] = "reasoning"
    id: str | None = None
    status: str | None = None
    summary: list[SummaryText] = Field(default_factory=list)
    content: list[Any] | None = None
    encrypted_content: str | None = None


class FunctionCallItem(WireModel):
    type: Literal["function_call"] = "function_call"
    id: str | None = None
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    status: str | None = None


class ServerToolCall(WireModel):
    """Any server-side tool item: ``web_search_call``, ``custom_tool_call`` (x_search
    sub-tools), ``code_interpreter_call``, ``mcp_call``... Both the 2025-11 layout
    (``name``/``arguments``, born completed) and the 2025-12 one (``action``,
    ``input``, ``*_call.*`` progress events) fit."""

    type: str
    id: str | None = None
    status: str | None = None
    name: str | None = None
    call_id: str | None = None
    arguments: str | None = None
    input: str | None = None
    action: dict[str, Any] | None = None
    output: Any = None
    error: Any = None
    server_label: str | None = None


class CompactionItem(WireModel):
    """The conversation so far, compacted and encrypted (``POST /v1/responses/compact``,
    xai-api-2026-09.md §2). Send it back unchanged, first in the next request's input."""

    type: Literal["compaction"] = "compaction"
    id: str | None = None
    encrypted_content: str = ""


class OtherItem(WireModel):
    """An output item type this client does not know yet (kept as is)."""

    type: str
    id: str | None = None
    status: str | None = None


def _item_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if kind in ("message", "reasoning", "function_call", "compaction"):
        return kind
    return "server_tool" if kind in SERVER_TOOL_ITEM_TYPES else "other"


def _discriminated() -> Any:
    from typing import Annotated

    from pydantic import Discriminator, Tag

    return Annotated[
        Annotated[OutputMessage, Tag("message")]
        | Annotated[ReasoningItem, Tag("reasoning")]
        | Annotated[FunctionCallItem, Tag("function_call")]
        | Annotated[CompactionItem, Tag("compaction")]
        | Annotated[ServerToolCall, Tag("server_tool")]
        | Annotated[OtherItem, Tag("other")],
        Discriminator(_item_tag),
    ]


OutputItem = _discriminated()


class ResponseError(WireModel):
    code: str | None = None
    message: str | None = None


class Citation(WireModel):
    """One cited source, numbered in order of first appearance. ``url`` is kept as the
    server sent it even when it is not a valid link; ``is_link`` says whether it is."""

    index: int
    url: str
    title: str | None = None

    @property
    def is_link(self) -> bool:
        return is_link(self.url)


def is_link(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url


def citations_of(annotations: list[Annotation]) -> list[Citation]:
    """Distinct ``url_citation`` sources, numbered from 1; broken URLs kept (as text)."""
    seen: dict[str, Citation] = {}
    for a in annotations:
        if a.type != "url_citation" or not a.url or a.url in seen:
            continue
        seen[a.url] = Citation(index=len(seen) + 1, url=a.url, title=a.title)
    return list(seen.values())


class Response(WireModel):
    """A Responses API answer. ``output_text``, ``reasoning_text``, ``citations``,
    ``function_calls`` and ``server_tool_calls`` read the ``output`` items."""

    id: str
    object: str = "response"
    created_at: int | None = None
    completed_at: int | None = None
    model: str = ""
    status: str | None = None
    output: list[OutputItem] = Field(default_factory=list)  # type: ignore[valid-type]
    usage: ResponseUsage | None = None
    previous_response_id: str | None = None
    instructions: str | None = None
    store: bool | None = None
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    reasoning: dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    service_tier: str | None = None
    prompt_cache_key: str | None = None
    incomplete_details: dict[str, Any] | None = None
    error: ResponseError | None = None
    metadata: dict[str, Any] | None = None
    user: str | None = None

    @property
    def output_text(self) -> str:
        return "".join(
            part.text
            for item in self.output
            if isinstance(item, OutputMessage)
            for part in item.content
        )

    @property
    def reasoning_text(self) -> str:
        return "".join(
            s.text for item in self.output if isinstance(item, ReasoningItem) for s in item.summary
        )

    @property
    def annotations(self) -> list[Annotation]:
        return [
            a
            for item in self.output
            if isinstance(item, OutputMessage)
            for part in item.content
            for a in part.annotations
        ]

    @property
    def citations(self) -> list[Citation]:
        return citations_of(self.annotations)

    @property
    def function_calls(self) -> list[FunctionCallItem]:
        return [item for item in self.output if isinstance(item, FunctionCallItem)]

    @property
    def server_tool_calls(self) -> list[ServerToolCall]:
        return [item for item in self.output if isinstance(item, ServerToolCall)]


class DeletedResponse(WireModel):
    """``DELETE /v1/responses/{id}``: ``deleted`` is [V]; the other keys are [U]."""

    id: str | None = None
    object: str | None = None
    deleted: bool = False


output_item_adapter: TypeAdapter[Any] = TypeAdapter(OutputItem)
