"""Image generation: ``POST /v1/images/generations`` (image *inputs* are ``_images.py``)."""

from __future__ import annotations

from typing import Any

from ._arguments import check_count, check_text
from ._base import now
from ._errors import InvalidValueError
from ._resource import AsyncResource, SyncResource, json_answer
from ._types import GeneratedImage

PATH = "/images/generations"
MAX_IMAGES = 10  # n is 1-10 [V xai-api-2026.md section 7.1]
RESPONSE_FORMATS = ("url", "b64_json")  # [V] the two values the API takes


def _body(
    client: Any, prompt: str, n: int, response_format: str, model: str | None, params: dict
) -> dict[str, Any]:
    from ._validation import external_stacklevel

    check_text(prompt, "prompt", example="'a red fox in snow'")
    check_count(n, "n", low=1, high=MAX_IMAGES)
    if response_format not in RESPONSE_FORMATS:
        raise InvalidValueError(
            f"response_format must be 'url' or 'b64_json', not {response_format!r}.",
            parameter="response_format",
        )
    if model is not None:
        check_text(model, "model", example="'grok-imagine-image'", allow_empty=False)
    client._ensure_live_catalog()
    model = model or client.catalog.default_image_model
    # A retired id (grok-2-image-1212) is answered by its target: say so once.
    client.catalog.warn_if_retired(model, stacklevel=external_stacklevel())
    return {
        "model": model,
        "prompt": prompt,
        "n": n,
        "response_format": response_format,
        **params,
    }


def _images(client: Any, raw: Any, model: str, source: str, started: float) -> list[GeneratedImage]:
    images = [GeneratedImage.model_validate(item) for item in raw["data"]]
    client._record_images(
        raw.get("model", model), raw, len(images), source=source, latency_s=now() - started
    )
    return images


class Images(SyncResource):
    def generate(
        self,
        prompt: str,
        *,
        n: int = 1,
        response_format: str = "url",
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> list[GeneratedImage]:
        client = self._client
        clock = client._clock(deadline)
        body = _body(client, prompt, n, response_format, model, params)
        started = now()
        raw = self._send("POST", PATH, json_answer, body=body, headers=headers, clock=clock)
        return _images(client, raw, body["model"], source, started)


class AsyncImages(AsyncResource):
    async def generate(
        self,
        prompt: str,
        *,
        n: int = 1,
        response_format: str = "url",
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> list[GeneratedImage]:
        client = self._client
        clock = client._clock(deadline)
        body = _body(client, prompt, n, response_format, model, params)
        started = now()
        raw = await self._send("POST", PATH, json_answer, body=body, headers=headers, clock=clock)
        return _images(client, raw, body["model"], source, started)
