"""``POST /v1/responses/compact``: the conversation so far as one compaction item.

Body ``{model, input}`` (and ``previous_response_id``, as OpenAI's route takes it);
the answer follows shared/xai-api-2026-09.md section 2 [DOC]. The next turn sends
``[*output, new user message]`` as its input and is answered from the conversation
the item carries (``_compaction``). Billed like an answer: the conversation read as
input tokens, the compacted form written as output tokens.

[U], as no recording shows them: ``output_tokens`` counts the text the item carries
(the emulator compacts without loss), ``reasoning_tokens`` is 0, and
``dropped_message_count`` is the number of messages the item replaces.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ...client._tokens import count_tokens, message_text
from .. import _errors as errors
from .._compaction import seal
from .._encode import cost_ticks
from .._pacing import wait_for_answer
from .._responses import compaction_opener, history_of
from .._responses_request import input_messages
from .._validation import plan_chat
from .pipeline import Call


def _usage(plan: Any, messages: list[dict[str, Any]]) -> dict[str, Any]:
    input_tokens = plan.prompt_tokens
    output_tokens = sum(count_tokens(message_text(m)) for m in messages)
    ticks = cost_ticks(
        plan.info,
        {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "prompt_tokens_details": {
                "cached_tokens": 0,
                "image_tokens": plan.image_tokens,
                "text_tokens": input_tokens - plan.image_tokens,
                "audio_tokens": 0,
            },
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    )
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
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
    usage = _usage(plan, messages)
    state.add_tokens(usage["total_tokens"])
    state.bill(usage["cost_in_usd_ticks"])
    blob = seal(state.compaction_secret, plan.info.id, messages)
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
