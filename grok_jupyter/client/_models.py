"""The model lists: ``/v1/models``, ``/v1/language-models``, ``/v1/image-generation-models``."""

from __future__ import annotations

from ._resource import AsyncResource, SyncResource, list_of
from ._types import ImageGenerationModel, LanguageModel, Model

_MODELS = list_of("data", Model)
_LANGUAGE = list_of("models", LanguageModel)
_IMAGE = list_of("models", ImageGenerationModel)


class Models(SyncResource):
    def list(self) -> list[Model]:
        return self._send("GET", "/models", _MODELS, idempotent=True)

    def language(self) -> list[LanguageModel]:
        return self._send("GET", "/language-models", _LANGUAGE, idempotent=True)

    def image_generation(self) -> list[ImageGenerationModel]:
        return self._send("GET", "/image-generation-models", _IMAGE, idempotent=True)


class AsyncModels(AsyncResource):
    async def list(self) -> list[Model]:
        return await self._send("GET", "/models", _MODELS, idempotent=True)

    async def language(self) -> list[LanguageModel]:
        return await self._send("GET", "/language-models", _LANGUAGE, idempotent=True)

    async def image_generation(self) -> list[ImageGenerationModel]:
        return await self._send("GET", "/image-generation-models", _IMAGE, idempotent=True)
