"""Responses API answers -> LangChain messages (whole and streamed).

Text goes in ``content``, ``function_call`` items become ``tool_calls``,
``url_citation`` annotations become ``response_metadata["citations"]`` (and
``citation`` annotations on v1 text blocks), and server-side tool items
(``web_search_call``, ``custom_tool_call``, ``mcp_call``...) become v1
``server_tool_call`` / ``server_tool_result`` blocks, or
``additional_kwargs["server_tool_calls"]`` for the v0 output format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from grok_jupyter.client import (
    DeltaEvent,
    DoneEvent,
    FunctionCallItem,
    OutputItemEvent,
    OutputMessage,
    ReasoningItem,
    Response,
    ResponseEvent,
    ResponseLifecycleEvent,
    ResponseUsage,
    ServerToolCall,
)
from langchain_grok._convert import PROVIDER

Pricer = Callable[[Response], "float | None"]


def usage_metadata(usage: ResponseUsage) -> UsageMetadata:
    # Responses usage already counts reasoning inside output_tokens (§2.3).
    return UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens or usage.input_tokens + usage.output_tokens,
        input_token_details=InputTokenDetails(cache_read=usage.cached_tokens),
        output_token_details=OutputTokenDetails(reasoning=usage.reasoning_tokens),
    )


def citation_urls(response: Response) -> list[str]:
    return [c.url for c in response.citations]


def _parsed_args(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"input": raw}
    return value if isinstance(value, dict) else {"input": value}


def _tool_name(item: ServerToolCall) -> str:
    if item.name:
        return item.name
    return item.type.removesuffix("_call")  # web_search_call -> web_search


def server_tool_blocks(item: ServerToolCall) -> list[dict[str, Any]]:
    """A server-side tool item as a v1 ``server_tool_call`` and ``server_tool_result``."""
    call_id = item.call_id or item.id or ""
    args = _parsed_args(item.arguments or item.input)
    if not args and item.action:
        args = dict(item.action)
    call = {
        "type": "server_tool_call",
        "id": call_id,
        "name": _tool_name(item),
        "args": args,
        "extras": {"item_type": item.type, "status": item.status},
    }
    if item.server_label:
        call["extras"]["server_label"] = item.server_label
    result: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": call_id,
        "status": "error" if item.error or item.status in ("failed", "incomplete") else "success",
    }
    if item.output is not None:
        result["output"] = item.output
    extras = dict(item.model_extra or {})  # e.g. ``outputs`` / ``results`` of other shapes
    if item.error is not None:
        extras["error"] = item.error
    if extras:
        result["extras"] = extras
    return [call, result]


def _tool_calls(calls: list[FunctionCallItem]) -> tuple[list[Any], list[Any]]:
    good, bad = [], []
    for call in calls:
        raw = call.arguments or "{}"
        try:
            args = json.loads(raw)
        except json.JSONDecodeError as exc:
            bad.append(invalid_tool_call(name=call.name, args=raw, id=call.call_id, error=str(exc)))
            continue
        if not isinstance(args, dict):
            error = "arguments are not a JSON object"
            bad.append(invalid_tool_call(name=call.name, args=raw, id=call.call_id, error=error))
            continue
        good.append(tool_call(name=call.name, args=args, id=call.call_id))
    return good, bad


def _finish_reason(response: Response) -> str | None:
    """Chat's ``finish_reason`` for a Responses answer, so code reading it works on both."""
    if response.status != "completed":
        return response.status  # "incomplete", "failed"
    return "tool_calls" if response.function_calls else "stop"


def response_metadata(response: Response, cost: float | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": response.id,
        "api": "responses",  # use_previous_response_id chains only from these
        "model_name": response.model,
        "model_provider": PROVIDER,
        "status": response.status,
        "finish_reason": _finish_reason(response),
        "cost_usd": cost,
        "citations": citation_urls(response),
    }
    if response.usage is not None:
        meta["num_server_side_tools_used"] = response.usage.num_server_side_tools_used
    # Chat has it at the top; the Responses body keeps it in metadata (xai-api-2026-09.md §2).
    fingerprint = (response.metadata or {}).get("system_fingerprint")
    if fingerprint:
        meta["system_fingerprint"] = fingerprint
    return meta


def _grown(
    blocks: list[dict[str, Any]], block: dict[str, Any] | None, kind: str, more: str
) -> dict[str, Any] | None:
    """``block`` (a ``{"type": kind, kind: ...}`` content block, added to ``blocks`` when
    the first text for it comes) with ``more`` appended: one block per kind, in order."""
    if not more:
        return block
    if block is None:
        block = {"type": kind, kind: ""}
        blocks.append(block)
    block[kind] += more
    return block


def _v1_content(response: Response) -> list[dict[str, Any]]:
    """v1 blocks in the order their items came: one reasoning block (where the first
    reasoning appeared), each server-side tool's call and result, one text block (where
    the first text appeared). A stream's chunks merge to the same list."""
    blocks: list[dict[str, Any]] = []
    reasoning: dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    for item in response.output:
        if isinstance(item, ReasoningItem):
            summary = "".join(s.text for s in item.summary)
            reasoning = _grown(blocks, reasoning, "reasoning", summary)
        elif isinstance(item, ServerToolCall):
            blocks.extend(server_tool_blocks(item))
        elif isinstance(item, OutputMessage):
            said = "".join(part.text for part in item.content)
            text = _grown(blocks, text, "text", said)
    notes = [_citation(a) for a in response.annotations if a.url]
    if text is not None and notes:
        text["annotations"] = notes
    return blocks


def _citation(annotation: Any) -> dict[str, Any]:
    note: dict[str, Any] = {"type": "citation", "url": annotation.url}
    for key in ("title", "start_index", "end_index"):
        value = getattr(annotation, key)
        if value is not None:
            note[key] = value
    return note


def _extra(response: Response, v1: bool) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if response.reasoning_text and not v1:
        extra["reasoning_content"] = response.reasoning_text
    if response.server_tool_calls and not v1:
        extra["server_tool_calls"] = [
            item.model_dump(exclude_none=True) for item in response.server_tool_calls
        ]
    if response.citations:
        extra["citations"] = citation_urls(response)
    return extra


def response_to_result(response: Response, cost: float | None, *, v1: bool) -> ChatResult:
    good, bad = _tool_calls(response.function_calls)
    message = AIMessage(
        content=_v1_content(response) if v1 else response.output_text,  # type: ignore[arg-type]
        additional_kwargs=_extra(response, v1),
        tool_calls=good,
        invalid_tool_calls=bad,
        usage_metadata=usage_metadata(response.usage) if response.usage else None,
        response_metadata=response_metadata(response, cost),
        id=response.id,
    )
    llm_output = {"model_name": response.model, "id": response.id, "cost_usd": cost}
    return ChatResult(generations=[ChatGeneration(message=message)], llm_output=llm_output)


class ResponseChunkTranslator:
    """One Responses stream's events -> ``ChatGenerationChunk``s, as they happen.

    Text and reasoning deltas pass on as they arrive (v1: ``text`` / ``reasoning``
    blocks; v0: ``content`` / ``additional_kwargs["reasoning_content"]``); with v1 a
    server-side tool's ``server_tool_call`` block comes when its item is added (with the
    arguments known then) and is completed, with its ``server_tool_result``, when the
    item is done; a function call comes as one tool-call chunk when its item is done.
    The completed response adds one last chunk with usage, metadata and citations (and
    anything the stream did not carry). Each block has a stable ``index``, so the
    merged chunks hold the blocks of ``invoke()`` in the same order. (Two server-side
    calls whose events interleave, added 0, added 1, done 0, done 1, merge as call,
    call, result, result.)
    """

    def __init__(self, price: Pricer, *, v1: bool) -> None:
        self.price = price
        self.v1 = v1
        self.calls = 0
        self.reasoning_streamed = False
        self.text_streamed = False
        # output index -> keys of the call block sent so far ("args", "extras"): a block once
        # yielded is the consumer's, never changed here.
        self.tools: dict[int, dict[str, set[str]]] = {}
        self.tools_done: set[int] = set()

    def add(self, event: ResponseEvent) -> list[ChatGenerationChunk]:
        if isinstance(event, DeltaEvent):
            return self._delta(event)
        if isinstance(event, DoneEvent) and (event.arguments or event.input):
            return self._tool_arguments(event.output_index, event.arguments or event.input)
        if isinstance(event, OutputItemEvent):
            item = event.item
            if event.type == "response.output_item.added" and isinstance(item, ServerToolCall):
                return self._tool_added(event.output_index, item)
            if event.type != "response.output_item.done":
                return []
            if isinstance(item, ServerToolCall):
                return self._tool_done(event.output_index, item)
            if isinstance(item, FunctionCallItem):
                chunk = tool_call_chunk(
                    name=item.name, args=item.arguments, id=item.call_id, index=self.calls
                )
                self.calls += 1
                message = AIMessageChunk(content=[] if self.v1 else "", tool_call_chunks=[chunk])
                return [ChatGenerationChunk(message=message, text="")]
            return []
        if isinstance(event, ResponseLifecycleEvent) and event.type == "response.completed":
            return [self._last(event.response)]
        return []

    def _delta(self, event: DeltaEvent) -> list[ChatGenerationChunk]:
        if not event.delta:
            return []
        if event.type == "response.output_text.delta":
            self.text_streamed = True
            content: Any = event.delta
            if self.v1:
                content = [{"type": "text", "text": event.delta, "index": "lc_text"}]
            return [ChatGenerationChunk(message=AIMessageChunk(content=content), text=event.delta)]
        if event.type == "response.reasoning_summary_text.delta":
            self.reasoning_streamed = True
            if self.v1:
                block = {"type": "reasoning", "reasoning": event.delta, "index": "lc_reasoning"}
                message = AIMessageChunk(content=[block])
            else:
                extra = {"reasoning_content": event.delta}
                message = AIMessageChunk(content="", additional_kwargs=extra)
            return [ChatGenerationChunk(message=message, text="")]
        return []

    def _blocks(self, blocks: list[dict[str, Any]]) -> list[ChatGenerationChunk]:
        message = AIMessageChunk(content=blocks)  # type: ignore[arg-type]
        return [ChatGenerationChunk(message=message, text="")]

    def _tool_added(self, n: int, item: ServerToolCall) -> list[ChatGenerationChunk]:
        if not self.v1:
            return []  # v0 has the tool items in additional_kwargs, on the last chunk
        call, _ = server_tool_blocks(item)
        extras = {k: v for k, v in call["extras"].items() if k != "status"}  # set when done
        self.tools[n] = {"args": set(call["args"]), "extras": set(extras)}
        return self._blocks([{**call, "extras": extras, "index": f"lc_tool_{n}_call"}])

    def _tool_arguments(self, n: int, raw: str | None) -> list[ChatGenerationChunk]:
        """A server-side call's arguments, whole (``…_arguments.done`` / ``…_input.done``):
        what a "searching X…" line needs, before the tool has run."""
        sent = self.tools.get(n)
        if sent is None or n in self.tools_done:
            return []  # a function call (its own chunk when done), or not v1
        args = {k: v for k, v in _parsed_args(raw).items() if k not in sent["args"]}
        if not args:
            return []
        sent["args"].update(args)
        index = f"lc_tool_{n}_call"
        return self._blocks([{"type": "server_tool_call", "index": index, "args": args}])

    def _tool_done(self, n: int, item: ServerToolCall) -> list[ChatGenerationChunk]:
        return self._blocks(self._finished(n, item)) if self.v1 else []

    def _finished(self, n: int, item: ServerToolCall) -> list[dict[str, Any]]:
        """The rest of a tool's call block, and its result block."""
        self.tools_done.add(n)
        call, result = server_tool_blocks(item)
        sent = self.tools.get(n)
        if sent is None:  # no ``added`` event: the whole call now
            update = {**call, "index": f"lc_tool_{n}_call"}
        else:
            # Only what ``added`` lacked: merging repeats would join strings ("namename").
            update = {
                "type": "server_tool_call",
                "index": f"lc_tool_{n}_call",
                "args": {k: v for k, v in call["args"].items() if k not in sent["args"]},
                "extras": {k: v for k, v in call["extras"].items() if k not in sent["extras"]},
            }
        return [update, {**result, "index": f"lc_tool_{n}_result"}]

    def _unstreamed(self, response: Response) -> list[dict[str, Any]]:
        """v1 blocks of what the stream did not carry as it went (its events missing)."""
        content: list[dict[str, Any]] = []
        if response.reasoning_text and not self.reasoning_streamed:
            content.append(
                {"type": "reasoning", "reasoning": response.reasoning_text, "index": "lc_reasoning"}
            )
        for n, item in enumerate(response.output):
            if isinstance(item, ServerToolCall) and n not in self.tools_done:
                content.extend(self._finished(n, item))
        text = response.output_text
        if text and not self.text_streamed:
            content.append({"type": "text", "text": text, "index": "lc_text"})
        notes = [_citation(a) for a in response.annotations if a.url]
        if notes and text:  # merged onto the streamed text block (same index)
            content.append({"type": "text", "text": "", "annotations": notes, "index": "lc_text"})
        return content

    def _last(self, response: Response) -> ChatGenerationChunk:
        content: Any = self._unstreamed(response) if self.v1 else ""
        extra = _extra(response, self.v1)
        if self.reasoning_streamed:
            extra.pop("reasoning_content", None)  # v0: already sent, delta by delta
        message = AIMessageChunk(
            content=content,
            additional_kwargs=extra,
            usage_metadata=usage_metadata(response.usage) if response.usage else None,
            response_metadata=response_metadata(response, self.price(response)),
            id=response.id,
            chunk_position="last",
        )
        return ChatGenerationChunk(message=message, text="")
