"""The HTTP layer: a Starlette app serving the xAI REST API on top of the responder.

Every ``/v1`` request goes through ``_api``: it picks the fault (header first,
then the queue), records the request, applies faults that replace the
response, checks the key and the rate limits, then runs the handler. Admin
routes live under ``/_emulator/`` and are not recorded.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from ..client._catalog import USD_TICKS_PER_USD, Catalog, ModelInfo, get_catalog
from ..client._tokens import split_tokens, token_id
from . import _errors as errors
from ._encode import DONE_EVENT, completion_body, fingerprint, keepalive_event, stream_events
from ._errors import EmulatorError
from ._faults import FAULTS, STREAM_FAULTS, Fault, parse_fault_header
from ._imagegen import generate_jpeg, revised_prompt
from ._responder import respond
from ._state import EmulatorState, RecordedRequest
from ._validation import plan_chat, resolve_model

_RAW_SEND = "grok_emulator.raw_send"
_BATCH_BYTES = 32 * 1024  # events that are ready go out together, up to this much per write
_CENTS_PER_100M = 10_000  # /v1/language-models prices: USD per 1M tokens -> cents per 100M


@dataclass
class _Call:
    state: EmulatorState
    catalog: Catalog
    fault: Fault | None
    api_key: str


Handler = Callable[[Request, Any, _Call], Awaitable[Any]]


# --- responses the server cannot express with Starlette's classes ---------------


def _transport(scope: Scope) -> asyncio.Transport | None:
    # uvicorn's ``send`` is a bound method of the request cycle, which holds the transport.
    owner = getattr(scope.get(_RAW_SEND), "__self__", None)
    return getattr(owner, "transport", None)


async def _abort(scope: Scope) -> None:
    transport = _transport(scope)
    if transport is None:
        raise RuntimeError("the emulator can drop connections only when served by uvicorn")
    transport.abort()
    # Let connection_lost run, so uvicorn marks the cycle disconnected and sends no 500.
    for _ in range(3):
        await asyncio.sleep(0)


class _DropConnection:
    """Close the connection without any response (the ``disconnect`` fault)."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _abort(scope)


class _EventStream:
    """An SSE response from pre-encoded events, with the stream faults applied."""

    def __init__(self, events: list[bytes], fault: Fault | None, keepalive: bytes) -> None:
        self.events = events
        self.fault = fault if fault is not None and fault.name in STREAM_FAULTS else None
        self.keepalive = keepalive
        self.headers: dict[str, str] = {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events = list(self.events)
        fault = self.fault
        name = fault.name if fault else None
        if name == "keepalive":
            events[:0] = [self.keepalive] * fault.count("count")
        if name == "malformed":
            at = min(fault.count("after_chunks"), len(events))
            events.insert(at, b'data: {"id":"malformed","choices":[{"index":0,"delta":\n\n')
        cut = name == "cut"
        if cut:
            del events[fault.count("after_chunks") :]
        else:
            events.append(DONE_EVENT)
        headers = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        transport = _transport(scope)
        if name == "slow_chunks":
            delay = fault.number("delay")
            for event in events:
                if transport is not None and transport.is_closing():
                    return  # the client hung up (Stop, Ctrl-C)
                await send({"type": "http.response.body", "body": event, "more_body": True})
                await asyncio.sleep(delay)
        else:
            batch: list[bytes] = []
            size = 0
            for event in events:
                batch.append(event)
                size += len(event)
                if size >= _BATCH_BYTES:
                    await send(
                        {"type": "http.response.body", "body": b"".join(batch), "more_body": True}
                    )
                    batch, size = [], 0
                    if transport is not None and transport.is_closing():
                        return
            if batch:
                await send(
                    {"type": "http.response.body", "body": b"".join(batch), "more_body": True}
                )
        if cut and transport is not None:
            # Let what was written reach the client, then drop the connection mid-body.
            deadline = time.monotonic() + 5
            while transport.get_write_buffer_size() and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            await _abort(scope)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _error_response(error: EmulatorError) -> Response:
    return Response(
        error.body(), error.status, headers=error.headers, media_type=error.content_type
    )


def _fault_response(fault: Fault) -> Any:
    """The response a fault puts in place of the real one, or None."""
    name = fault.name
    if name == "rate_limit":
        retry = fault.number("retry_after")
        return _error_response(
            EmulatorError(
                429,
                "Rate limit exceeded. Please slow down your requests.",
                errors.RESOURCE_EXHAUSTED,
                headers={"retry-after": f"{retry:g}"},
            )
        )
    if name == "server_error":
        return _error_response(EmulatorError(500, "An internal error occurred.", errors.INTERNAL))
    if name == "unavailable":
        return _error_response(
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
        return _DropConnection()
    return None


# --- the common path of every API request --------------------------------------


def _redacted_headers(request: Request) -> dict[str, str]:
    headers = dict(request.headers)
    auth = headers.get("authorization")
    if auth is not None:
        scheme, _, key = auth.partition(" ")
        headers["authorization"] = f"{scheme} {errors.redact_key(key.strip())}" if key else "***"
    return headers


def _api(handler: Handler) -> Callable[[Request], Awaitable[Any]]:
    async def endpoint(request: Request) -> Any:
        state: EmulatorState = request.app.state.emulator
        catalog: Catalog = request.app.state.catalog
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
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
            )
        )
        if bad_fault:
            return _error_response(errors.bad_request(bad_fault))
        if fault is not None and fault.name == "slow_first_byte":
            await asyncio.sleep(fault.number("delay"))
        if fault is not None:
            replaced = _fault_response(fault)
            if replaced is not None:
                if fault.name == "rate_limit":
                    replaced.headers.update(state.rate_headers())
                return replaced
        auth = request.headers.get("authorization")
        if not auth:
            return _error_response(
                EmulatorError(
                    401, "Missing bearer or basic authentication in header", errors.UNAUTHENTICATED
                )
            )
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not state.key_accepted(key):
            return _error_response(
                errors.bad_request(
                    f"Incorrect API key provided: {errors.redact_key(key or scheme)}. "
                    "You can obtain an API key from https://console.x.ai."
                )
            )
        wait = state.admit()
        if wait is not None:
            response: Any = _error_response(
                EmulatorError(
                    429,
                    "Rate limit exceeded: too many requests or tokens per minute for this team.",
                    errors.RESOURCE_EXHAUSTED,
                    headers={"retry-after": f"{wait:g}"},
                )
            )
        else:
            try:
                response = await handler(request, body, _Call(state, catalog, fault, key))
            except EmulatorError as exc:
                response = _error_response(exc)
        response.headers.update(state.rate_headers())
        return response

    return endpoint


# --- /v1 handlers ---------------------------------------------------------------


async def chat_completions(request: Request, body: Any, call: _Call) -> Any:
    plan = plan_chat(body, call.catalog, call.state.get_image)
    reply = respond(plan)
    call.state.add_tokens(
        plan.prompt_tokens + reply.completion_tokens + len(reply.reasoning_tokens)
    )
    created = int(time.time())
    if body.get("deferred"):
        request_id = str(uuid.uuid4())
        call.state.put_deferred(request_id, completion_body(plan, reply, created=created))
        return JSONResponse({"request_id": request_id})
    if plan.stream:
        chunk_id = str(uuid.uuid4())
        return _EventStream(
            stream_events(plan, reply, created=created, chunk_id=chunk_id),
            call.fault,
            keepalive_event(plan, created=created, chunk_id=chunk_id),
        )
    return JSONResponse(completion_body(plan, reply, created=created))


async def deferred_completion(request: Request, body: Any, call: _Call) -> Any:
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


def _model_entry(info: ModelInfo) -> dict[str, Any]:
    return {"id": info.id, "created": info.created, "object": "model", "owned_by": info.owned_by}


def _find(call: _Call, name: str, kind: str | None = None) -> ModelInfo:
    info = call.catalog.resolve(name)
    if info is None or (kind is not None and info.kind != kind):
        raise EmulatorError(404, "Model not found", errors.NOT_FOUND)
    return info


async def list_models(request: Request, body: Any, call: _Call) -> Any:
    return JSONResponse({"data": [_model_entry(m) for m in call.catalog], "object": "list"})


async def get_model(request: Request, body: Any, call: _Call) -> Any:
    return JSONResponse(_model_entry(_find(call, request.path_params["model_id"])))


def _language_entry(info: ModelInfo) -> dict[str, Any]:
    p = info.price_per_million

    def cents(usd: float | None) -> int:
        return round((usd or 0.0) * _CENTS_PER_100M)

    return {
        "id": info.id,
        "fingerprint": fingerprint(info.id),
        "created": info.created,
        "object": "model",
        "owned_by": info.owned_by,
        "version": "1.0.0",
        "input_modalities": list(info.input_modalities),
        "output_modalities": list(info.output_modalities),
        "prompt_text_token_price": cents(p.input),
        "cached_prompt_text_token_price": cents(
            p.cached_input if p.cached_input is not None else p.input
        ),
        "prompt_image_token_price": cents(p.image_input),
        "completion_text_token_price": cents(p.output),
        "search_price": 250_000_000,
        "aliases": list(info.aliases),
    }


def _image_model_entry(info: ModelInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "fingerprint": fingerprint(info.id),
        "max_prompt_length": info.max_prompt_length,
        "created": info.created,
        "object": "model",
        "owned_by": info.owned_by,
        "version": "1.0.0",
        "input_modalities": list(info.input_modalities),
        "output_modalities": list(info.output_modalities),
        "image_price": round((info.image_price_usd or 0.0) * 100),  # USD cents per image
        "aliases": list(info.aliases),
    }


async def list_language_models(request: Request, body: Any, call: _Call) -> Any:
    return JSONResponse({"models": [_language_entry(m) for m in call.catalog.chat_models()]})


async def get_language_model(request: Request, body: Any, call: _Call) -> Any:
    return JSONResponse(_language_entry(_find(call, request.path_params["model_id"], "chat")))


async def list_image_models(request: Request, body: Any, call: _Call) -> Any:
    return JSONResponse({"models": [_image_model_entry(m) for m in call.catalog.image_models()]})


async def get_image_model(request: Request, body: Any, call: _Call) -> Any:
    return JSONResponse(_image_model_entry(_find(call, request.path_params["model_id"], "image")))


async def tokenize_text(request: Request, body: Any, call: _Call) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise errors.unprocessable("missing field `text`")
    resolve_model(call.catalog, body.get("model"))
    tokens = [
        {"token_id": token_id(t), "string_token": t, "token_bytes": list(t.encode("utf-8"))}
        for t in split_tokens(body["text"])
    ]
    return JSONResponse({"token_ids": tokens})


async def api_key_info(request: Request, body: Any, call: _Call) -> Any:
    key = call.api_key
    return JSONResponse(
        {
            "redacted_api_key": f"{key[:4]}...{key[-4:]}" if len(key) > 8 else "***",
            "user_id": "emulator-user",
            "name": "grok-jupyter emulator key",
            "create_time": "2025-01-01T00:00:00Z",
            "modify_time": "2025-01-01T00:00:00Z",
            "modified_by": "emulator-user",
            "team_id": errors.TEAM_ID,
            "acls": ["api-key:model:*", "api-key:endpoint:*"],
            "api_key_id": f"emu-{token_id(key):06d}",
            "team_blocked": False,
            "api_key_blocked": False,
            "api_key_disabled": False,
        }
    )


async def generate_images(request: Request, body: Any, call: _Call) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
        raise errors.unprocessable("missing field `prompt`")
    for unsupported in ("size", "quality", "style"):
        if body.get(unsupported) is not None:
            raise errors.bad_request(f"Argument not supported: {unsupported}")
    info = resolve_model(
        call.catalog, body.get("model") or call.catalog.default_image_model, kind="image"
    )
    prompt = body["prompt"]
    if info.max_prompt_length is not None and len(prompt) > info.max_prompt_length:
        raise errors.bad_request(
            f"Prompt is too long: {len(prompt)} characters; "
            f"the maximum is {info.max_prompt_length}."
        )
    n = body.get("n", 1)
    if not isinstance(n, int) or not 1 <= n <= 10:
        raise errors.bad_request("n must be an integer between 1 and 10.")
    fmt = body.get("response_format") or "url"
    if fmt not in ("url", "b64_json"):
        raise errors.bad_request("response_format must be 'url' or 'b64_json'.")
    data = []
    for i in range(n):
        jpeg = generate_jpeg(prompt, i)
        item: dict[str, Any] = {}
        if fmt == "url":
            name = f"xai-tmp-imgen-{uuid.uuid4()}.jpeg"
            call.state.put_image(name, jpeg)
            item["url"] = str(request.base_url) + f"_emulator/images/{name}"
        else:
            item["b64_json"] = base64.b64encode(jpeg).decode("ascii")
        item["revised_prompt"] = revised_prompt(prompt)
        item["mime_type"] = "image/jpeg"
        data.append(item)
    cost = round((info.image_price_usd or 0.0) * n * USD_TICKS_PER_USD)
    return JSONResponse({"data": data, "usage": {"cost_in_usd_ticks": cost}})


async def not_found(request: Request, body: Any, call: _Call) -> Any:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.PARTIAL:
            raise EmulatorError(
                405, f"Method {request.method} is not allowed on {request.url.path}.", None
            )
    raise errors.no_route()


# --- admin (not recorded) ------------------------------------------------------


async def admin_faults(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    try:
        spec = await request.json()
        params = dict(spec.get("params") or {})
        params.update({k: v for k, v in spec.items() if k not in ("fault", "times", "params")})
        state.inject(Fault(spec["fault"], params), int(spec.get("times", 1)))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return JSONResponse({"error": f"bad fault specification: {exc}"}, 400)
    return JSONResponse({"queued": spec["fault"], "times": int(spec.get("times", 1))})


async def admin_requests(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    return JSONResponse([r.to_json() for r in state.requests])


async def admin_reset(request: Request) -> Response:
    request.app.state.emulator.reset()
    return JSONResponse({"reset": True})


async def admin_limits(request: Request) -> Response:
    spec = await request.json()
    request.app.state.emulator.set_limits(rpm=spec.get("rpm"), tpm=spec.get("tpm"))
    return JSONResponse({"rpm": spec.get("rpm"), "tpm": spec.get("tpm")})


async def admin_fault_names(request: Request) -> Response:
    return JSONResponse({"faults": FAULTS})


async def served_image(request: Request) -> Response:
    data = request.app.state.emulator.get_image(request.path_params["name"])
    if data is None:
        return Response("Not Found", 404, media_type="text/plain")
    return Response(data, media_type="image/jpeg")


# --- the app --------------------------------------------------------------------


class _EmulatorApp(Starlette):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Keep the server's own ``send``: the disconnect and cut faults reach its transport.
        scope[_RAW_SEND] = send
        await super().__call__(scope, receive, send)


_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(state: EmulatorState | None = None, *, catalog: Catalog | None = None) -> Starlette:
    """The emulator as an ASGI app. ``serve()`` runs it; mount it yourself to embed it."""
    routes = [
        Route("/v1/chat/completions", _api(chat_completions), methods=["POST"]),
        Route(
            "/v1/chat/deferred-completion/{request_id}", _api(deferred_completion), methods=["GET"]
        ),
        Route("/v1/models", _api(list_models), methods=["GET"]),
        Route("/v1/models/{model_id:path}", _api(get_model), methods=["GET"]),
        Route("/v1/language-models", _api(list_language_models), methods=["GET"]),
        Route("/v1/language-models/{model_id:path}", _api(get_language_model), methods=["GET"]),
        Route("/v1/image-generation-models", _api(list_image_models), methods=["GET"]),
        Route(
            "/v1/image-generation-models/{model_id:path}", _api(get_image_model), methods=["GET"]
        ),
        Route("/v1/tokenize-text", _api(tokenize_text), methods=["POST"]),
        Route("/v1/api-key", _api(api_key_info), methods=["GET"]),
        Route("/v1/images/generations", _api(generate_images), methods=["POST"]),
        Route("/_emulator/faults", admin_faults, methods=["POST"]),
        Route("/_emulator/faults", admin_fault_names, methods=["GET"]),
        Route("/_emulator/requests", admin_requests, methods=["GET"]),
        Route("/_emulator/reset", admin_reset, methods=["POST"]),
        Route("/_emulator/limits", admin_limits, methods=["POST"]),
        Route("/_emulator/images/{name}", served_image, methods=["GET"]),
        Route("/{path:path}", _api(not_found), methods=_ALL_METHODS),
    ]
    app = _EmulatorApp(routes=routes)
    app.state.emulator = state if state is not None else EmulatorState()
    app.state.catalog = catalog if catalog is not None else get_catalog()
    return app
