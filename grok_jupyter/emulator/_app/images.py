"""``POST /v1/images/generations`` and the generated images it serves."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...client._catalog import USD_TICKS_PER_USD
from .. import _errors as errors
from .._imagegen import generate_jpeg, revised_prompt
from .._validation import resolve_model
from .pipeline import Call


async def generate_images(request: Request, body: Any, call: Call) -> Any:
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


async def served_image(request: Request) -> Response:
    data = request.app.state.emulator.get_image(request.path_params["name"])
    if data is None:
        return Response("Not Found", 404, media_type="text/plain")
    return Response(data, media_type="image/jpeg")
