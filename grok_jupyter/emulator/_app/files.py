"""``/v1/files``: multipart upload, list (xAI paging), retrieve, content and delete.

Shapes: shared/xai-api-2026.md section 5 and section 8 item 15. The upload is
parsed with Starlette's multipart parser (python-multipart); a file over
``serve(max_file_bytes=...)`` gets 413 with the plain-text body of the other
over-long requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import _errors as errors
from .._file_store import DEFAULT_PAGE, MAX_PAGE, FileStore, StoredFile, file_not_found
from .._state import EmulatorState
from .pipeline import Call

# Multipart framing around the file: headers, boundaries, small fields.
_FORM_OVERHEAD = 64 * 1024


def upload_limit(state: EmulatorState) -> int:
    """The whole request's limit: the file limit plus room for the multipart framing."""
    return state.files.max_file_bytes + _FORM_OVERHEAD


def _store(call: Call) -> FileStore:
    return call.state.files


def stored_file(call: Call, file_id: str) -> StoredFile:
    stored = _store(call).get(file_id)
    if stored is None:
        raise file_not_found(file_id)
    return stored


def page_params(request: Request) -> tuple[int, str | None]:
    """``limit`` (1..MAX_PAGE, default DEFAULT_PAGE) and ``pagination_token`` of a list call."""
    raw = request.query_params.get("limit")
    if raw is None:
        limit = DEFAULT_PAGE
    elif raw.isdigit() and 1 <= int(raw) <= MAX_PAGE:
        limit = int(raw)
    else:
        raise errors.bad_request(f"limit must be an integer from 1 to {MAX_PAGE}, got {raw!r}.")
    return limit, request.query_params.get("pagination_token") or None


def token_number(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise errors.bad_request(f"Invalid pagination_token {token!r}.")
    return int(token)


async def _form(request: Request) -> Any:
    raw: bytes = request.state.raw_body

    async def once() -> AsyncIterator[bytes]:
        yield raw

    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise errors.bad_request(
            "Upload a file as multipart/form-data with a 'file' field (and optional 'purpose')."
        )
    try:
        return await MultiPartParser(request.headers, once()).parse()
    except MultiPartException as exc:
        raise errors.bad_request(f"Invalid multipart body: {exc.message}") from None


# expires_after: seconds from creation, within these bounds (2026-09 reference, section 4).
MIN_EXPIRES_AFTER = 3600
MAX_EXPIRES_AFTER = 2_592_000


def expires_after(form: Any) -> int | None:
    """The upload's ``expires_after`` seconds: the plain field, or OpenAI's
    ``expires_after[anchor]`` (``created_at``) + ``expires_after[seconds]``; None if absent."""
    plain = form.get("expires_after")
    seconds = form.get("expires_after[seconds]")
    anchor = form.get("expires_after[anchor]")
    if plain is None and seconds is None and anchor is None:
        return None
    if anchor is not None and anchor != "created_at":
        # The only anchor OpenAI's API defines; what xAI does with another is [U].
        raise errors.bad_request(f"expires_after[anchor] must be 'created_at', got {anchor!r}.")
    raw = plain if plain is not None else seconds
    if not isinstance(raw, str) or not raw.strip().isdigit():
        raise errors.bad_request(
            f"expires_after must be a whole number of seconds from {MIN_EXPIRES_AFTER} to "
            f"{MAX_EXPIRES_AFTER}, got {raw!r}."
        )
    value = int(raw)
    if not MIN_EXPIRES_AFTER <= value <= MAX_EXPIRES_AFTER:
        raise errors.bad_request(
            f"expires_after must be between {MIN_EXPIRES_AFTER} and {MAX_EXPIRES_AFTER} "
            f"seconds (1 hour to 30 days), got {value}."
        )
    return value


async def upload_file(request: Request, body: Any, call: Call) -> Any:
    form = await _form(request)
    try:
        lifetime = expires_after(form)  # checked first: a bad value stores nothing
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise errors.bad_request("Missing the 'file' field of the multipart upload.")
        data = await upload.read()
        if len(data) > _store(call).max_file_bytes:
            raise errors.payload_too_large()
        stored = _store(call).add(upload.filename or "file", data, expires_after=lifetime)
    finally:
        await form.close()
    return JSONResponse(stored.to_json())


async def list_files(request: Request, body: Any, call: Call) -> Any:
    limit, token = page_params(request)
    files, next_token = _store(call).page(limit, token_number(token))
    return JSONResponse({"data": [f.to_json() for f in files], "pagination_token": next_token})


async def get_file(request: Request, body: Any, call: Call) -> Any:
    return JSONResponse(stored_file(call, request.path_params["file_id"]).to_json())


async def file_content(request: Request, body: Any, call: Call) -> Any:
    stored = stored_file(call, request.path_params["file_id"])
    return Response(stored.data, media_type="application/octet-stream")


async def delete_file(request: Request, body: Any, call: Call) -> Any:
    file_id = request.path_params["file_id"]
    if not _store(call).delete(file_id):
        raise file_not_found(file_id)
    return JSONResponse({"id": file_id, "deleted": True})
