"""What a Responses stream adds up to: ``ResponseAccumulator``.

Fed one typed event at a time (``_responses_events``), it keeps the text, the
reasoning summary, function calls with their arguments, server-side tool
calls with their live status, the ``url_citation`` annotations and the usage.
``to_response()`` is the final ``Response``: the one ``response.completed``
carried, or (for a stream cut short) one built from the parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._responses_events import (
    AnnotationAddedEvent,
    DeltaEvent,
    DoneEvent,
    ErrorEvent,
    OutputItemEvent,
    ResponseEvent,
    ResponseLifecycleEvent,
    ToolCallProgressEvent,
)
from ._responses_types import (
    Citation,
    FunctionCallItem,
    Response,
    ResponseUsage,
    ServerToolCall,
    citations_of,
)

if TYPE_CHECKING:
    from ._responses_types import Annotation

_TERMINAL = frozenset(
    {"response.completed", "response.incomplete", "response.failed", "response.done"}
)


class ResponseAccumulator:
    """What a Responses stream has said so far; ``to_response()`` is the final object.

    ``server_tool_calls`` holds each server-side tool call by item id, its
    ``status`` updated by every ``*_call.*`` event ("in_progress", "searching",
    "completed"...), so a UI can show "searching X ..." while it happens.
    """

    def __init__(self) -> None:
        self.events = 0
        self.id: str | None = None
        self.model: str | None = None
        self.status: str | None = None
        self.response: Response | None = None  # the last lifecycle event's object
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self.function_calls: dict[str, FunctionCallItem] = {}
        self.server_tool_calls: dict[str, ServerToolCall] = {}
        self.annotations: list[Annotation] = []
        self.usage: ResponseUsage | None = None
        self.error: dict[str, Any] | None = None
        self.finished = False

    # --- reading -------------------------------------------------------------

    @property
    def text(self) -> str:
        return "".join(self._text)

    content = text  # the name chat's accumulator uses (errors quote len(partial.content))

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    @property
    def citations(self) -> list[Citation]:
        return citations_of(self.annotations)

    @property
    def chunks(self) -> int:
        return self.events

    # --- feeding -------------------------------------------------------------

    def add_text(self, event: DeltaEvent) -> None:
        """``add`` for an ``output_text.delta`` (the stream's hot path)."""
        self.events += 1
        self._text.append(event.delta)

    def add(self, event: ResponseEvent) -> None:
        self.events += 1
        kind = event.type
        if isinstance(event, DeltaEvent):
            if kind == "response.output_text.delta":
                self._text.append(event.delta)
            elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
                self._reasoning.append(event.delta)
            elif kind == "response.function_call_arguments.delta":
                call = self._call_by_item(event.item_id)
                if call is not None:
                    call.arguments += event.delta
        elif isinstance(event, OutputItemEvent):
            self._item(event)
        elif isinstance(event, ToolCallProgressEvent):
            tool = self.server_tool_calls.get(event.item_id or "")
            if tool is not None:
                tool.status = event.status
        elif isinstance(event, AnnotationAddedEvent):
            self.annotations.append(event.annotation)
        elif isinstance(event, DoneEvent):
            self._done(event)
        elif isinstance(event, ResponseLifecycleEvent):
            self._lifecycle(event)
        elif isinstance(event, ErrorEvent):
            self.error = {"code": event.code, "message": event.message, "param": event.param}

    def _call_by_item(self, item_id: str | None) -> FunctionCallItem | None:
        for call in self.function_calls.values():
            if call.id == item_id:
                return call
        return None

    def _item(self, event: OutputItemEvent) -> None:
        item = event.item
        key = getattr(item, "id", None) or f"#{event.output_index}"
        if isinstance(item, ServerToolCall):
            if event.type.endswith(".added"):
                item = item.model_copy()  # progress and done events update our copy
            self.server_tool_calls[key] = item
        elif isinstance(item, FunctionCallItem):
            if event.type.endswith(".added") and not item.arguments:
                item = item.model_copy()  # deltas append to our copy
            self.function_calls[key] = item

    def _done(self, event: DoneEvent) -> None:
        if event.type == "response.function_call_arguments.done" and event.arguments is not None:
            call = self._call_by_item(event.item_id)
            if call is not None:
                call.arguments = event.arguments
        elif event.type == "response.mcp_call_arguments.done" and event.arguments is not None:
            tool = self.server_tool_calls.get(event.item_id or "")
            if tool is not None:
                tool.arguments = event.arguments
        elif event.type == "response.mcp_call_output.done":
            tool = self.server_tool_calls.get(event.item_id or "")
            if tool is not None:
                tool.output = event.output
        elif event.input is not None:  # custom_tool_call_input.done: the whole input
            tool = self.server_tool_calls.get(event.item_id or "")
            if tool is not None:
                tool.input = event.input

    def _lifecycle(self, event: ResponseLifecycleEvent) -> None:
        r = event.response
        self.response = r
        self.id = r.id or self.id
        self.model = r.model or self.model
        self.status = r.status
        if r.usage is not None:
            self.usage = r.usage
        if event.type in _TERMINAL:
            self.finished = True
            if r.error is not None and self.error is None:
                self.error = r.error.model_dump()

    def to_response(self) -> Response:
        """The final ``Response`` (from ``response.completed``), else one built from the parts."""
        if self.finished and self.response is not None:
            return self.response
        from ._responses_types import OutputMessage, OutputText, ReasoningItem

        output: list[Any] = []
        if self._reasoning:
            output.append(ReasoningItem(summary=[{"text": self.reasoning}]))  # type: ignore[list-item]
        output.extend(self.server_tool_calls.values())
        output.extend(self.function_calls.values())
        if self._text or self.annotations:
            part = OutputText(text=self.text, annotations=list(self.annotations))
            output.append(OutputMessage(content=[part], status="incomplete"))
        return Response(
            id=self.id or "",
            model=self.model or "",
            status=self.status or "incomplete",
            output=output,
            usage=self.usage,
        )

    def __repr__(self) -> str:
        return (
            f"<ResponseAccumulator {self.events} event(s), {len(self.text)} chars, "
            f"{len(self.server_tool_calls)} server tool call(s)>"
        )
