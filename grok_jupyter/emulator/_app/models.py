"""The model listings: ``/v1/models``, ``/v1/language-models``, ``/v1/image-generation-models``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ...client._catalog import ModelInfo
from .. import _errors as errors
from .._encode import fingerprint
from .._errors import EmulatorError
from .pipeline import Call

_CENTS_PER_100M = 10_000  # /v1/language-models prices: USD per 1M tokens -> cents per 100M


def _model_entry(info: ModelInfo) -> dict[str, Any]:
    return {"id": info.id, "created": info.created, "object": "model", "owned_by": info.owned_by}


def _find(call: Call, name: str, kind: str | None = None) -> ModelInfo:
    info = call.catalog.resolve(name)
    if info is None or (kind is not None and info.kind != kind):
        raise EmulatorError(404, "Model not found", errors.NOT_FOUND)
    return info


async def list_models(request: Request, body: Any, call: Call) -> Any:
    # Today's lineup: a retired id still answers (redirected) but is not listed.
    data = [_model_entry(m) for m in call.catalog.current_models()]
    return JSONResponse({"data": data, "object": "list"})


async def get_model(request: Request, body: Any, call: Call) -> Any:
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


async def list_language_models(request: Request, body: Any, call: Call) -> Any:
    models = [_language_entry(m) for m in call.catalog.current_models("chat")]
    return JSONResponse({"models": models})


async def get_language_model(request: Request, body: Any, call: Call) -> Any:
    return JSONResponse(_language_entry(_find(call, request.path_params["model_id"], "chat")))


async def list_image_models(request: Request, body: Any, call: Call) -> Any:
    return JSONResponse({"models": [_image_model_entry(m) for m in call.catalog.image_models()]})


async def get_image_model(request: Request, body: Any, call: Call) -> Any:
    return JSONResponse(_image_model_entry(_find(call, request.path_params["model_id"], "image")))
