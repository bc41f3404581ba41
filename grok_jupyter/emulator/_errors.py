"""xAI's error replies: ``{"code": <tonic status text>, "error": <message>}``.

The ``code`` strings are tonic's ``Code::description()`` texts, which is what
the real API sends (shared/xai-api.md section 4). Handlers raise
``EmulatorError``; the HTTP layer turns it into a response.
"""

from __future__ import annotations

import json

INVALID_ARGUMENT = "Client specified an invalid argument"
UNAUTHENTICATED = "The request does not have valid authentication credentials"
NOT_FOUND = "Some requested entity was not found"
RESOURCE_EXHAUSTED = "Some resource has been exhausted"
INTERNAL = "Internal error"
UNAVAILABLE = "The service is currently unavailable"

TEAM_ID = "5a1e0f3c-7b2d-4e8a-9c61-0e9d2f4b8a17"  # the emulator's one fake team


class EmulatorError(Exception):
    """An error reply. ``code=None`` leaves the key out, as the real 410 does."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = INVALID_ARGUMENT,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        raw_body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        self.content_type = content_type
        self.raw_body = raw_body

    def body(self) -> bytes:
        if self.raw_body is not None:
            return self.raw_body.encode("utf-8")
        payload: dict[str, str] = {}
        if self.code is not None:
            payload["code"] = self.code
        payload["error"] = self.message
        return json.dumps(payload).encode("utf-8")


def redact_key(key: str) -> str:
    """``xa***en``: how the real API quotes a rejected key."""
    if len(key) < 6:
        return "***"
    return f"{key[:2]}***{key[-2:]}"


def bad_request(message: str) -> EmulatorError:
    return EmulatorError(400, message)


def unknown_model(name: str) -> EmulatorError:
    return EmulatorError(
        404,
        f"The model {name} does not exist or your team {TEAM_ID} does not have access to it. "
        "Please ensure you're using the correct API key. If you believe this is a mistake, "
        "please contact support and quote your team ID and the model name.",
        NOT_FOUND,
    )


def no_route() -> EmulatorError:
    return EmulatorError(
        404,
        "No handler found on route. Please double check your URL and consult "
        "https://api.x.ai/docs for more information.",
        NOT_FOUND,
    )


def unprocessable(message: str) -> EmulatorError:
    # The real API's axum extractor answers body-shape errors in plain text, not JSON.
    return EmulatorError(
        422,
        message,
        None,
        content_type="text/plain; charset=utf-8",
        raw_body=f"Failed to deserialize the JSON body into the target type: {message}",
    )


def payload_too_large() -> EmulatorError:
    # 413 is the OAS status (for /v1/files, "over 50 MB"); the plain-text body is
    # axum's own for an over-long body: [U] for api.x.ai (shared/xai-api.md section 4).
    return EmulatorError(
        413,
        "length limit exceeded",
        None,
        content_type="text/plain; charset=utf-8",
        raw_body="Failed to buffer the request body: length limit exceeded",
    )
