"""The base of every endpoint family: a resource object that holds its client.

A family (chat, deferred, models, ...) is one module with a sync and an async
resource class. The client attaches one of each kind in
``_attach_resources``; a resource reaches the client's settings, transport,
catalogue and ledger through ``self._client``, and sends through ``_send``,
which encodes the body, adds the headers and runs the transport's retry loop
under the call's clock (deadline and retry budget). Also here: the helpers the
families share, a checked id as a path segment and xAI's ``pagination_token`` paging.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from ._errors import InvalidRequestError, InvalidValueError
from ._http import httpx
from ._retry import CallClock

if TYPE_CHECKING:
    from ._client import AsyncGrokClient, GrokClient

T = TypeVar("T")


class SyncResource:
    """One endpoint family of a ``GrokClient``."""

    __slots__ = ("_client",)

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def _send(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T] | None = None,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
        clock: CallClock | None = None,
        prepared: tuple[bytes | None, httpx.Headers] | None = None,
    ) -> Any:
        # ``prepared``: an already encoded body and headers (a multipart upload, _files.py).
        client = self._client
        content, merged = prepared or client._prepare(body, headers)
        return client._transport.send(
            method,
            path,
            parse,
            content=content,
            headers=merged,
            idempotent=idempotent,
            clock=clock or client._clock(),
        )


class AsyncResource:
    """One endpoint family of an ``AsyncGrokClient``."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def _send(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T] | None = None,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
        clock: CallClock | None = None,
        prepared: tuple[bytes | None, httpx.Headers] | None = None,
    ) -> Any:
        client = self._client
        content, merged = prepared or client._prepare(body, headers)
        return await client._transport.send(
            method,
            path,
            parse,
            content=content,
            headers=merged,
            idempotent=idempotent,
            clock=clock or client._clock(),
        )


def json_answer(response: httpx.Response) -> Any:
    return json.loads(response.content)


def list_of(key: str, cls: Any) -> Callable[[httpx.Response], list[Any]]:
    """A parser for ``{key: [item, ...]}`` answers into ``cls`` items."""

    def parse(response: httpx.Response) -> list[Any]:
        return [cls.model_validate(item) for item in json.loads(response.content)[key]]

    return parse


# What an id the API hands out looks like: ``file_<uuid>``, ``batch_<uuid>``, a uuid.
# Anything else ("..", "a/b", " x", "x:cancel") could reach another route once in a path.
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,255}")


def path_id(value: Any, name: str, hint: str = "") -> str:
    """``value`` as one URL path segment; ``InvalidValueError`` unless a plain id token:
    letters, digits, ``_``, ``-`` and ``.``, starting with a letter or digit. So ``.``,
    ``..``, a ``/`` or a space never reach the URL, where they would name another route."""
    if not isinstance(value, str) or _PLAIN_ID.fullmatch(value) is None:
        raise InvalidValueError(
            f"{name} must be an id as the API returns it{hint}: letters, digits, '_', '-' "
            f"and '.', starting with a letter or digit; not {value!r}. Pass the .id of the "
            "object the API gave back.",
            parameter=name,
        )
    return value  # nothing in it needs quoting


# --- xAI's paging (Files and Batch APIs: ``pagination_token``, not ``has_more``) ---


def list_path(path: str, limit: int | None, pagination_token: str | None) -> str:
    """``path`` with xAI's paging query (``limit``, ``pagination_token``), checked."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidRequestError(f"limit must be a positive integer, not {limit!r}.")
    if pagination_token is not None and not isinstance(pagination_token, str):
        raise InvalidRequestError(
            "pagination_token must be the string a page gave back (page.pagination_token), "
            f"not {type(pagination_token).__name__}."
        )
    query = {
        k: v for k, v in (("limit", limit), ("pagination_token", pagination_token)) if v is not None
    }
    return f"{path}?{urlencode(query)}" if query else path


def _next_token(page: Any, items: Callable[[Any], list[Any]], seen: set[str]) -> str | None:
    """The token of the page after ``page``; None at a missing, empty or repeated one (a
    server that hands back a token it gave before would otherwise loop for ever)."""
    token = page.pagination_token
    if not token or token in seen or not items(page):
        return None
    seen.add(token)
    return token


def follow_pages(
    fetch: Callable[[str | None], Any], items: Callable[[Any], list[Any]]
) -> Iterator[Any]:
    """Every item over all pages; stops at a missing, empty or repeated token."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(token)
        yield from items(page)
        if (token := _next_token(page, items, seen)) is None:
            return


async def afollow_pages(
    fetch: Callable[[str | None], Awaitable[Any]], items: Callable[[Any], list[Any]]
) -> AsyncIterator[Any]:
    """``follow_pages`` for an async ``fetch``."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch(token)
        for item in items(page):
            yield item
        if (token := _next_token(page, items, seen)) is None:
            return
