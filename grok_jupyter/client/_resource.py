"""The base of every endpoint family: a resource object that holds its client.

A family (chat, deferred, models, ...) is one module with a sync and an async
resource class. The client attaches one of each kind in
``_attach_resources``; a resource reaches the client's settings, transport,
catalogue and ledger through ``self._client``, and sends through ``_send``,
which encodes the body, adds the headers and runs the transport's retry loop
under the call's clock (deadline and retry budget).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

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
