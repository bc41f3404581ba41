"""One user turn: send it, stream the answer, run tool calls, loop, commit.

The magic and the panel both drive a turn through ``run_turn`` and differ
only in how they show it (their ``TurnObserver``), so streaming, tool loops,
stopping and error handling behave the same in both.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client._catalog import USD_TICKS_PER_USD, get_catalog
from ..client._errors import GrokError, InvalidRequestError, StreamInterruptedError
from ..client._types import (
    ChatCompletion,
    CompletionTokensDetails,
    Message,
    PromptTokensDetails,
    ToolCall,
    Usage,
)
from .conversation import INTERRUPTED_MARKER, Conversation
from .tools import ToolsInterrupted

if TYPE_CHECKING:
    from ..client import GrokClient
    from .tools import KernelTools, ToolResult

WAITING = "waiting for first token…"
STREAMING = "streaming"
RUNNING_TOOLS = "running tools…"


class TurnObserver:
    """What a turn reports as it goes; subclass and override what you show."""

    def on_status(self, text: str) -> None: ...
    def on_reasoning(self, delta: str) -> None: ...
    def on_text(self, delta: str) -> None: ...
    def on_tool_call(self, call: ToolCall) -> None: ...
    def on_tool_result(self, result: ToolResult) -> None: ...
    def on_step(self, completion: ChatCompletion) -> None: ...


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


@dataclass
class TurnResult:
    text: str = ""
    reasoning: str = ""
    completion: ChatCompletion | None = None
    tool_results: list[ToolResult] = field(default_factory=list)
    interrupted: bool = False
    error: GrokError | None = None
    model: str | None = None
    usage: Usage | None = None
    cost_usd: float = 0.0
    ttft_s: float | None = None
    latency_s: float = 0.0
    steps: int = 0
    # Grok still asked for tools after max_steps rounds: one more round, tools off, answered.
    step_limit_reached: bool = False
    cut: bool = False  # the answer stopped at max_tokens (finish_reason "length")
    usage_estimated: bool = False  # some tokens counted locally (a cut or stopped stream)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted


def _add_usage(total: Usage | None, usage: Usage | None) -> Usage | None:
    if usage is None:
        return total
    if total is None:
        return usage.model_copy(deep=True)
    return Usage(
        prompt_tokens=total.prompt_tokens + usage.prompt_tokens,
        completion_tokens=total.completion_tokens + usage.completion_tokens,
        total_tokens=total.total_tokens + usage.total_tokens,
        prompt_tokens_details=PromptTokensDetails(
            cached_tokens=total.cached + usage.cached, image_tokens=total.image + usage.image
        ),
        completion_tokens_details=CompletionTokensDetails(
            reasoning_tokens=total.reasoning + usage.reasoning
        ),
    )


def _cost_usd(model: str | None, usage: Usage | None) -> float:
    if usage is None:
        return 0.0
    if usage.cost_in_usd_ticks is not None:
        return usage.cost_in_usd_ticks / USD_TICKS_PER_USD
    info = get_catalog().resolve(model or "")
    return info.cost_usd(usage) if info else 0.0


def _estimate(
    messages: list[Message], params: dict[str, Any], text: str, reasoning: str
) -> Usage:
    """What a round that never sent its usage cost, by the shared tokenizer."""
    from ..client._usage import estimate_usage

    tools = [t.to_wire() if hasattr(t, "to_wire") else t for t in params.get("tools") or ()]
    body = {"messages": [m.to_wire() for m in messages], "tools": tools or None}
    return estimate_usage(body, text, reasoning)


def _for_request(message: Message) -> Message:
    # Earlier reasoning is shown to the user but not sent again: it would only cost tokens.
    if message.reasoning_content:
        return message.model_copy(update={"reasoning_content": None})
    return message


def run_turn(
    user: Message,
    *,
    conversation: Conversation | None,
    client: GrokClient,
    model: str | None = None,
    system: str | None = None,
    params: dict[str, Any] | None = None,
    tools: KernelTools | None = None,
    stream: bool = True,
    max_steps: int = 5,
    observer: TurnObserver | None = None,
    cancel: threading.Event | None = None,
    source: str = "magic",
) -> TurnResult:
    """Take one turn; see docs/architecture.md for what is committed when."""
    observer = observer or TurnObserver()
    if conversation is not None:
        history = [_for_request(m) for m in conversation.request_messages(system)]
    else:
        history = [Message.system(system)] if system else []
    pending: list[Message] = [user]
    base_params = dict(params or {})
    if tools is not None and tools.names:
        base_params.setdefault("tools", tools.tools)
    result = TurnResult(model=model)
    started = time.perf_counter()

    def commit(final: Message | None) -> None:
        if final is not None:
            pending.append(final)
        if conversation is not None:
            if result.model:
                conversation.model = result.model
            conversation.append(*pending)

    limit = max(1, max_steps)
    step = 0
    while True:
        step += 1
        result.steps = step
        step_params = dict(base_params)
        answer_round = step > limit  # the step limit was reached: tools off, answer now
        if answer_round:
            step_params["tool_choice"] = "none"
        observer.on_status(WAITING)
        sent = history + pending
        reasoning_before = result.reasoning
        text_before = result.text
        try:
            completion, text, reasoning, interrupted = _one_round(
                client, sent, model, step_params, stream, observer, cancel,
                source, result, started,
                conversation.conv_id if conversation is not None else None,
            )
        except KeyboardInterrupt:
            _count_partial(result, sent, step_params, text_before, reasoning_before, None)
            commit(Message.assistant(result.text + INTERRUPTED_MARKER))
            result.interrupted = True
            raise
        except StreamInterruptedError as exc:
            partial = exc.partial
            result.error = exc
            result.interrupted = True
            _count_partial(result, sent, step_params, text_before, reasoning_before,
                           getattr(partial, "usage", None))
            commit(Message.assistant(result.text + INTERRUPTED_MARKER))
            break
        except InvalidRequestError:
            raise
        except GrokError as exc:
            result.error = exc  # nothing committed: the turn can be retried as it was
            break
        result.completion = completion
        result.model = completion.model or result.model
        observer.on_step(completion)
        message = completion.message
        if interrupted:
            result.interrupted = True
            _count_partial(result, sent, step_params, text_before, reasoning_before,
                           completion.usage)
            commit(Message.assistant(result.text + INTERRUPTED_MARKER))
            break
        result.usage = _add_usage(result.usage, completion.usage)
        calls = message.tool_calls or []
        if calls and tools is not None and not answer_round:
            pending.append(Message.assistant(text, tool_calls=calls, reasoning_content=reasoning))
            for call in calls:
                observer.on_tool_call(call)
            observer.on_status(RUNNING_TOOLS)
            try:
                results = tools.run(calls)
            except ToolsInterrupted as stop:
                # Every call gets an answer (finished, or marked interrupted), so the
                # conversation stays one the API accepts.
                for tool_result in stop.results:
                    observer.on_tool_result(tool_result)
                result.tool_results.extend(stop.results)
                pending.extend(tools.messages(stop.results))
                result.interrupted = True
                result.text += text
                commit(Message.assistant(text + INTERRUPTED_MARKER))
                raise
            for tool_result in results:
                observer.on_tool_result(tool_result)
            result.tool_results.extend(results)
            pending.extend(tools.messages(results))
            result.text += text
            if step >= limit:
                result.step_limit_reached = True
            continue
        result.text += text
        result.cut = completion.finish_reason == "length"
        # In the answer round a model that still asks for tools gets none run: text only.
        kept_calls = None if answer_round else (calls or None)
        commit(Message.assistant(text, tool_calls=kept_calls, reasoning_content=reasoning))
        break

    result.latency_s = time.perf_counter() - started
    result.cost_usd = _cost_usd(result.model, result.usage)
    if conversation is not None:
        conversation.add_cost(result.cost_usd)
        conversation.end_turn(result)  # the turn's usage and model, kept with it (and saved)
    return result


def _count_partial(
    result: TurnResult,
    sent: list[Message],
    params: dict[str, Any],
    text_before: str,
    reasoning_before: str,
    usage: Usage | None,
) -> None:
    """Add a stopped or cut round's usage: the server's if it came, else an estimate."""
    if usage is None:
        usage = _estimate(sent, params, result.text[len(text_before):],
                          result.reasoning[len(reasoning_before):])
        result.usage_estimated = True
    result.usage = _add_usage(result.usage, usage)


def _one_round(
    client: GrokClient,
    messages: list[Message],
    model: str | None,
    params: dict[str, Any],
    stream: bool,
    observer: TurnObserver,
    cancel: threading.Event | None,
    source: str,
    result: TurnResult,
    started: float,
    conv_id: str | None = None,
) -> tuple[ChatCompletion, str, str, bool]:
    """One request to Grok: the completion, its text and reasoning, and whether it was stopped."""
    if not stream:
        completion = client.chat(messages, model=model, source=source, conv_id=conv_id,
                                 **params)
        message = completion.message
        if message.reasoning_content:
            observer.on_reasoning(message.reasoning_content)
        if message.text:
            observer.on_text(message.text)
        if result.ttft_s is None:
            result.ttft_s = time.perf_counter() - started
        return completion, message.text, message.reasoning_content or "", False

    text_parts: list[str] = []
    reasoning_parts: list[str] = []
    interrupted = False
    chat_stream = client.stream(messages, model=model, source=source, conv_id=conv_id,
                                **params)
    attach = getattr(cancel, "attach", None)
    if attach is not None:
        attach(chat_stream)
    try:
        with chat_stream:
            streaming = False
            try:
                for chunk in chat_stream:
                    if cancel is not None and cancel.is_set():
                        interrupted = True
                        break
                    if not chunk.choices:
                        continue
                    delta = chunk.choices[0].delta
                    if delta.reasoning_content or delta.content:
                        if result.ttft_s is None:
                            result.ttft_s = time.perf_counter() - started
                        if not streaming:
                            streaming = True
                            observer.on_status(STREAMING)
                    if delta.reasoning_content:
                        reasoning_parts.append(delta.reasoning_content)
                        result.reasoning += delta.reasoning_content
                        observer.on_reasoning(delta.reasoning_content)
                    if delta.content:
                        text_parts.append(delta.content)
                        observer.on_text(delta.content)
                # Stop may close the stream between chunks, which ends the loop quietly.
                if cancel is not None and cancel.is_set():
                    interrupted = True
            except GrokError:
                if cancel is not None and cancel.is_set():
                    interrupted = True  # Stop closed the connection under us
                else:
                    result.text += "".join(text_parts)  # keep what arrived before the failure
                    raise
            except KeyboardInterrupt:
                chat_stream.close()
                result.text += "".join(text_parts)
                raise
            completion = chat_stream.accumulator.to_completion()
    finally:
        detach = getattr(cancel, "detach", None)
        if detach is not None:
            detach()
    text = "".join(text_parts)
    if interrupted:
        result.text += text
        return completion, "", "".join(reasoning_parts), True
    return completion, text, "".join(reasoning_parts), False
