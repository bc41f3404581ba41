"""The SSE events of a streamed response, in the order of shared/xai-api-2026.md section 2.5.

Built from the finished response object: ``response.created`` and
``response.in_progress`` carry it with ``output: []`` and ``usage: null``; each
output item opens, streams and closes (consecutive web searches interleave, as
recorded); annotations follow the text deltas and come before ``output_text.done``;
``response.completed`` carries everything. ``sequence_number`` counts from 0 without
gaps.
"""

from __future__ import annotations

import json
from typing import Any

from ..client._tokens import split_tokens
from ._attachment_search import file_search_events


def _reasoning(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    rid, text = item["id"], item["summary"][0]["text"] if item["summary"] else ""
    where = {"item_id": rid, "output_index": i, "summary_index": 0}
    events = [
        {
            "type": "response.output_item.added",
            "item": {**item, "summary": [], "status": "in_progress"},
            "output_index": i,
        },
        {
            "type": "response.reasoning_summary_part.added",
            **where,
            "part": {"text": "", "type": "summary_text"},
        },
    ]
    events += [
        {"type": "response.reasoning_summary_text.delta", "delta": t, **where}
        for t in split_tokens(text)
    ]
    events += [
        {"type": "response.reasoning_summary_text.done", **where, "text": text},
        {
            "type": "response.reasoning_summary_part.done",
            **where,
            "part": {"text": text, "type": "summary_text"},
        },
    ]
    return events


def _web_searches(first: int, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive ``web_search_call`` items, interleaved as recorded [REC 13218]: each is
    added and starts searching, then each completes and is done, in order."""
    opening: list[dict[str, Any]] = []
    closing: list[dict[str, Any]] = []
    for i, item in enumerate(items, start=first):
        where = {"item_id": item["id"], "output_index": i}
        # Added without its query and sources, which come with output_item.done.
        pending = {"type": "search", "query": "", "sources": []}
        opening += [
            {
                "type": "response.output_item.added",
                "item": {**item, "status": "in_progress", "action": pending},
                "output_index": i,
            },
            {"type": "response.web_search_call.in_progress", **where},
            {"type": "response.web_search_call.searching", **where},
        ]
        closing += [
            {"type": "response.web_search_call.completed", **where},
            {"type": "response.output_item.done", "item": item, "output_index": i},
        ]
    return opening + closing


def _custom_tool(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    where = {"item_id": item["id"], "output_index": i}
    return [
        {
            "type": "response.output_item.added",
            "item": {**item, "input": "", "status": "in_progress"},
            "output_index": i,
        },
        {"type": "response.custom_tool_call_input.delta", "delta": item["input"], **where},
        {"type": "response.custom_tool_call_input.done", "input": item["input"], **where},
    ]


def _function_call(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    where = {"item_id": item["id"], "output_index": i}
    args = item["arguments"]
    return [
        {
            "type": "response.output_item.added",
            "item": {**item, "arguments": "", "status": "in_progress"},
            "output_index": i,
        },
        # The whole arguments in one delta, as chat sends tool calls whole [U].
        {"type": "response.function_call_arguments.delta", "delta": args, **where},
        {
            "type": "response.function_call_arguments.done",
            "name": item["name"],
            "arguments": args,
            **where,
        },
    ]


def _mcp_list_tools(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    # Event names as xAI's realtime API and OpenAI's Responses have them; for
    # /v1/responses they are [U] (no recording lists MCP tools).
    where = {"item_id": item["id"], "output_index": i}
    return [
        {
            "type": "response.output_item.added",
            "item": {**item, "tools": []},
            "output_index": i,
        },
        {"type": "response.mcp_list_tools.in_progress", **where},
        {"type": "response.mcp_list_tools.completed", **where},
    ]


def _mcp_call(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    # The names are VER's xAI schema [V code]; the order and payloads are [U]:
    # arguments whole in one delta (as x_search inputs come), then the output.
    where = {"item_id": item["id"], "output_index": i}
    args = item["arguments"]
    events = [
        {
            "type": "response.output_item.added",
            "item": {
                **item,
                "arguments": "",
                "output": None,
                "error": None,
                "status": "in_progress",
            },
            "output_index": i,
        },
        {"type": "response.mcp_call.in_progress", **where},
        {"type": "response.mcp_call_arguments.delta", "delta": args, **where},
        {"type": "response.mcp_call_arguments.done", "arguments": args, **where},
        {"type": "response.mcp_call.executing", **where},
    ]
    if item["status"] == "failed":
        events.append({"type": "response.mcp_call.failed", **where})
        return events
    output = item.get("output") or ""
    return [
        *events,
        {"type": "response.mcp_call_output.delta", "delta": output, **where},
        {"type": "response.mcp_call_output.done", "output": output, **where},
        {"type": "response.mcp_call.completed", **where},
    ]


def _message(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    part = item["content"][0]
    text = part["text"]
    where = {"content_index": 0, "item_id": item["id"], "output_index": i}
    empty = {"type": "output_text", "text": "", "logprobs": [], "annotations": []}
    events = [
        {
            "type": "response.output_item.added",
            "item": {**item, "content": [], "status": "in_progress"},
            "output_index": i,
        },
        {"type": "response.content_part.added", **where, "part": empty},
    ]
    events += [
        {"type": "response.output_text.delta", **where, "delta": t, "logprobs": []}
        for t in split_tokens(text)
    ]
    events += [
        {
            "type": "response.output_text.annotation.added",
            "annotation": a,
            "annotation_index": n,
            **where,
        }
        for n, a in enumerate(part["annotations"])
    ]
    events += [
        {"type": "response.output_text.done", **where, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **where, "part": part},
    ]
    return events


_ITEM_EVENTS = {
    "reasoning": _reasoning,
    "custom_tool_call": _custom_tool,
    "function_call": _function_call,
    # The recorded 2025-11 shape: born completed, no progress events [V].
    "code_interpreter_call": lambda i, item: [
        {"type": "response.output_item.added", "item": item, "output_index": i}
    ],
    "mcp_list_tools": _mcp_list_tools,
    "mcp_call": _mcp_call,
    "file_search_call": file_search_events,  # attachment_search (input_file parts)
    "message": _message,
}


# VER's test payload for a mid-stream failure [S]; the real text is [U].
FAILED_ERROR = {"code": "server_error", "message": "Internal server error"}


def _failed(
    events: list[dict[str, Any]], start: dict[str, Any], after: int
) -> list[dict[str, Any]]:
    """The first ``after`` events, then ``response.failed`` (the ``response_failed`` fault).
    What was generated before the failure is not billed here: ``usage`` is null [U]."""
    failed = {**start, "status": "failed", "error": dict(FAILED_ERROR), "usage": None}
    return [*events[: max(after, 0)], {"type": "response.failed", "response": failed}]


def stream_events(response: dict[str, Any], fault: Any = None) -> list[dict[str, Any]]:
    """Every event of the stream, without sequence numbers (``fault``: the request's
    emulator fault; ``response_failed`` ends the stream early with ``response.failed``)."""
    # The 2026 layout: the opening events carry "usage": null [REC 17936, 13218].
    start = {**response, "usage": None}
    start.update(output=[], status="in_progress", completed_at=None, incomplete_details=None)
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
    ]
    output = response["output"]
    i = 0
    while i < len(output):
        if output[i]["type"] == "web_search_call":
            end = i
            while end < len(output) and output[end]["type"] == "web_search_call":
                end += 1
            events += _web_searches(i, output[i:end])
            i = end
            continue
        events += _ITEM_EVENTS[output[i]["type"]](i, output[i])
        events.append({"type": "response.output_item.done", "item": output[i], "output_index": i})
        i += 1
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    events.append({"type": final, "response": response})
    name = getattr(fault, "name", None)
    if name == "response_failed":
        return _failed(events, start, fault.count("after_chunks"))
    if name == "no_completed":
        return events[:-1]  # the stream ends without its final event
    return events


# Events that carry generated output tokens: what the speed profiles pace (``_pacing``).
TOKEN_EVENTS = frozenset(
    {
        "response.output_text.delta",
        "response.reasoning_summary_text.delta",
        "response.function_call_arguments.delta",
    }
)


def token_flags(events: list[dict[str, Any]]) -> list[bool]:
    """For each event, whether it carries an output token."""
    return [e["type"] in TOKEN_EVENTS for e in events]


def encode_events(events: list[dict[str, Any]]) -> list[bytes]:
    """SSE ``data:`` lines, numbered from 0 (``event:`` lines are [U] and left out)."""
    return [
        b"data: "
        + json.dumps(
            {"sequence_number": n, **e}, ensure_ascii=False, separators=(",", ":")
        ).encode()
        + b"\n\n"
        for n, e in enumerate(events)
    ]
