"""``POST /v1/responses/compact``: the conversation so far as one compaction item.

Body ``{model, input}`` (and ``previous_response_id``, as OpenAI's route takes it);
the answer follows shared/xai-api-2026-09.md section 2 [DOC]. The next turn sends
``[*output, new user message]`` as its input and is answered from the conversation
the item carries (``_compaction``). Billed like an answer: the conversation read as
input tokens (an earlier compaction in it at its compacted size), the compacted form
written as output tokens. The prompt cache applies as on ``/v1/responses``: under the
request's ``prompt_cache_key``, or its ``x-grok-conv-id`` header (the documented chat
equivalent; the body takes only ``model`` and ``input``), the prefix the conversation's
last request sent is read at the cached rate ([U]: no source shows compaction usage
with cached tokens, nor that it does not).

[U], as no recording shows them: ``output_tokens`` is the compacted size
(``_compaction.compacted_size``: about 1% of the input, 256 to 4,096 tokens), which is
also what a later request that sends the item is billed for it; ``reasoning_tokens`` is
0, and ``dropped_message_count`` is the number of messages the item replaces.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import _errors as errors
from .._compaction import billed_prompt_tokens, compacted_size, seal
from .._encode import cost_ticks
from .._pacing import wait_for_answer
from .._responses import compaction_opener, history_of
from .._responses_request import input_messages
from .._validation import plan_chat
from .pipeline import Call


def _usage(plan: Any, messages: list[dict[str, Any]], cached: int) -> dict[str, Any]:
    input_tokens = plan.prompt_tokens
    output_tokens = compacted_size(input_tokens)
    ticks = cost_ticks(
        plan.info,
        {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "prompt_tokens_details": {
                "cached_tokens": cached,
                "image_tokens": plan.image_tokens,
                "text_tokens": input_tokens - plan.image_tokens,
                "audio_tokens": 0,
            },
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    )
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
        "dropped_message_count": len(messages),
        "cost_in_usd_ticks": ticks,
    }


async def compact_response(request: Request, body: Any, call: Call) -> Any:
    if not isinstance(body, dict):
        raise errors.unprocessable("expected a JSON object")
    for field in ("model", "input"):
        if field not in body:
            raise errors.unprocessable(f"missing field `{field}`")
    state = call.state
    history = history_of(state, body)
    opener = compaction_opener(state, call.catalog, body)
    messages = history + input_messages(body["input"], opener)  # earlier compactions unpacked
    if not messages:
        raise errors.bad_request("There is nothing to compact: input holds no messages.")
    # Checked as a turn of this conversation would be: the model, images, context window.
    plan = plan_chat(
        {"model": body["model"], "messages": messages},
        call.catalog,
        state.get_image,
        retired=state.retired,
        api="responses",
    )
    key = body.get("prompt_cache_key") or request.headers.get("x-grok-conv-id")
    same = state.responses.cached_prefix(key if isinstance(key, str) else None, messages)
    cached = min(billed_prompt_tokens(messages[:same]), max(plan.prompt_tokens - 1, 0))
    usage = _usage(plan, messages, cached if same else 0)
    state.add_tokens(usage["total_tokens"])
    state.bill(usage["cost_in_usd_ticks"])
    blob = seal(state.compaction_secret, plan.info.id, messages, usage["output_tokens"])
    answer = {
        "object": "response.compaction",
        "id": f"cmp_{uuid.uuid4()}",
        "created_at": int(time.time()),
        "model": plan.response_model,
        "output": [{"type": "compaction", "encrypted_content": blob}],
        "usage": usage,
    }
    pace = state.speed.pace_for(plan.info.id)
    await wait_for_answer(pace, usage["output_tokens"], call.started)
    return JSONResponse(answer)
