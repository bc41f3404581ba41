"""``StreamAccumulator``: the one place stream chunks become a message.

The magic, the panel and ``ChatGrok`` all read streams through it, so content,
``reasoning_content``, tool calls, usage and citations are merged one way.
xAI sends each tool call whole in one chunk (with an ``index``); OpenAI-style
servers send the arguments in fragments. Both are merged by index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._types import (
    ChatCompletion,
    Choice,
    FunctionCall,
    Message,
    ToolCall,
    Usage,
)

if TYPE_CHECKING:
    from ._types import ChatCompletionChunk, ChunkChoice


class _PendingCall:
    __slots__ = ("arguments", "id", "name")

    def __init__(self, id: str, name: str, arguments: str) -> None:
        self.id = id
        self.name = name
        self.arguments = [arguments] if arguments else []

    def build(self) -> ToolCall:
        return ToolCall(
            id=self.id,
            function=FunctionCall(name=self.name, arguments="".join(self.arguments) or "{}"),
        )


class _ChoiceState:
    __slots__ = ("content", "finish_reason", "logprobs", "reasoning", "refusal", "tool_calls")

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.tool_calls: dict[int, _PendingCall] = {}
        self.finish_reason: str | None = None
        self.logprobs: list[Any] | None = None  # None until a chunk carries logprobs

    def add(self, choice: ChunkChoice) -> None:
        delta = choice.delta
        if delta.content:
            self.content.append(delta.content)
        if delta.reasoning_content:
            self.reasoning.append(delta.reasoning_content)
        if delta.tool_calls:
            for call in delta.tool_calls:
                self._add_call(call)
        if delta.refusal:
            self.refusal.append(delta.refusal)
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        if choice.logprobs is not None:
            # Only requests with logprobs pay for this; entries arrive in token order.
            if self.logprobs is None:
                self.logprobs = []
            self.logprobs.extend(choice.logprobs.get("content") or ())

    def _add_call(self, call: ToolCall) -> None:
        fn = call.function
        arguments = fn.arguments if "arguments" in fn.model_fields_set else ""
        index = call.index if call.index is not None else len(self.tool_calls)
        pending = self.tool_calls.get(index)
        if pending is not None and call.id and pending.id and call.id != pending.id:
            # A different call reusing an index (no index sent): keep both.
            index = max(self.tool_calls) + 1
            pending = None
        if pending is None:
            self.tool_calls[index] = _PendingCall(call.id, fn.name, arguments)
            return
        # An OpenAI-style fragment of a call already started.
        if call.id and not pending.id:
            pending.id = call.id
        if fn.name and not pending.name:
            pending.name = fn.name
        if arguments:
            pending.arguments.append(arguments)

    def message(self) -> Message:
        calls = [self.tool_calls[i].build() for i in sorted(self.tool_calls)]
        msg = Message.assistant(
            "".join(self.content),
            tool_calls=calls or None,
            reasoning_content="".join(self.reasoning) or None,
        )
        if self.refusal:
            msg.refusal = "".join(self.refusal)
        return msg


class StreamAccumulator:
    """Assembles streamed ``ChatCompletionChunk``s into the final answer.

    ``add(chunk)`` for each chunk; read ``content``, ``reasoning_content``,
    ``tool_calls``, ``finish_reason``, ``usage``, ``citations`` at any time,
    and ``message`` / ``to_completion()`` for the whole (each choice's
    streamed ``logprobs`` entries are joined into ``{"content": [...]}`` there).
    """

    def __init__(self) -> None:
        self.id: str | None = None
        self.model: str | None = None
        self.created: int = 0
        self.system_fingerprint: str | None = None
        self.usage: Usage | None = None
        self.citations: list[str] | None = None
        self.chunks = 0
        self._choices: dict[int, _ChoiceState] = {0: _ChoiceState()}
        self._first = self._choices[0]

    def add(self, chunk: ChatCompletionChunk) -> None:
        if self.chunks == 0:
            self.id = chunk.id
            self.model = chunk.model
            self.created = chunk.created
        self.chunks += 1
        if chunk.system_fingerprint and not self.system_fingerprint:
            self.system_fingerprint = chunk.system_fingerprint
        for choice in chunk.choices:
            state = self._first if choice.index == 0 else self._choices.get(choice.index)
            if state is None:
                state = self._choices[choice.index] = _ChoiceState()
            state.add(choice)
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.citations:
            self.citations = list(chunk.citations)

    # --- what has arrived so far (first choice) ----------------------------

    @property
    def content(self) -> str:
        return "".join(self._first.content)

    @property
    def text(self) -> str:
        return self.content

    @property
    def reasoning_content(self) -> str:
        return "".join(self._first.reasoning)

    @property
    def tool_calls(self) -> list[ToolCall]:
        calls = self._first.tool_calls
        return [calls[i].build() for i in sorted(calls)]

    @property
    def finish_reason(self) -> str | None:
        return self._first.finish_reason

    @property
    def finished(self) -> bool:
        """True once every choice seen has a ``finish_reason``."""
        return all(c.finish_reason for c in self._choices.values())

    @property
    def message(self) -> Message:
        return self._first.message()

    def to_completion(self) -> ChatCompletion:
        return ChatCompletion(
            id=self.id or "",
            created=self.created,
            model=self.model or "",
            choices=[
                Choice(
                    index=i,
                    message=s.message(),
                    finish_reason=s.finish_reason,
                    logprobs=None if s.logprobs is None else {"content": list(s.logprobs)},
                )
                for i, s in sorted(self._choices.items())
            ],
            usage=self.usage,
            system_fingerprint=self.system_fingerprint,
            citations=self.citations,
        )

    def __repr__(self) -> str:
        return (
            f"StreamAccumulator(chunks={self.chunks}, content={len(self.content)} chars, "
            f"tool_calls={len(self._first.tool_calls)}, finish_reason={self.finish_reason!r})"
        )
