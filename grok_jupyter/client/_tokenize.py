"""The server's tokenizer: ``POST /v1/tokenize-text``."""

from __future__ import annotations

from typing import Any

from ._arguments import check_text
from ._resource import AsyncResource, SyncResource, list_of
from ._types import TokenInfo

_TOKENS = list_of("token_ids", TokenInfo)


def _body(client: Any, text: str, model: str | None) -> dict[str, Any]:
    check_text(text, "text", example="'Hello world!'")
    if model is not None:
        check_text(model, "model", example="'grok-4.3'", allow_empty=False)
    return {"text": text, "model": model or client.catalog.default_chat_model}


class Tokenizer(SyncResource):
    def tokenize(self, text: str, model: str | None = None) -> list[TokenInfo]:
        body = _body(self._client, text, model)
        return self._send("POST", "/tokenize-text", _TOKENS, body=body, idempotent=True)

    def count(self, text: str, model: str | None = None) -> int:
        return len(self.tokenize(text, model))


class AsyncTokenizer(AsyncResource):
    async def tokenize(self, text: str, model: str | None = None) -> list[TokenInfo]:
        body = _body(self._client, text, model)
        return await self._send("POST", "/tokenize-text", _TOKENS, body=body, idempotent=True)

    async def count(self, text: str, model: str | None = None) -> int:
        return len(await self.tokenize(text, model))
