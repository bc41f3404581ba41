"""The Batch API (``/v1/batches``): queue chat requests, collect them later at 80% of the price.

Routes and shapes follow shared/xai-api-2026.md section 6: a batch has
counters and **no status field** (``Batch.status`` derives it as LiteLLM
does); cancel is the colon verb ``POST /v1/batches/{id}:cancel``; results are
paged JSON (``{"results": [...], "pagination_token": ...}``), each a
``chat_get_completion`` body or an ``error``. The add-requests path
(``/v1/batches/{id}/requests``) is [U] (tryAGI's generated client).

Every successful result is recorded in the client's ledger once per
``(batch_id, batch_request_id)``, however often the results are fetched:
the record's ``request_id`` is ``"<batch_id>/<batch_request_id>"`` and
``batch=True``. Its cost is the result's ``cost_in_usd_ticks`` (which
includes the discount [U]), else catalogue prices less the batch discount.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ._arguments import check_seconds
from ._base import Messages
from ._errors import AnswerLostError, APITimeoutError, InvalidRequestError
from ._http import httpx
from ._lost_creates import find_batch, not_found
from ._resource import AsyncResource, SyncResource, afollow_pages, follow_pages, list_path, path_id
from ._types import ChatCompletion, WireModel
from ._usage import record_from_usage
from ._validation import external_stacklevel

if TYPE_CHECKING:
    from ._base import BaseGrokClient

PATH = "/batches"
FINISHED = ("completed", "cancelled", "failed")


class BatchState(WireModel):
    num_requests: int = 0
    num_pending: int = 0
    num_success: int = 0
    num_error: int = 0
    num_cancelled: int = 0


class Batch(WireModel):
    """One batch (section 6). Times are strings as sent (a bare ``YYYY-MM-DD`` over REST [U])."""

    batch_id: str
    name: str = ""
    create_time: str | None = None
    expire_time: str | None = None
    cancel_time: str | None = None
    cancel_by_xai_message: str | None = None
    input_file_id: str | None = None
    state: BatchState = Field(default_factory=BatchState)

    @property
    def id(self) -> str:
        return self.batch_id

    @property
    def status(self) -> str:
        """``"validating" | "in_progress" | "completed" | "cancelled" | "failed"``, from the
        counters (the API sends no status): cancelled, or failed when xAI cancelled it."""
        if self.cancel_time:
            return "failed" if self.cancel_by_xai_message else "cancelled"
        if self.state.num_requests == 0:
            return "validating"
        if self.state.num_pending > 0:
            return "in_progress"
        return "completed"


class BatchPage(WireModel):
    batches: list[Batch] = Field(default_factory=list)
    pagination_token: str | None = None


class BatchError(WireModel):
    code: int | str | None = None
    message: str = ""


class _ResultResponse(WireModel):
    chat_get_completion: ChatCompletion | None = None


class _ResultBody(WireModel):
    response: _ResultResponse | None = None
    error: BatchError | None = None


class BatchResult(WireModel):
    """One answered request: ``completion`` on success, else ``error`` (code, message)."""

    batch_request_id: str
    batch_result: _ResultBody = Field(default_factory=_ResultBody)

    @property
    def completion(self) -> ChatCompletion | None:
        response = self.batch_result.response
        return response.chat_get_completion if response is not None else None

    @property
    def error(self) -> BatchError | None:
        return self.batch_result.error


class BatchResultPage(WireModel):
    results: list[BatchResult] = Field(default_factory=list)
    pagination_token: str | None = None


# --- answers, paths, checks -------------------------------------------------


def _batch_of(response: httpx.Response) -> Batch:
    return Batch.model_validate_json(response.content)


def _page_of(response: httpx.Response) -> BatchPage:
    return BatchPage.model_validate_json(response.content)


def _results_of(response: httpx.Response) -> BatchResultPage:
    return BatchResultPage.model_validate_json(response.content)


def _nothing(response: httpx.Response) -> None:
    return None


def _id(batch_id: str) -> str:
    return path_id(batch_id, "batch_id", " (batch_...)")


def _poll_deadline(batch_id: str, poll_interval: float, timeout: float | None) -> float | None:
    """When ``wait`` must give up (None: never); the arguments checked before any request."""
    _id(batch_id)
    check_seconds(poll_interval, "poll_interval")
    return None if timeout is None else time.monotonic() + check_seconds(timeout, "timeout")


def _create_body(name: str, input_file_id: str | None) -> dict[str, Any]:
    if not isinstance(name, str):
        raise InvalidRequestError(f"A batch's name must be a string, not {type(name).__name__}.")
    body: dict[str, Any] = {"name": name}
    if input_file_id is not None:
        body["input_file_id"] = path_id(input_file_id, "input_file_id", " (file_...)")
    return body


def _refuse_unbatchable(client: BaseGrokClient, requests: Sequence[dict[str, Any]]) -> None:
    """Refuse requests for a model that takes no batches before any is queued. Only a
    ``False`` refuses here: ``chat_request`` already warned about unknown support."""
    if not client.validate:
        return
    catalog = client.catalog
    for item in requests:
        for body in item["batch_request"].values():
            model = body.get("model") if isinstance(body, dict) else None
            info = catalog.effective_model(model) if isinstance(model, str) else None
            if info is not None and info.batch is False:
                catalog.check_batchable(model)


def _requests_body(requests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if isinstance(requests, (str, bytes, dict)) or not isinstance(requests, Sequence):
        raise InvalidRequestError(
            "requests must be a list of {'batch_request_id': ..., 'batch_request': "
            "{'chat_get_completion': {...}}} (client.batches.chat_request builds one)."
        )
    seen: set[str] = set()
    for i, item in enumerate(requests):
        rid = item.get("batch_request_id") if isinstance(item, dict) else None
        if not isinstance(rid, str) or not rid:
            raise InvalidRequestError(
                f"requests[{i}] needs 'batch_request_id', a non-empty string "
                "(client.batches.chat_request builds a valid request)."
            )
        if rid in seen:
            raise InvalidRequestError(f"requests[{i}]: batch_request_id {rid!r} is used twice.")
        seen.add(rid)
        if not isinstance(item.get("batch_request"), dict) or not item["batch_request"]:
            raise InvalidRequestError(
                f"requests[{i}] needs 'batch_request', e.g. {{'chat_get_completion': {{...}}}}."
            )
    return {"batch_requests": list(requests)}


def _chat_request(
    client: BaseGrokClient,
    batch_request_id: str,
    messages: Messages,
    model: str | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    if not isinstance(batch_request_id, str) or not batch_request_id:
        raise InvalidRequestError(
            f"batch_request_id must be a non-empty string, not {batch_request_id!r}."
        )
    body = client._chat_body(messages, model, params)
    if client.validate:
        client.catalog.check_batchable(body["model"], stacklevel=external_stacklevel())
    return {"batch_request_id": batch_request_id, "batch_request": {"chat_get_completion": body}}


def record_results(
    client: BaseGrokClient, batch_id: str, results: list[BatchResult], source: str
) -> None:
    """Record each successful result's usage once per ledger (``batch=True``).

    The record's ``record_id`` is ``"<batch_id>/<batch_request_id>"``, so the ledger's
    own id check (``merge``, under its lock) skips a result it holds already, however
    often the results are fetched or merged in from a worker.
    """
    catalog = client.catalog
    records = []
    for result in results:
        completion = result.completion
        if completion is None or not completion.usage:
            continue
        key = f"{batch_id}/{result.batch_request_id}"
        record = record_from_usage(
            completion.model,
            completion.usage,
            source=source,
            latency_s=0.0,  # answered server-side, hours apart: no call latency
            request_id=key,
            catalog=catalog,
        )
        cost = record.cost_usd
        if completion.usage.cost_in_usd_ticks is None and cost is not None:
            cost *= 1 - catalog.batch_discount  # catalogue price, less the discount
        records.append(dataclasses.replace(record, cost_usd=cost, batch=True, record_id=key))
    if records:
        client.ledger.merge(records)


def _results_path(batch_id: str, limit: int | None, token: str | None) -> str:
    return list_path(f"{PATH}/{_id(batch_id)}/results", limit, token)


class Batches(SyncResource):
    """``client.batches``: the Batch API."""

    def create(self, name: str, *, input_file_id: str | None = None) -> Batch:
        """A new batch; add requests with ``add_requests`` (or give a JSONL ``input_file_id``).

        Never made twice by a lost answer: if the connection breaks after the create was
        sent, the batches are searched for one of this name that this client was not told
        of, and that one is returned; else ``AnswerLostError``, and the next create of the
        same name looks again before sending."""
        body = _create_body(name, input_file_id)
        memory = self._client._creates
        if name in memory.lost_batches and (found := find_batch(memory, name, self.iter())):
            return found
        try:
            batch = self._send("POST", PATH, _batch_of, body=body)
        except AnswerLostError as lost:
            memory.lose_batch(name)
            if found := find_batch(memory, name, self.iter()):
                return found
            raise not_found(lost, f"batch named {name!r}", "create") from lost
        memory.made(batch.id)
        return batch

    def add_requests(self, batch_id: str, requests: Sequence[dict[str, Any]]) -> None:
        """Queue requests: each ``{"batch_request_id": ..., "batch_request":
        {"chat_get_completion": {...}}}`` (``chat_request`` builds one). A request for a
        model that takes no batches (``ModelNotBatchableError``) queues none of them."""
        path = f"{PATH}/{_id(batch_id)}/requests"
        body = _requests_body(requests)
        _refuse_unbatchable(self._client, requests)
        self._send("POST", path, _nothing, body=body)

    def chat_request(
        self, batch_request_id: str, messages: Messages, *, model: str | None = None, **params: Any
    ) -> dict[str, Any]:
        """One batch request for a chat completion, validated like ``client.chat`` (the
        catalogue's default model when ``model`` is None). Sends nothing. A model that takes
        no batches is refused (``ModelNotBatchableError``, naming the ones that do); one
        whose support is unknown gets a ``BatchSupportUnknownWarning``."""
        return _chat_request(self._client, batch_request_id, messages, model, params)

    def get(self, batch_id: str) -> Batch:
        return self._send("GET", f"{PATH}/{_id(batch_id)}", _batch_of, idempotent=True)

    def list(self, *, limit: int | None = None, pagination_token: str | None = None) -> BatchPage:
        """One page of batches; pass the page's ``pagination_token`` for the next one."""
        path = list_path(PATH, limit, pagination_token)
        return self._send("GET", path, _page_of, idempotent=True)

    def iter(self, *, limit: int | None = None) -> Iterator[Batch]:
        """Every batch, following ``pagination_token`` (``limit``: the page size)."""
        return follow_pages(
            lambda token: self.list(limit=limit, pagination_token=token), lambda p: p.batches
        )

    def cancel(self, batch_id: str) -> Batch:
        """Cancel the requests not yet answered (``POST /v1/batches/{id}:cancel``)."""
        return self._send("POST", f"{PATH}/{_id(batch_id)}:cancel", _batch_of)

    def results(
        self,
        batch_id: str,
        *,
        limit: int | None = None,
        pagination_token: str | None = None,
        source: str = "client",
    ) -> BatchResultPage:
        """One page of answered requests, in the order they were added."""
        path = _results_path(batch_id, limit, pagination_token)
        page = self._send("GET", path, _results_of, idempotent=True)
        record_results(self._client, batch_id, page.results, source)
        return page

    def iter_results(
        self, batch_id: str, *, limit: int | None = None, source: str = "client"
    ) -> Iterator[BatchResult]:
        """Every answered request so far, over all pages."""
        return follow_pages(
            lambda token: self.results(
                batch_id, limit=limit, pagination_token=token, source=source
            ),
            lambda p: p.results,
        )

    def wait(
        self, batch_id: str, *, poll_interval: float = 5.0, timeout: float | None = None
    ) -> Batch:
        """Poll until the batch is completed, cancelled or failed (``APITimeoutError``
        after ``timeout`` seconds, if given)."""
        deadline = _poll_deadline(batch_id, poll_interval, timeout)
        while True:
            batch = self.get(batch_id)
            if batch.status in FINISHED:
                return batch
            if deadline is not None and time.monotonic() + poll_interval > deadline:
                raise APITimeoutError(f"Batch {batch_id} not finished after {timeout:g} s")
            time.sleep(poll_interval)


class AsyncBatches(AsyncResource):
    """``client.batches`` of an ``AsyncGrokClient``: the same, awaited."""

    async def create(self, name: str, *, input_file_id: str | None = None) -> Batch:
        body = _create_body(name, input_file_id)
        memory = self._client._creates
        if name in memory.lost_batches and (
            found := find_batch(memory, name, [b async for b in self.iter()])
        ):
            return found
        try:
            batch = await self._send("POST", PATH, _batch_of, body=body)
        except AnswerLostError as lost:
            memory.lose_batch(name)
            if found := find_batch(memory, name, [b async for b in self.iter()]):
                return found
            raise not_found(lost, f"batch named {name!r}", "create") from lost
        memory.made(batch.id)
        return batch

    async def add_requests(self, batch_id: str, requests: Sequence[dict[str, Any]]) -> None:
        path = f"{PATH}/{_id(batch_id)}/requests"
        body = _requests_body(requests)
        _refuse_unbatchable(self._client, requests)
        await self._send("POST", path, _nothing, body=body)

    def chat_request(
        self, batch_request_id: str, messages: Messages, *, model: str | None = None, **params: Any
    ) -> dict[str, Any]:
        """As ``Batches.chat_request`` (no I/O, so not awaited)."""
        return _chat_request(self._client, batch_request_id, messages, model, params)

    async def get(self, batch_id: str) -> Batch:
        return await self._send("GET", f"{PATH}/{_id(batch_id)}", _batch_of, idempotent=True)

    async def list(
        self, *, limit: int | None = None, pagination_token: str | None = None
    ) -> BatchPage:
        path = list_path(PATH, limit, pagination_token)
        return await self._send("GET", path, _page_of, idempotent=True)

    def iter(self, *, limit: int | None = None) -> AsyncIterator[Batch]:
        return afollow_pages(
            lambda token: self.list(limit=limit, pagination_token=token), lambda p: p.batches
        )

    async def cancel(self, batch_id: str) -> Batch:
        return await self._send("POST", f"{PATH}/{_id(batch_id)}:cancel", _batch_of)

    async def results(
        self,
        batch_id: str,
        *,
        limit: int | None = None,
        pagination_token: str | None = None,
        source: str = "client",
    ) -> BatchResultPage:
        path = _results_path(batch_id, limit, pagination_token)
        page = await self._send("GET", path, _results_of, idempotent=True)
        record_results(self._client, batch_id, page.results, source)
        return page

    def iter_results(
        self, batch_id: str, *, limit: int | None = None, source: str = "client"
    ) -> AsyncIterator[BatchResult]:
        return afollow_pages(
            lambda token: self.results(
                batch_id, limit=limit, pagination_token=token, source=source
            ),
            lambda p: p.results,
        )

    async def wait(
        self, batch_id: str, *, poll_interval: float = 5.0, timeout: float | None = None
    ) -> Batch:
        import asyncio

        deadline = _poll_deadline(batch_id, poll_interval, timeout)
        while True:
            batch = await self.get(batch_id)
            if batch.status in FINISHED:
                return batch
            if deadline is not None and time.monotonic() + poll_interval > deadline:
                raise APITimeoutError(f"Batch {batch_id} not finished after {timeout:g} s")
            await asyncio.sleep(poll_interval)
