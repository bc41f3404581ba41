"""The HTTP reply for an ``EmulatorError``.

Shared by the request path (``pipeline``) and the replies injected faults put in
place of the real one (``faults``); it sits below both so neither imports the other.
"""

from __future__ import annotations

from starlette.responses import Response

from .._errors import EmulatorError


def error_response(error: EmulatorError) -> Response:
    """``error`` as the real API sends it: its status, headers and body (JSON or plain text)."""
    return Response(
        error.body(), error.status, headers=error.headers, media_type=error.content_type
    )
