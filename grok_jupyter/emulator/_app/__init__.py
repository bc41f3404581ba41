"""The HTTP layer: a Starlette app serving the xAI REST API on top of the responder.

One module per endpoint family: ``chat``, ``deferred``, ``models``, ``images``,
``tokenize``, ``account``, ``responses``, ``compaction``, ``files``, ``batches``
and the test controls in ``admin``. ``pipeline`` is the common path every
``/v1`` request takes (see there); ``wire`` and ``faults`` build the responses
Starlette cannot, ``error_reply`` the reply for an error. A new family joins as
its own module plus its routes in ``create_app``. Admin routes live under
``/_emulator/`` and are not recorded.
"""

from __future__ import annotations

import json
import uuid

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from ...client._catalog import Catalog, get_catalog
from .._state import EmulatorState
from . import (
    account,
    admin,
    batches,
    chat,
    compaction,
    deferred,
    files,
    images,
    models,
    responses,
    tokenize,
)
from .pipeline import api, not_found
from .wire import RAW_SEND

__all__ = ["create_app"]


class _EmulatorApp(Starlette):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Keep the server's own ``send``: the disconnect and cut faults reach its transport.
        scope[RAW_SEND] = send
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if not _host_allowed(scope, getattr(self, "allowed_hosts", ())):
            # DNS rebinding: a web page's request names its own host. 421, nothing run.
            await send_error(send, 421, "Misdirected request: this Host is not served here.")
            return
        request_id = str(uuid.uuid4()).encode()

        async def send_with_id(message: Message) -> None:
            # Every reply carries an x-request-id, as the real API's do.
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", request_id))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_id)


def _host_allowed(scope: Scope, extra: tuple[str, ...]) -> bool:
    """The Host names the bound address, localhost, 127.0.0.1 or [::1] with its port."""
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "").lower()
    server = scope.get("server") or ("", 0)
    bound = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
    names = {bound, "localhost", "127.0.0.1", "[::1]"}
    return host in {f"{n}:{server[1]}" for n in names} or host in {h.lower() for h in extra}


async def send_error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"code": "Client specified an invalid argument", "error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

# /v1/files (section 5): the upload is multipart, with its own size limit.
_FILE_ROUTES = [
    Route(
        "/v1/files",
        api(files.upload_file, json_body=False, body_limit=files.upload_limit),
        methods=["POST"],
    ),
    Route("/v1/files", api(files.list_files), methods=["GET"]),
    Route("/v1/files/{file_id}", api(files.get_file), methods=["GET"]),
    Route("/v1/files/{file_id}", api(files.delete_file), methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", api(files.file_content), methods=["GET"]),
]
# /v1/responses (2026 sections 2 and 3; compact and input_items: 2026-09 section 2).
_RESPONSES_ROUTES = [
    Route("/v1/responses", api(responses.create_response), methods=["POST"]),
    Route("/v1/responses/compact", api(compaction.compact_response), methods=["POST"]),
    Route("/v1/responses/{response_id}", api(responses.get_response), methods=["GET"]),
    Route("/v1/responses/{response_id}", api(responses.delete_response), methods=["DELETE"]),
    Route(
        "/v1/responses/{response_id}/input_items",
        api(responses.list_input_items),
        methods=["GET"],
    ),
]
# /v1/batches (section 6): note the colon verb of cancel.
_BATCH_ROUTES = [
    Route("/v1/batches", api(batches.create_batch), methods=["POST"]),
    Route("/v1/batches", api(batches.list_batches), methods=["GET"]),
    Route("/v1/batches/{batch_id}:cancel", api(batches.cancel_batch), methods=["POST"]),
    Route("/v1/batches/{batch_id}", api(batches.get_batch), methods=["GET"]),
    Route("/v1/batches/{batch_id}/requests", api(batches.add_requests), methods=["POST"]),
    Route("/v1/batches/{batch_id}/results", api(batches.batch_results), methods=["GET"]),
]


def create_app(state: EmulatorState | None = None, *, catalog: Catalog | None = None) -> Starlette:
    """The emulator as an ASGI app. ``serve()`` runs it; mount it yourself to embed it."""
    routes = [
        Route("/v1/chat/completions", api(chat.chat_completions), methods=["POST"]),
        Route(
            "/v1/chat/deferred-completion/{request_id}",
            api(deferred.deferred_completion),
            methods=["GET"],
        ),
        Route("/v1/models", api(models.list_models), methods=["GET"]),
        Route("/v1/models/{model_id:path}", api(models.get_model), methods=["GET"]),
        Route("/v1/language-models", api(models.list_language_models), methods=["GET"]),
        Route(
            "/v1/language-models/{model_id:path}",
            api(models.get_language_model),
            methods=["GET"],
        ),
        Route("/v1/image-generation-models", api(models.list_image_models), methods=["GET"]),
        Route(
            "/v1/image-generation-models/{model_id:path}",
            api(models.get_image_model),
            methods=["GET"],
        ),
        Route("/v1/tokenize-text", api(tokenize.tokenize_text), methods=["POST"]),
        Route("/v1/api-key", api(account.api_key_info), methods=["GET"]),
        Route("/v1/images/generations", api(images.generate_images), methods=["POST"]),
        *_RESPONSES_ROUTES,
        *_FILE_ROUTES,
        *_BATCH_ROUTES,
        Route("/_emulator/faults", admin.admin_faults, methods=["POST"]),
        Route("/_emulator/faults", admin.admin_fault_names, methods=["GET"]),
        Route("/_emulator/requests", admin.admin_requests, methods=["GET"]),
        Route("/_emulator/reset", admin.admin_reset, methods=["POST"]),
        Route("/_emulator/script", admin.admin_script, methods=["POST"]),
        Route("/_emulator/limits", admin.admin_limits, methods=["POST"]),
        Route("/_emulator/billing", admin.admin_billing, methods=["GET"]),
        Route("/_emulator/speed", admin.admin_set_speed, methods=["POST"]),
        Route("/_emulator/speed", admin.admin_speed, methods=["GET"]),
        Route("/_emulator/images/{name}", images.served_image, methods=["GET"]),
        Route("/{path:path}", api(not_found), methods=_ALL_METHODS),
    ]
    app = _EmulatorApp(routes=routes)
    app.state.emulator = state if state is not None else EmulatorState()
    app.state.catalog = catalog if catalog is not None else get_catalog()
    return app
