"""A conversation's context on the server: compaction and a stored response's input items.

``POST /v1/responses/compact`` (xai-api-2026-09.md §2 [DOC]) takes ``{model,
input}`` and answers a ``response.compaction``: its ``output`` (a ``compaction``
item with ``encrypted_content``, maybe with kept messages) replaces the
conversation, so the next turn sends ``[*output, new user message]`` as its
``input`` (``Compaction.next_input``). It is billed by its usage like any call,
so it gets a ledger record. ``GET /v1/responses/{id}/input_items`` lists what a
stored response was given, paged with ``limit``, ``order`` and ``after``; the
page keys (``data``, ``first_id``, ``last_id``, ``has_more``) follow OpenAI's
list layout, which xAI's other Responses routes copy [U].

The typed results, bodies, paths and paging live here; ``client.responses``
(``_responses.py``) sends them.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from pydantic import Field

from ._errors import InvalidRequestError, UnknownParameterWarning
from ._http import httpx
from ._responses_request import check_body, response_record, wire_input
from ._responses_types import (
    CompactionItem,
    FunctionCallItem,
    InputPart,
    OtherItem,
    OutputItem,
    ReasoningItem,
    ResponseUsage,
    ServerToolCall,
    _item_tag,
)
from ._types import WireModel
from ._validation import external_stacklevel

if TYPE_CHECKING:
    from ._base import BaseGrokClient

COMPACT_PATH = "/responses/compact"

# --- compaction ---------------------------------------------------------------


class CompactionUsage(ResponseUsage):
    """Compaction usage: the tokens read and written, and how many messages were dropped."""

    dropped_message_count: int | None = None


class Compaction(WireModel):
    """A ``response.compaction``: send ``output`` (or ``next_input(...)``) as the next input."""

    id: str
    object: str = "response.compaction"
    created_at: int | None = None
    model: str = ""
    output: list[OutputItem] = Field(default_factory=list)  # type: ignore[valid-type]
    usage: CompactionUsage | None = None

    @property
    def compaction(self) -> CompactionItem | None:
        """The ``compaction`` item (the encrypted summary), if the output has one."""
        return next((i for i in self.output if isinstance(i, CompactionItem)), None)

    @property
    def dropped_message_count(self) -> int | None:
        return self.usage.dropped_message_count if self.usage is not None else None

    def next_input(self, *messages: Any) -> list[Any]:
        """``[*output, *messages]``: the next turn's ``input`` (a string is a user message)."""
        tail = [{"role": "user", "content": m} if isinstance(m, str) else m for m in messages]
        return [*self.output, *tail]


def compaction_of(response: httpx.Response) -> Compaction:
    return Compaction.model_validate_json(response.content)


def compact_body(
    client: BaseGrokClient, input: Any, model: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    """``{model, input}`` (and any ``extra`` keys, sent with a warning), checked as
    ``create`` checks its body unless ``client.validate`` is False."""
    extra = {k: v for k, v in extra.items() if v is not None}
    if extra:
        warnings.warn(
            f"compact() documents only model and input; {', '.join(map(repr, sorted(extra)))} "
            "sent as given.",
            UnknownParameterWarning,
            stacklevel=external_stacklevel(),
        )
    body = {"model": model or client.catalog.default_chat_model, "input": wire_input(input)}
    body.update(extra)
    client.catalog.warn_if_retired(body["model"], stacklevel=external_stacklevel())
    if client.validate:
        check_body(body, client.catalog)
    return body


def record_compaction(
    client: BaseGrokClient, body: dict[str, Any], result: Compaction, *, source: str,
    latency_s: float,
) -> None:  # fmt: skip
    """One ledger record, like any call: the server's ticks, else the model's rates."""
    response_record(
        client, result.model or body["model"], result.usage, [], source=source,
        latency_s=latency_s, request_id=result.id,
    )  # fmt: skip


# --- input items ----------------------------------------------------------------


class InputItemMessage(WireModel):
    """A message a stored response was given (its role and parts as sent)."""

    type: Literal["message"] = "message"
    id: str | None = None
    role: str = "user"
    status: str | None = None
    content: str | list[InputPart | dict[str, Any]] = ""


class FunctionCallOutputItem(WireModel):
    type: Literal["function_call_output"] = "function_call_output"
    id: str | None = None
    call_id: str = ""
    output: Any = None
    status: str | None = None


def _input_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if kind is None and isinstance(value, dict) and "role" in value:
        return "message"  # an easy-form message {"role", "content"} has no type
    return "function_call_output" if kind == "function_call_output" else _item_tag(value)


def _input_item() -> Any:
    from typing import Annotated

    from pydantic import Discriminator, Tag

    return Annotated[
        Annotated[InputItemMessage, Tag("message")]
        | Annotated[ReasoningItem, Tag("reasoning")]
        | Annotated[FunctionCallItem, Tag("function_call")]
        | Annotated[FunctionCallOutputItem, Tag("function_call_output")]
        | Annotated[CompactionItem, Tag("compaction")]
        | Annotated[ServerToolCall, Tag("server_tool")]
        | Annotated[OtherItem, Tag("other")],
        Discriminator(_input_tag),
    ]


InputItem = _input_item()


class InputItemsPage(WireModel):
    """One page of ``GET /v1/responses/{id}/input_items``; ask for the next with
    ``after=page.last_id`` while ``has_more`` (``iter_input_items`` does)."""

    object: str = "list"
    data: list[InputItem] = Field(default_factory=list)  # type: ignore[valid-type]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool | None = None


def input_items_of(response: httpx.Response) -> InputItemsPage:
    return InputItemsPage.model_validate_json(response.content)


def input_items_path(
    item_path: str, limit: int | None, order: str | None, after: str | None
) -> str:
    """``<item_path>/input_items`` with its query, checked (nothing is sent for bad paging)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidRequestError(f"limit must be a positive integer, not {limit!r}.")
    for name, value in (("order", order), ("after", after)):
        if value is not None and (not isinstance(value, str) or not value):
            raise InvalidRequestError(f"{name} must be a non-empty string, not {value!r}.")
    query = {k: v for k, v in (("limit", limit), ("order", order), ("after", after)) if v}
    path = f"{item_path}/input_items"
    return f"{path}?{urlencode(query)}" if query else path


def _next_after(page: InputItemsPage, limit: int | None, seen: set[str]) -> str | None:
    """The ``after`` cursor of the next page; None at the end. Without ``has_more`` [U],
    a page shorter than ``limit`` (or an empty one) ends it; a repeated cursor stops a loop."""
    last = page.last_id or next(
        (getattr(i, "id", None) for i in reversed(page.data) if getattr(i, "id", None)), None
    )
    if not page.data or last is None or last in seen or page.has_more is False:
        return None
    if page.has_more is None and limit is not None and len(page.data) < limit:
        return None
    seen.add(last)
    return last


def follow_input_items(
    fetch: Callable[[str | None], InputItemsPage], limit: int | None
) -> Iterator[Any]:
    after: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(after)
        yield from page.data
        if (after := _next_after(page, limit, seen)) is None:
            return


async def afollow_input_items(
    fetch: Callable[[str | None], Awaitable[InputItemsPage]], limit: int | None
) -> AsyncIterator[Any]:
    after: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch(after)
        for item in page.data:
            yield item
        if (after := _next_after(page, limit, seen)) is None:
            return
