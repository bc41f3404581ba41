"""The common path of every ``/v1`` request, and the error replies it sends.

In order: the body size limit (413, before anything is read), the fault is
picked (header first, then the queue) and the request recorded, the key is
checked, then the faults that replace the response, the rate limits, the JSON
body (400 when it cannot be parsed) and the handler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import Match

from ...client._catalog import Catalog
from .. import _errors as errors
from .._body import parse_json_body
from .._errors import EmulatorError
from .._faults import Fault, parse_fault_header
from .._state import EmulatorState, RecordedRequest
from .error_reply import error_response
from .faults import fault_response
from .wire import DropConnection


@dataclass
class Call:
    """What a handler gets besides the request and its JSON body."""

    state: EmulatorState
    catalog: Catalog
    fault: Fault | None
    api_key: str
    started: float = 0.0  # time.monotonic() when the request arrived (the speed profiles)


Handler = Callable[[Request, Any, Call], Awaitable[Any]]


def _redacted_headers(request: Request) -> dict[str, str]:
    headers = dict(request.headers)
    auth = headers.get("authorization")
    if auth is not None:
        scheme, _, key = auth.partition(" ")
        headers["authorization"] = f"{scheme} {errors.redact_key(key.strip())}" if key else "***"
    return headers


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, or a 413 as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise errors.payload_too_large()  # refused unread
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.payload_too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _auth_error(request: Request, state: EmulatorState) -> tuple[EmulatorError | None, str]:
    auth = request.headers.get("authorization")
    if not auth:
        return EmulatorError(
            401, "Missing bearer or basic authentication in header", errors.UNAUTHENTICATED
        ), ""
    scheme, _, key = auth.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not state.key_accepted(key):
        return errors.bad_request(
            f"Incorrect API key provided: {errors.redact_key(key or scheme)}. "
            "You can obtain an API key from https://console.x.ai."
        ), key
    return None, key


def api(
    handler: Handler,
    *,
    json_body: bool = True,
    body_limit: Callable[[EmulatorState], int] | None = None,
) -> Callable[[Request], Awaitable[Any]]:
    """Wrap ``handler`` in the common path of every API request.

    ``json_body=False``: the body is not JSON (a multipart upload); the handler reads
    ``request.state.raw_body``. ``body_limit``: the route's own size limit (413 above it).
    """

    async def endpoint(request: Request) -> Any:
        started = time.monotonic()
        state: EmulatorState = request.app.state.emulator
        catalog: Catalog = request.app.state.catalog
        try:
            limit = body_limit(state) if body_limit is not None else state.max_body_bytes
            raw = await _read_body(request, limit)
        except EmulatorError as exc:
            return error_response(exc)
        request.state.raw_body = raw  # handlers quote positions in it (``_body.check_types``)
        try:
            body, body_error = (parse_json_body(raw) if json_body else None), None
        except EmulatorError as exc:
            body, body_error = None, exc
        header = request.headers.get("x-emulator-fault")
        try:
            fault = parse_fault_header(header) if header else state.next_fault()
        except ValueError as exc:
            fault, bad_fault = None, str(exc)
        else:
            bad_fault = None
        state.record(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                body=body,
                headers=_redacted_headers(request),
                fault=fault.name if fault else None,
            ),
            size=len(raw),
        )
        if bad_fault:
            return error_response(errors.bad_request(bad_fault))
        # The key first, as the real API does: a fault never answers a bad key.
        denied, key = _auth_error(request, state)
        if denied is not None:
            return error_response(denied)
        if fault is not None and fault.name == "slow_first_byte":
            await asyncio.sleep(fault.number("delay"))
        if fault is not None:
            replaced = fault_response(fault, body)
            if replaced is not None:
                if fault.name == "rate_limit":
                    replaced.headers.update(state.rate_headers())
                return replaced
        wait = state.admit()
        if wait is not None:
            response: Any = error_response(
                EmulatorError(
                    429,
                    "Rate limit exceeded: too many requests or tokens per minute for this team.",
                    errors.RESOURCE_EXHAUSTED,
                    headers={"retry-after": f"{wait:g}"},
                )
            )
        else:
            try:
                if body_error is not None:
                    raise body_error
                response = await handler(request, body, Call(state, catalog, fault, key, started))
            except EmulatorError as exc:
                response = error_response(exc)
            else:
                if fault is not None and fault.name == "reset_after_work":
                    return DropConnection()  # the work is done and billed; the answer is lost
        response.headers.update(state.rate_headers())
        return response

    return endpoint


async def not_found(request: Request, body: Any, call: Call) -> Any:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.PARTIAL:
            raise EmulatorError(
                405, f"Method {request.method} is not allowed on {request.url.path}.", None
            )
    raise errors.no_route()
