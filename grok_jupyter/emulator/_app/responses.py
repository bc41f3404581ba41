"""``/v1/responses``: create (plain and streamed), retrieve, delete and input items.

The response itself is made in ``_responses`` (``answer_request``); this module
sends it: whole as JSON, or as SSE events (``_responses_stream``), paced by the
emulator's speed profile. Compaction has its own module (``compaction``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import _input_items
from .._pacing import event_times, wait_for_answer
from .._responses import answer_request, not_found
from .._responses_store import StoredResponse
from .._responses_stream import encode_events, stream_events, token_flags
from .pipeline import Call
from .wire import EventStream


def _stored(call: Call, response_id: str) -> StoredResponse:
    stored = call.state.responses.get(response_id)
    if stored is None:
        raise not_found(response_id)
    return stored


async def create_response(request: Request, body: Any, call: Call) -> Any:
    answered = await answer_request(body, call.state, call.catalog, call.fault)
    pace = call.state.speed.pace_for(answered.model_id)  # None unless a speed profile is set
    if body.get("stream"):
        events = stream_events(answered.response, call.fault)
        return EventStream(
            encode_events(events),
            call.fault,
            b": keepalive\n\n",  # a comment line: any SSE parser skips it (the keepalive fault)
            times=event_times(pace, token_flags(events)),
            started=call.started,
        )
    await wait_for_answer(pace, answered.output_tokens, call.started)
    return JSONResponse(answered.response)


async def get_response(request: Request, body: Any, call: Call) -> Any:
    return JSONResponse(_stored(call, request.path_params["response_id"]).body)


async def delete_response(request: Request, body: Any, call: Call) -> Any:
    response_id = request.path_params["response_id"]
    if not call.state.responses.delete(response_id):
        raise not_found(response_id)
    # [U] beyond ``deleted: true`` (tryAGI); the rest mirrors OpenAI's delete body.
    return JSONResponse({"id": response_id, "object": "response", "deleted": True})


async def list_input_items(request: Request, body: Any, call: Call) -> Any:
    stored = _stored(call, request.path_params["response_id"])
    limit, order, after = _input_items.page_params(request.query_params)
    return JSONResponse(_input_items.page(stored.input_items, limit, order, after))
