"""``POST /v1/chat/completions``: plan, answer, encode (JSON, SSE or deferred)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ...client._tokens import count_prompt_tokens
from .._body import BOOL, F32, I32, SEQ, STRING, check_types
from .._encode import completion_body, keepalive_event, stream_events, usage_dict
from .._pacing import event_times, wait_for_answer
from .._script import reply_for
from .._validation import ChatPlan, plan_chat
from .pipeline import Call
from .wire import EventStream

# Each field's Rust type, from the OAS ChatRequest (``format: float`` / ``int32``): [U].
CHAT_FIELD_TYPES = {
    "model": STRING,
    "messages": SEQ,
    "temperature": F32,
    "top_p": F32,
    "frequency_penalty": F32,
    "presence_penalty": F32,
    "n": I32,
    "max_tokens": I32,
    "max_completion_tokens": I32,
    "top_logprobs": I32,
    "seed": I32,
    "stream": BOOL,
    "logprobs": BOOL,
    "parallel_tool_calls": BOOL,
    "deferred": BOOL,
    "user": STRING,
}


def _cached_tokens(request: Request, call: Call, plan: ChatPlan) -> int:
    """The prompt prefix (whole messages) an earlier request under this conversation sent.

    Only with ``x-grok-conv-id`` (2026 §4.2, "cache entries are stored per-server"):
    without it the reference says implicit caching is "random or zero" (§8 item 12),
    and zero is the choice that keeps tests and bills reproducible.
    """
    conv_id = request.headers.get("x-grok-conv-id")
    if not conv_id:
        return 0
    # The Responses cache, under its own namespace so a prompt_cache_key never collides.
    same = call.state.responses.cached_prefix(f"x-grok-conv-id:{conv_id}", plan.messages)
    if same == 0:
        return 0
    # At least one prompt token is always read fresh, as on the Responses route.
    return min(count_prompt_tokens(plan.messages[:same], []), max(plan.prompt_tokens - 1, 0))


async def chat_completions(request: Request, body: Any, call: Call) -> Any:
    if isinstance(body, dict):
        check_types(body, request.state.raw_body, CHAT_FIELD_TYPES)
    plan = plan_chat(body, call.catalog, call.state.get_image, retired=call.state.retired)
    plan.cached_tokens = _cached_tokens(request, call, plan)
    reply = reply_for(plan, call.state)
    if getattr(call.fault, "name", None) == "empty_answer":
        reply.content = ""  # what a test asked for: an answer with no text
    if not plan.reasons:
        reply.reasoning = ""  # effort "none" (grok-4.3, or a non-reasoning redirect)
    n = int(body.get("n") or 1)  # every choice is generated, so every choice counts
    output_tokens = n * (reply.completion_tokens + len(reply.reasoning_tokens))
    call.state.add_tokens(plan.prompt_tokens + output_tokens)
    # Billed when generated, as a deferred or streamed answer is (GET /_emulator/billing).
    call.state.bill(usage_dict(plan, reply)["cost_in_usd_ticks"])
    created = int(time.time())
    if body.get("deferred"):
        request_id = str(uuid.uuid4())
        call.state.put_deferred(request_id, completion_body(plan, reply, created=created))
        return JSONResponse({"request_id": request_id})
    pace = call.state.speed.pace_for(plan.info.id)  # None unless a speed profile is set
    if plan.stream:
        chunk_id = str(uuid.uuid4())
        events, token_flags = stream_events(plan, reply, created=created, chunk_id=chunk_id)
        return EventStream(
            events,
            call.fault,
            keepalive_event(plan, created=created, chunk_id=chunk_id),
            times=event_times(pace, token_flags),
            started=call.started,
        )
    await wait_for_answer(pace, output_tokens, call.started)
    return JSONResponse(completion_body(plan, reply, created=created))
