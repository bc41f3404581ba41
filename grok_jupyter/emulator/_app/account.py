"""``GET /v1/api-key``: facts about the calling key, redacted."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ...client._tokens import token_id
from .. import _errors as errors
from .pipeline import Call


async def api_key_info(request: Request, body: Any, call: Call) -> Any:
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
