"""Turn a ``Reply`` into the bytes the real API sends: a chat.completion body or SSE events.

Streams are encoded ahead of time, one ``bytes`` per event, with plain string
templates around ``json.dumps`` of each delta: building pydantic objects per
chunk would cost more than the network does. Chunk shape follows
shared/xai-api.md section 3: role rides with the first payload, no null keys,
tool calls whole (one per chunk, with ``index``), finish chunk ``delta: {}``,
usage chunk with ``choices: []`` only on request.
"""

from __future__ import annotations

import json
import uuid
import zlib
from typing import Any

from ..client._catalog import USD_TICKS_PER_USD, ModelInfo
from ..client._types import Usage
from ._model_rules import chat_reasoning_content
from ._responder import Reply, token_logprobs
from ._validation import ChatPlan

DONE_EVENT = b"data: [DONE]\n\n"


def fingerprint(model_id: str) -> str:
    return f"fp_{zlib.crc32(model_id.encode()):08x}{len(model_id) % 256:02x}"


def usage_dict(plan: ChatPlan, reply: Reply) -> dict[str, Any]:
    # Every one of the n choices is generated and billed, not only the first.
    n = int(plan.body.get("n") or 1)
    completion = n * reply.completion_tokens
    reasoning = n * len(reply.reasoning_tokens)
    prompt = plan.prompt_tokens
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        # xAI, unlike OpenAI: completion excludes reasoning, the total includes it.
        "total_tokens": prompt + completion + reasoning,
        "prompt_tokens_details": {
            "text_tokens": prompt - plan.image_tokens,
            "audio_tokens": 0,
            "image_tokens": plan.image_tokens,
            "cached_tokens": min(plan.cached_tokens, prompt),
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "num_sources_used": 0,
    }
    # [U] priority's multiplier ("a higher token price", 2026 §4.2): billed at the default
    # price, as the Responses route does, until a source gives the figure.
    usage["cost_in_usd_ticks"] = cost_ticks(plan.info, usage)
    return usage


def cost_ticks(info: ModelInfo, usage: dict[str, Any]) -> int:
    """Cost at catalogue prices, by the same formula the client's ledger uses."""
    return round(info.cost_usd(Usage.model_validate(usage)) * USD_TICKS_PER_USD)


def _message(info: ModelInfo, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if chat_reasoning_content(info) and reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = reply.tool_calls
    message["refusal"] = None
    return message


def completion_body(plan: ChatPlan, reply: Reply, *, created: int) -> dict[str, Any]:
    n = int(plan.body.get("n") or 1)
    message = _message(plan.info, reply)
    choice: dict[str, Any] = {"message": message}
    top = plan.top_logprobs
    if top is not None:
        # Only when asked: without logprobs the real API sends no key at all.
        choice["logprobs"] = {"content": token_logprobs(reply.content_tokens, top)}
    choice["finish_reason"] = reply.finish_reason
    return {
        "id": str(uuid.uuid4()),
        "object": "chat.completion",
        "created": created,
        "model": plan.response_model,
        "choices": [{"index": i, **choice} for i in range(n)],
        "usage": usage_dict(plan, reply),
        "system_fingerprint": fingerprint(plan.info.id),
        "service_tier": plan.service_tier,
    }


def stream_events(
    plan: ChatPlan, reply: Reply, *, created: int, chunk_id: str
) -> tuple[list[bytes], list[bool]]:
    """Every SSE event of the stream, in order, without the final ``[DONE]``; and for each
    event whether it carries an output token (what the speed profiles pace)."""
    head = json.dumps(
        {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": plan.response_model,
        },
        separators=(",", ":"),
    )[:-1]
    tail = (
        f',"system_fingerprint":"{fingerprint(plan.info.id)}"'
        f',"service_tier":"{plan.service_tier}"}}\n\n'
    )
    events: list[bytes] = []
    token_flags: list[bool] = []

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    top = plan.top_logprobs
    tokens = reply.content_tokens
    # What follows each content delta inside its choice: with logprobs, the
    # entry of that chunk's own token (OpenAI-compatible shape).
    after = (
        [',"logprobs":{"content":[' + dumps(e) + "]}" for e in token_logprobs(tokens, top)]
        if top is not None
        else [""] * len(tokens)
    )
    for index in range(int(plan.body.get("n") or 1)):
        prefix = f'data: {head},"choices":[{{"index":{index},"delta":'
        deltas: list[list[str]] = []  # [open delta body, rest of the choice]
        if chat_reasoning_content(plan.info):
            deltas.extend(['{"reasoning_content":' + dumps(t), ""] for t in reply.reasoning_tokens)
        deltas.extend(['{"content":' + dumps(t), a] for t, a in zip(tokens, after, strict=True))
        for i, call in enumerate(reply.tool_calls):
            whole = {"id": call["id"], "function": call["function"], "index": i, "type": "function"}
            deltas.append(['{"tool_calls":[' + dumps(whole) + "]", ""])
        if not deltas:
            deltas.append(['{"content":""', ""])
        # Real first chunks read {"content":"The","role":"assistant"}.
        deltas[0][0] += ',"role":"assistant"'
        events.extend((prefix + d + "}" + a + "}]" + tail).encode() for d, a in deltas)
        token_flags.extend([True] * len(deltas))
        finish = f'{{}},"finish_reason":"{reply.finish_reason}"}}]'
        events.append((prefix + finish + tail).encode())
        token_flags.append(False)
    if plan.include_usage:
        usage = dumps(usage_dict(plan, reply))
        events.append(f'data: {head},"choices":[],"usage":{usage}{tail}'.encode())
        token_flags.append(False)
    return events, token_flags


def keepalive_event(plan: ChatPlan, *, created: int, chunk_id: str) -> bytes:
    chunk = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": plan.response_model,
        "choices": [{"index": 0, "delta": {}}],
        "system_fingerprint": fingerprint(plan.info.id),
        "service_tier": plan.service_tier,
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
