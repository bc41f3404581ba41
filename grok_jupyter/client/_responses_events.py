"""Typed stream events of the Responses API (xai-api-2026.md §2.5).

One class per shape, not per type name: every ``….delta`` is a ``DeltaEvent``,
every ``*_call.<status>`` a ``ToolCallProgressEvent``, and an event type this
client does not know is a plain ``ResponseEvent`` (kept, never an error).
Dispatch is on ``type`` in one pydantic-core pass over the JSON bytes.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, TypeAdapter

from ._responses_types import Annotation, OutputItem, Response
from ._types import WireModel

# --- stream events (§2.5) -----------------------------------------------------


class ResponseEvent(WireModel):
    """Base of every stream event; an event type this client does not know is one of these."""

    type: str
    sequence_number: int | None = None


class ResponseLifecycleEvent(ResponseEvent):
    """``response.created`` / ``in_progress`` / ``completed`` / ``incomplete`` / ``failed``."""

    response: Response


class OutputItemEvent(ResponseEvent):
    """``response.output_item.added`` / ``.done``."""

    output_index: int = 0
    item: OutputItem  # type: ignore[valid-type]


class ContentPartEvent(ResponseEvent):
    """``response.content_part.*`` and ``response.reasoning_summary_part.*``."""

    item_id: str | None = None
    output_index: int = 0
    content_index: int | None = None
    summary_index: int | None = None
    part: dict[str, Any] = Field(default_factory=dict)


class DeltaEvent(ResponseEvent):
    """Any ``….delta``: output text, reasoning summary or text, tool arguments or input."""

    item_id: str | None = None
    output_index: int = 0
    content_index: int | None = None
    summary_index: int | None = None
    delta: str = ""


class DoneEvent(ResponseEvent):
    """Any ``….done`` with the whole value: ``text``, ``arguments``, ``input``, ``code``
    or ``output``."""

    item_id: str | None = None
    output_index: int = 0
    content_index: int | None = None
    summary_index: int | None = None
    text: str | None = None
    arguments: str | None = None
    input: str | None = None
    code: str | None = None
    output: Any = None  # response.mcp_call_output.done


class AnnotationAddedEvent(ResponseEvent):
    item_id: str | None = None
    output_index: int = 0
    content_index: int = 0
    annotation_index: int = 0
    annotation: Annotation


class ToolCallProgressEvent(ResponseEvent):
    """``response.web_search_call.searching``, ``response.mcp_call.failed``...: the
    status of a server-side tool call, which is the last word of ``type``."""

    item_id: str | None = None
    output_index: int = 0

    @property
    def status(self) -> str:
        return self.type.rsplit(".", 1)[-1]


class ErrorEvent(ResponseEvent):
    """The ``error`` event: ``{code, message, param}``."""

    code: str | None = None
    message: str | None = None
    param: str | None = None


_LIFECYCLE = frozenset(
    {
        "response.created",
        "response.in_progress",
        "response.completed",
        "response.incomplete",
        "response.failed",
        "response.done",  # not seen from xAI; VER accepts it
    }
)
_PARTS = frozenset(
    {
        "response.content_part.added",
        "response.content_part.done",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_part.done",
    }
)


def _event_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if not isinstance(kind, str):
        return "other"
    if kind in _LIFECYCLE:
        return "lifecycle"
    if kind.startswith("response.output_item."):
        return "item"
    if kind in _PARTS:
        return "part"
    if kind == "response.output_text.annotation.added":
        return "annotation"
    if kind == "error":
        return "error"
    if kind.endswith(".delta"):
        return "delta"
    if kind.endswith(".done"):
        return "done"
    if kind.split(".")[1:2] and kind.split(".")[1].endswith("_call"):
        return "progress"
    return "other"


def _event_union() -> Any:
    from typing import Annotated

    from pydantic import Discriminator, Tag

    return Annotated[
        Annotated[ResponseLifecycleEvent, Tag("lifecycle")]
        | Annotated[OutputItemEvent, Tag("item")]
        | Annotated[ContentPartEvent, Tag("part")]
        | Annotated[DeltaEvent, Tag("delta")]
        | Annotated[DoneEvent, Tag("done")]
        | Annotated[AnnotationAddedEvent, Tag("annotation")]
        | Annotated[ToolCallProgressEvent, Tag("progress")]
        | Annotated[ErrorEvent, Tag("error")]
        | Annotated[ResponseEvent, Tag("other")],
        Discriminator(_event_tag),
    ]


AnyResponseEvent = _event_union()
event_adapter: TypeAdapter[Any] = TypeAdapter(AnyResponseEvent)
