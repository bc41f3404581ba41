"""The responses injected faults put in place of the real one."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from .. import _errors as errors
from .._errors import EmulatorError
from .._faults import Fault
from .error_reply import error_response
from .wire import BrokenEncoding, DropConnection


def fault_response(fault: Fault, body: Any = None) -> Any:
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
        code, message = _ERROR_200.get(fault.count("status"), _ERROR_200[503])
        return JSONResponse({"code": code, "error": message})
    if name == "disconnect":
        return DropConnection()
    if name == "bad_encoding":
        return BrokenEncoding(stream=bool(isinstance(body, dict) and body.get("stream")))
    return None


# json_error_200's ``status``: the gRPC code and a message xAI sends with it.
_ERROR_200: dict[int, tuple[str, str]] = {
    400: (errors.INVALID_ARGUMENT, "Invalid request content."),
    404: (errors.NOT_FOUND, "The requested entity was not found."),
    429: (errors.RESOURCE_EXHAUSTED, "Rate limit exceeded."),
    500: (errors.INTERNAL, "An internal error occurred."),
    503: (errors.UNAVAILABLE, "Timed out waiting for first token"),
}
