"""``/v1/batches``: create, add requests, get, list, ``:cancel`` and results.

Routes and shapes: shared/xai-api-2026.md section 6 (the add-requests path is
[U], from tryAGI's generated client). Each queued ``chat_get_completion`` is
answered by the chat route's own planner and responder, priced at the batch
discount (80% of the standard ``cost_in_usd_ticks``, section 6). A request that
fails keeps its error in its result; the others still succeed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import _errors as errors
from .._batch_runner import BatchRunner, StoredBatch
from .._body import check_types
from .._encode import completion_body
from .._errors import EmulatorError
from .._model_rules import batchable
from .._responder import respond
from .._validation import plan_chat
from .chat import CHAT_FIELD_TYPES
from .files import page_params, stored_file, token_number
from .pipeline import Call

# gRPC status numbers for a per-request error's ``code`` (int or string, section 6) [U].
_GRPC_CODE = {400: 3, 422: 3, 413: 3, 401: 16, 403: 7, 404: 5, 410: 9, 429: 8, 503: 14}
REQUEST_KINDS = ("chat_get_completion",)  # the emulator answers chat; responses etc. are [U]


def _runner(call: Call) -> BatchRunner:
    return call.state.batches


def batch_not_found(batch_id: str) -> EmulatorError:
    # The real text is [U]; the code is tonic's NOT_FOUND, as on every xAI 404.
    return EmulatorError(404, f"Batch with id '{batch_id}' not found.", errors.NOT_FOUND)


def _answerer(call: Call) -> Any:
    discount = call.catalog.batch_discount  # 0.2 (catalog.json, section 6 [V])

    def answer(batch_request: Any) -> dict[str, Any]:
        try:
            body = _chat_body(batch_request)
            check_types(body, json.dumps(body).encode(), CHAT_FIELD_TYPES)
            plan = plan_chat(body, call.catalog, call.state.get_image, retired=call.state.retired)
            if not batchable(plan.info):
                # Not every model is batchable (2026-09 reference, section 5); how the real
                # API refuses one is [U]: an error result for the request, as for a bad one.
                raise errors.bad_request(
                    f"Model {plan.info.id} does not support batch requests; "
                    "send them to /v1/chat/completions one by one, or use a batchable model."
                )
            reply = respond(plan)
            if not plan.reasons:
                reply.reasoning = ""  # as on the chat route (effort "none")
            completion = completion_body(plan, reply, created=int(time.time()))
        except EmulatorError as exc:
            code = _GRPC_CODE.get(exc.status, 13)  # 13: INTERNAL
            return {"error": {"code": code, "message": exc.message}}
        usage = completion["usage"]
        # The batch price: the result's own figure includes the discount [U, section 6].
        usage["cost_in_usd_ticks"] = round(usage["cost_in_usd_ticks"] * (1 - discount))
        call.state.bill(usage["cost_in_usd_ticks"])  # once: each request is answered once
        return {"response": {"chat_get_completion": completion}}

    return answer


def _chat_body(batch_request: Any) -> dict[str, Any]:
    kind = next(iter(batch_request), None) if isinstance(batch_request, dict) else None
    if kind not in REQUEST_KINDS:
        raise errors.bad_request(
            f"Unsupported batch request {kind!r}: the emulator answers chat_get_completion."
        )
    body = batch_request[kind]
    if not isinstance(body, dict):
        raise errors.unprocessable("chat_get_completion: expected a JSON object")
    # A batch answers whole completions: stream and deferred do not apply [U].
    return {k: v for k, v in body.items() if k not in ("stream", "stream_options", "deferred")}


def _items(requests: Any, known: set[str]) -> list[tuple[str, Any]]:
    """The ``(batch_request_id, batch_request)`` pairs of an add call, or 400 for a bad one."""
    if not isinstance(requests, list):
        raise errors.bad_request("batch_requests must be a list.")
    items: list[tuple[str, Any]] = []
    for i, item in enumerate(requests):
        rid = item.get("batch_request_id") if isinstance(item, dict) else None
        if not isinstance(rid, str) or not rid:
            raise errors.bad_request(f"batch_requests[{i}] needs batch_request_id, a string.")
        if rid in known:
            raise errors.bad_request(f"Duplicate batch_request_id {rid!r} in this batch.")
        if not isinstance(item.get("batch_request"), dict):
            raise errors.bad_request(f"batch_requests[{i}] needs batch_request, an object.")
        known.add(rid)
        items.append((rid, item["batch_request"]))
    return items


def _batch(call: Call, batch_id: str) -> StoredBatch:
    batch = _runner(call).get(batch_id)
    if batch is None:
        raise batch_not_found(batch_id)
    _runner(call).run_due(batch, _answerer(call))
    return batch


def _from_input_file(call: Call, batch: StoredBatch, file_id: str) -> None:
    """Queue the JSONL lines of an uploaded file (one add-requests item a line [U])."""
    lines = [line for line in stored_file(call, file_id).text.splitlines() if line.strip()]
    try:
        parsed = [json.loads(line) for line in lines]
        items = _items(parsed, set())
    except (ValueError, EmulatorError) as exc:
        message = exc.message if isinstance(exc, EmulatorError) else str(exc)
        _runner(call).fail(batch, f"Input validation failed: {message}")
        return
    _runner(call).add(batch, items)


async def create_batch(request: Request, body: Any, call: Call) -> Any:
    if not isinstance(body, dict):
        raise errors.unprocessable("expected a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("A batch needs a name, a non-empty string.")
    file_id = body.get("input_file_id")
    if file_id is not None:
        if not isinstance(file_id, str):
            raise errors.unprocessable("input_file_id: invalid type, expected a string")
        stored_file(call, file_id)  # 404 for an unknown file, before the batch exists
    batch = _runner(call).create(name, file_id)
    if file_id is not None:
        _from_input_file(call, batch, file_id)
    return JSONResponse(batch.to_json())


async def add_requests(request: Request, body: Any, call: Call) -> Any:
    batch = _batch(call, request.path_params["batch_id"])
    if not isinstance(body, dict):
        raise errors.unprocessable("expected a JSON object")
    if batch.cancel_time is not None:
        raise errors.bad_request(f"Batch {batch.batch_id} was cancelled; create a new batch.")
    known = {r.batch_request_id for r in batch.requests}
    _runner(call).add(batch, _items(body.get("batch_requests"), known))
    return JSONResponse({})  # the real answer's shape is [U]


async def get_batch(request: Request, body: Any, call: Call) -> Any:
    return JSONResponse(_batch(call, request.path_params["batch_id"]).to_json())


async def list_batches(request: Request, body: Any, call: Call) -> Any:
    limit, token = page_params(request)
    batches, next_token = _runner(call).page(token_number(token), limit)
    answer = _answerer(call)
    for batch in batches:
        _runner(call).run_due(batch, answer)
    return JSONResponse({"batches": [b.to_json() for b in batches], "pagination_token": next_token})


async def cancel_batch(request: Request, body: Any, call: Call) -> Any:
    batch = _batch(call, request.path_params["batch_id"])
    _runner(call).cancel(batch)
    return JSONResponse(batch.to_json())


async def batch_results(request: Request, body: Any, call: Call) -> Any:
    batch = _batch(call, request.path_params["batch_id"])
    limit, token = page_params(request)
    results, following = _runner(call).results(batch, token_number(token), limit)
    next_token = str(following) if following is not None else None
    return JSONResponse({"results": results, "pagination_token": next_token})
