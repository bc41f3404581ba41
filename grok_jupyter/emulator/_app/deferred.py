"""``GET /v1/chat/deferred-completion/{id}``: 202 while pending, 200 once, then 404."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import _errors as errors
from .._errors import EmulatorError
from .pipeline import Call


async def deferred_completion(request: Request, body: Any, call: Call) -> Any:
    request_id = request.path_params["request_id"]
    status, result = call.state.poll_deferred(request_id)
    if status == "pending":
        return Response(status_code=202)
    if status == "done":
        return JSONResponse(result)
    raise EmulatorError(
        404,
        f"No deferred completion with ID {request_id} is waiting (results can be fetched once).",
        errors.NOT_FOUND,
    )
