"""The responses injected faults put in place of the real one."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from .. import _errors as errors
from .._errors import EmulatorError
from .._faults import Fault
from .error_reply import error_response
from .wire import DropConnection


def fault_response(fault: Fault) -> Any:
    """The response a fault puts in place of the real one, or None."""
    name = fault.name
    if name == "rate_limit":
        retry = fault.number("retry_after")
        return error_response(
            EmulatorError(
                429,
                "Rate limit exceeded. Please slow down your requests.",
                errors.RESOURCE_EXHAUSTED,
                headers={"retry-after": f"{retry:g}"},
            )
        )
    if name == "server_error":
        return error_response(EmulatorError(500, "An internal error occurred.", errors.INTERNAL))
    if name == "unavailable":
        return error_response(
            EmulatorError(
                503,
                "The service is currently unavailable. Please try again later.",
                errors.UNAVAILABLE,
            )
        )
    if name == "bad_gateway":
        # A real 502 comes from the load balancer in front of the API: HTML, not xAI's JSON.
        html = (
            "<html><head><title>502 Bad Gateway</title></head>"
            "<body><h1>502 Bad Gateway</h1></body></html>"
        )
        return Response(html, 502, media_type="text/html")
    if name == "json_error_200":
        return JSONResponse(
            {"code": errors.UNAVAILABLE, "error": "Timed out waiting for first token"}
        )
    if name == "disconnect":
        return DropConnection()
    return None
