"""``POST /v1/tokenize-text``, with the client's own tokenizer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ...client._tokens import split_tokens, token_id
from .. import _errors as errors
from .._validation import resolve_model
from .pipeline import Call


async def tokenize_text(request: Request, body: Any, call: Call) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise errors.unprocessable("missing field `text`")
    resolve_model(call.catalog, body.get("model"))
    tokens = [
        {"token_id": token_id(t), "string_token": t, "token_bytes": list(t.encode("utf-8"))}
        for t in split_tokens(body["text"])
    ]
    return JSONResponse({"token_ids": tokens})
