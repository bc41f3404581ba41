"""What a turn takes, what it reports as it goes, and what it gives back.

Front-end neutral: the magic, the panel, ``%grok fix`` and the agent build a
``TurnRequest``, watch it through a ``TurnObserver`` and read a ``TurnResult``.
Which API carries the turn is the engine's choice (``routing.py``), not theirs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ...client._errors import GrokError
    from ...client._responses_types import Citation
    from ...client._types import Message, ToolCall, Usage
    from ..tools import KernelTools, ToolResult

WAITING = "waiting for first token…"
STREAMING = "streaming"
RUNNING_TOOLS = "running tools…"

ApiChoice = Literal["auto", "chat", "responses"]


@dataclass
class TurnRequest:
    """One user turn, as any front end states it.

    ``user`` holds the prompt parts, images and attached files (already uploaded
    ``input_file`` parts). ``tools`` are kernel functions Grok may call (run here);
    ``server_tools`` are xAI-side tool dicts (``web_search``, ``x_search``,
    ``code_interpreter``, ``mcp``: run there, only shown here). ``params`` are
    chat-style options (``temperature``, ``max_tokens``, ``reasoning_effort``,
    ``response_format``), translated per API by the engine. ``api``: ``"auto"``
    (Responses for models that take it), or ``"chat"`` / ``"responses"`` to force one.
    ``auto_compact``: compact the conversation's history first when this turn's prompt
    would reach the long-context tier or 80% of the window (``turn/compaction.py``).
    """

    user: Message
    model: str | None = None
    system: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tools: KernelTools | None = None
    server_tools: list[dict[str, Any]] = field(default_factory=list)
    api: ApiChoice = "auto"
    stream: bool = True
    max_steps: int = 5
    source: str = "magic"
    # The cost guard: a turn estimated above this many USD is refused before sending
    # (``guard.CostGuardError``); None turns the guard off (``--yes``).
    confirm_over_usd: float | None = None
    auto_compact: bool = True


class TurnObserver:
    """What a turn reports as it goes; subclass and override what you show."""

    def on_status(self, text: str) -> None: ...
    def on_reasoning(self, delta: str) -> None: ...
    def on_text(self, delta: str) -> None: ...
    def on_tool_call(self, call: ToolCall) -> None: ...
    def on_tool_result(self, result: ToolResult) -> None: ...
    def on_step(self, outcome: RoundOutcome) -> None: ...


@dataclass
class RoundOutcome:
    """One request to Grok, in neither API's terms: what the loop needs to go on.

    Filled as the round streams, so a round cut by Stop, Ctrl-C or a broken stream
    still says what had arrived. Text and reasoning are kept as pieces and joined when
    read: appending to a string attribute would recopy the answer at every token.
    """

    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None  # the server's; None when it never came
    model: str | None = None
    cut: bool = False  # stopped at the length cap
    citations: list[Citation] = field(default_factory=list)
    response_id: str | None = None  # Responses only: the stored response
    # Responses only: server-side tool calls by the usage's counter ({"web_search_calls": 2}).
    tool_counts: dict[str, int] = field(default_factory=dict)
    stopped: bool = False  # Stop was pressed mid-round
    first_token_at: float | None = None  # perf_counter() of the first text or reasoning
    text_parts: list[str] = field(default_factory=list, repr=False)
    reasoning_parts: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        if len(self.text_parts) > 1:
            self.text_parts[:] = ["".join(self.text_parts)]
        return self.text_parts[0] if self.text_parts else ""

    @text.setter
    def text(self, value: str) -> None:
        self.text_parts[:] = [value] if value else []

    @property
    def reasoning(self) -> str:
        if len(self.reasoning_parts) > 1:
            self.reasoning_parts[:] = ["".join(self.reasoning_parts)]
        return self.reasoning_parts[0] if self.reasoning_parts else ""

    @reasoning.setter
    def reasoning(self, value: str) -> None:
        self.reasoning_parts[:] = [value] if value else []


class StopSignal(threading.Event):
    """A ``cancel`` event that also closes the stream in flight, so Stop acts at once.

    Setting a plain event is only seen when the next chunk arrives; ``stop()``
    closes the connection, which wakes the reading thread immediately.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._stream: Any = None

    def attach(self, stream: Any) -> None:
        with self._lock:
            self._stream = stream
        if self.is_set():
            stream.close()

    def detach(self) -> None:
        with self._lock:
            self._stream = None

    def stop(self) -> None:
        self.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.close()


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value >= 0.0001 or not value else f"${value:.6f}"


@dataclass(frozen=True)
class CompactionNote:
    """A compaction made (or refused) for a turn, as a front end shows it (``describe``).

    ``saved_usd``: what this turn saved net of the compaction's own cost, against the
    same turn sent with the uncompacted history (negative: it cost more this turn;
    None: not known, as for a compaction made by hand). ``failed``: the compaction could
    not be made or used, and why; the turn then sent the full history.
    """

    tokens_before: int
    tokens_after: int
    model: str
    cost_usd: float = 0.0  # the compaction request
    saved_usd: float | None = None
    automatic: bool = True
    failed: str | None = None

    def describe(self) -> str:
        if self.failed is not None:
            return self.failed
        head = f"compacted {self.tokens_before:,} tokens of history into {self.tokens_after:,}"
        later = (
            f"the next turns send {self.tokens_after:,} tokens of history instead of "
            f"{self.tokens_before:,}"
        )
        if self.saved_usd is None:
            return f"{head} ({_usd(self.cost_usd)}); {later}"
        if self.saved_usd >= 0:
            return f"{head}; saved {_usd(self.saved_usd)} on this turn"
        return (
            f"{head} ({_usd(self.cost_usd)}); this turn cost {_usd(-self.saved_usd)} more, "
            f"{later}"
        )


@dataclass
class TurnResult:
    text: str = ""
    reasoning: str = ""
    tool_results: list[ToolResult] = field(default_factory=list)
    interrupted: bool = False
    error: GrokError | None = None
    model: str | None = None
    api: str | None = None  # "chat" or "responses": where the turn went
    usage: Usage | None = None
    cost_usd: float = 0.0
    ttft_s: float | None = None
    latency_s: float = 0.0
    steps: int = 0
    # Grok still asked for tools after max_steps rounds: one more round, tools off, answered.
    step_limit_reached: bool = False
    cut: bool = False  # the answer stopped at its length cap
    usage_estimated: bool = False  # some tokens counted locally (a cut or stopped stream)
    citations: list[Citation] = field(default_factory=list)
    response_id: str | None = None  # the stored Responses answer, when there is one
    estimate_usd: float | None = None  # the guard's estimate before sending
    notices: list[str] = field(default_factory=list)  # said under the answer (tier crossed)
    # The history was compacted before this turn (or a compaction failed or was set aside:
    # ``compaction.failed``); ``cost_usd`` includes what the compaction cost.
    compaction: CompactionNote | None = None
    # Server-side tool calls by counter, and their part of ``cost_usd`` (catalogue prices).
    tool_counts: dict[str, int] = field(default_factory=dict)
    tool_cost_usd: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted
