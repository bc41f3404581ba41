"""What the server knows about the key in use: ``GET /v1/api-key``."""

from __future__ import annotations

from ._http import httpx
from ._resource import AsyncResource, SyncResource
from ._types import ApiKeyInfo


def _info(response: httpx.Response) -> ApiKeyInfo:
    return ApiKeyInfo.model_validate_json(response.content)


class ApiKey(SyncResource):
    def info(self) -> ApiKeyInfo:
        return self._send("GET", "/api-key", _info, idempotent=True)


class AsyncApiKey(AsyncResource):
    async def info(self) -> ApiKeyInfo:
        return await self._send("GET", "/api-key", _info, idempotent=True)
