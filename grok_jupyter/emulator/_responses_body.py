"""The parts of a ``/v1/responses`` body: output items, usage and the echo of the request.

Follows shared/xai-api-2026.md sections 2 and 3 with the 2026 layout of
shared/xai-api-2026-09.md section 2: item ids derived from the bare-UUID response
id, the full echo of request settings, usage where ``output_tokens`` includes
reasoning, ``total = input + output``, ``cost_in_usd_ticks`` and ``context_details``.
"""

from __future__ import annotations

import base64
from typing import Any

from ._compaction import billed_prompt_tokens
from ._encode import cost_ticks, fingerprint
from ._responder import Reply
from ._responses_store import ResponsesStore
from ._responses_tools import ToolRun
from ._validation import ChatPlan


def output_items(rid: str, reply: Reply, run: ToolRun | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if reply.reasoning:
        items.append(
            {
                "id": f"rs_{rid}",
                "summary": [{"text": reply.reasoning, "type": "summary_text"}],
                "type": "reasoning",
                "status": "completed",
            }
        )
    if run is not None:
        items.extend(run.items)
    for n, call in enumerate(reply.tool_calls):
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{rid}_{n}",  # function-call item ids are [U]
                "call_id": call["id"],
                "name": call["function"]["name"],
                "arguments": call["function"]["arguments"],
                "status": "completed",
            }
        )
    if reply.content or not reply.tool_calls:
        # The July 2026 citation shape [REC 13218]: the URL as title, both indices 0.
        annotations = [
            {"type": "url_citation", "url": u, "start_index": 0, "end_index": 0, "title": u}
            for u in (run.urls if run else [])
        ]
        items.append(
            {
                "content": [
                    {
                        "type": "output_text",
                        "text": reply.content,
                        "logprobs": [],
                        "annotations": annotations,
                    }
                ],
                "id": f"msg_{rid}",
                "role": "assistant",
                "type": "message",
                "status": "completed",
            }
        )
    return items


def with_encrypted_reasoning(
    items: list[dict[str, Any]], body: dict[str, Any], plan: ChatPlan
) -> list[dict[str, Any]]:
    """Reasoning items carry ``encrypted_content`` when ``include`` asks for it (section 2.1),
    and always on grok-4.7 [V DOCS reasoning]; absent otherwise, as with store:false [V]."""
    include = body.get("include") if isinstance(body.get("include"), list) else []
    if "reasoning.encrypted_content" not in include and not plan.info.id.startswith("grok-4.7"):
        return items
    for item in items:
        if item["type"] == "reasoning":
            # Opaque to clients, as the real blob is; they only pass it back unchanged.
            text = "".join(s["text"] for s in item["summary"])
            item["encrypted_content"] = base64.b64encode(f"emu:{text}".encode()).decode()
    return items


def cached_tokens(store: ResponsesStore, body: dict[str, Any], plan: ChatPlan, history: int) -> int:
    messages = plan.messages
    same = store.cached_prefix(body.get("prompt_cache_key"), messages)
    # A chained response re-reads its stored context: that prefix is a cache hit.
    chained = history + (1 if body.get("instructions") else 0) if history else 0
    prefix = max(same, chained)
    if prefix == 0:
        return 0
    return min(billed_prompt_tokens(messages[:prefix], []), max(plan.prompt_tokens - 1, 0))


def usage(plan: ChatPlan, reply: Reply, run: ToolRun | None, cached: int) -> dict[str, Any]:
    reasoning = len(reply.reasoning_tokens)
    extra = run.result_tokens if run else 0
    input_tokens = plan.prompt_tokens + extra
    output_tokens = reply.completion_tokens + reasoning
    token_cost = cost_ticks(
        plan.info,
        {
            "prompt_tokens": input_tokens,
            "completion_tokens": reply.completion_tokens,
            "prompt_tokens_details": {
                "cached_tokens": cached,
                "image_tokens": plan.image_tokens,
                "text_tokens": input_tokens - plan.image_tokens,
                "audio_tokens": 0,
            },
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    )
    body: dict[str, Any] = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output_tokens,  # includes reasoning, unlike chat [V]
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
        "num_sources_used": 0,  # 0 in every real fixture, even with search [V]
        "num_server_side_tools_used": run.sub_tool_calls if run else 0,
        "cost_in_usd_ticks": token_cost + (run.cost_ticks if run else 0),
    }
    if run is not None:
        # Absent when no tool ran [REC 17936]; per-counter details when one did [REC 13218].
        body["server_side_tool_usage_details"] = dict(run.details)
    # The final model turn's live context, beside the billed totals [REC 13218, 17936]. The
    # emulator answers a tool-using request in one model turn, so the two agree [U].
    body["context_details"] = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    return body


def echo(body: dict[str, Any], plan: ChatPlan) -> dict[str, Any]:
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    return {
        "max_output_tokens": body.get("max_output_tokens"),
        "model": plan.response_model,
        "object": "response",
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p"),
        "user": body.get("user"),
        "store": body.get("store", True) is not False,
        "metadata": {
            "system_fingerprint": fingerprint(plan.info.id),
            **(body.get("metadata") or {}),
        },
        "background": False,
        # Priority is echoed; its price multiplier is [U], so it is billed as default.
        "service_tier": body.get("service_tier") or "default",
        "truncation": "disabled",
        "top_logprobs": body.get("top_logprobs") or 0,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "prompt_cache_key": body.get("prompt_cache_key"),
        "max_tool_calls": body.get("max_tool_calls"),
        "safety_identifier": body.get("safety_identifier"),
        "instructions": body.get("instructions"),
    }


def context_after(messages: list[dict[str, Any]], reply: Reply) -> list[dict[str, Any]]:
    """The conversation a later ``previous_response_id`` continues (instructions excluded)."""
    context = (
        [m for m in messages[1:]]
        if messages and messages[0]["role"] == "system"
        else list(messages)
    )
    if not reply.content and not reply.tool_calls:
        # An answer with no text: the server's own chain holds no empty message, so a
        # chained follow-up is never refused for it [U: how xAI stores it is not known].
        return context
    assistant: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        assistant["tool_calls"] = reply.tool_calls
    return [*context, assistant]
