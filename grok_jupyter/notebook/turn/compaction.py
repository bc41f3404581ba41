"""Compacting a long conversation before a turn, and by hand.

Before each Responses turn of a conversation the engine asks ``before_turn``: would
the next request's prompt (the system prompt, the history as it would be sent, the
new message and the tools, counted with the shared tokenizer) reach the threshold?
The threshold is the model's long-context tier start (where every token of the
request costs more, 200,000 on the 2026 models) or 80% of its context window,
whichever is lower. If so, the history goes to ``POST /v1/responses/compact``
(``client.responses.compact``) and the conversation keeps the result
(``CompactionRecord``): from then on a turn sends its items in place of the
compacted messages (``responses_rounds.py``); the messages stay for display and export.

A compaction that fails (any ``GrokError``) leaves the history as it was: the turn
goes on uncompacted and its ``TurnResult.compaction`` says why, once. A compaction
made for another model is set aside (the API refuses it) before the turn is sent.
``compact_conversation`` is the same call by hand (``%grok compact``, the panel's
Compact button).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...client._base import CONV_ID_HEADER
from ...client._errors import GrokError, InvalidRequestError
from ...client._estimate import estimate_cost
from ...client._responses_request import chat_usage
from ...client._tokens import count_prompt_tokens
from ...client._types import Message
from ..chat_compaction import CompactionRecord
from .accounting import cost_usd
from .responses_rounds import input_items
from .token_counts import count_messages
from .types import CompactionNote

if TYPE_CHECKING:
    from ...client import GrokClient
    from ...client._catalog import Catalog
    from ...client._types import Usage
    from ..conversation import Conversation
    from .types import TurnObserver, TurnRequest

WINDOW_SHARE = 0.8  # compact before a prompt fills 80% of the context window
COMPACTING = "compacting the conversation…"


def answering_model(catalog: Catalog, model: str | None) -> str:
    """The catalogue id that answers ``model`` (an alias's or a retired id's target): a
    compaction made for it is accepted under any of its names."""
    name = model or catalog.default_chat_model
    info = catalog.price_model(name)
    return info.id if info is not None else name


def threshold(catalog: Catalog, model: str | None) -> int | None:
    """Prompt tokens from which a turn compacts first: the long-context tier start or 80%
    of the context window, whichever is lower; None when the catalogue knows neither."""
    info = catalog.price_model(model or catalog.default_chat_model)
    if info is None:
        return None
    limits = []
    if info.price_per_million.long_context_threshold:
        limits.append(info.price_per_million.long_context_threshold)
    if info.context_window:
        limits.append(int(info.context_window * WINDOW_SHARE))
    return min(limits) if limits else None


def history_tokens(conversation: Conversation) -> int:
    """The history's prompt tokens as the next request carries it (compacted or not);
    each message is counted once and kept with the conversation (``token_counts``)."""
    messages = conversation.messages
    record = conversation.compaction
    if record is None:
        return count_messages(messages, conversation)
    return record.tokens_after + count_messages(messages[record.upto:], conversation)


@dataclass
class TurnSavings:
    """What the turn's rounds would have cost with the uncompacted history (``before``
    tokens where the compaction counts ``after``). The first round would have continued
    the stored chain when there was one (``chained``), reading the whole history from
    the cache; later rounds of a turn chain either way, the compacted history cached."""

    model: str
    before: int
    after: int
    chained: bool
    service_tier: str | None = None
    without_usd: float = 0.0  # the rounds at the uncompacted history's size
    with_usd: float = 0.0  # the same rounds as sent
    rounds: int = 0

    def add(self, model: str | None, usage: Usage | None) -> None:
        if usage is None:
            return
        prompt = usage.prompt_tokens + self.before - self.after
        if self.rounds:
            cached = usage.cached + self.before - self.after
        else:
            cached = usage.cached + (self.before if self.chained else 0)
        estimate = estimate_cost(
            model or self.model,
            prompt_tokens=prompt,
            cached_tokens=min(cached, prompt),
            image_tokens=usage.image,
            output_tokens=usage.completion_tokens + usage.reasoning,
            service_tier=self.service_tier,
        )
        self.rounds += 1
        self.without_usd += estimate.usd or 0.0
        self.with_usd += cost_usd(model or self.model, usage, self.service_tier)


@dataclass
class Compacting:
    """What ``before_turn`` did for a turn: the note to show, and the cost to add."""

    note: CompactionNote | None = None
    cost_usd: float = 0.0
    savings: TurnSavings | None = None  # set when a compaction was made for this turn

    def saved(self) -> CompactionNote | None:
        """The note with this turn's net saving, once its rounds are counted."""
        note, savings = self.note, self.savings
        if note is None or savings is None or not savings.rounds or note.failed:
            return note
        saved = savings.without_usd - savings.with_usd - note.cost_usd
        return replace(note, saved_usd=saved)


def before_turn(
    client: GrokClient,
    request: TurnRequest,
    conversation: Conversation,
    tools: list[Any],
    observer: TurnObserver,
) -> Compacting:
    """Set aside a compaction made for another model, then compact the history if the
    next prompt would reach the threshold. Never raises for a failed compaction."""
    catalog = client.catalog
    model = answering_model(catalog, request.model)
    out = Compacting()
    record = conversation.compaction
    if record is not None and answering_model(catalog, record.model) != model:
        conversation.drop_compaction(f"made for {record.model}, not {model}")
        out.note = CompactionNote(
            record.tokens_before, record.tokens_after, record.model,
            failed=f"the compaction made for {record.model} was set aside: {model} refuses "
            "it, so this turn sends the full history",
        )  # fmt: skip
    if not request.auto_compact or not _uncompacted(conversation):
        return out  # nothing a compaction could take (a first turn): nothing to count
    limit = threshold(catalog, model)
    if limit is None:
        return out
    system = request.system if request.system is not None else conversation.system
    before = history_tokens(conversation)
    new = [Message.system(system)] if system else []
    prompt = before + count_messages([*new, request.user], conversation)
    if tools:
        prompt += count_prompt_tokens([], tools)
    if prompt < limit:
        return out
    info = catalog.price_model(model)
    if info is not None and info.context_window and before > info.context_window:
        # The compaction request itself carries the whole history: past the window it would
        # be refused, so nothing is sent and the window check says to start afresh.
        return out
    chained = bool(conversation.response_id) and conversation.response_turns == len(conversation)
    made = _compact(client, conversation, model, source=request.source, automatic=True,
                    observer=observer)  # fmt: skip
    if made.failed is not None:
        out.note = made
        return out
    out.note = made
    out.cost_usd = made.cost_usd
    out.savings = TurnSavings(model, made.tokens_before, made.tokens_after, chained,
                              request.params.get("service_tier"))  # fmt: skip
    return out


def compact_conversation(
    client: GrokClient,
    conversation: Conversation,
    *,
    model: str | None = None,
    source: str = "magic",
) -> CompactionNote:
    """Compact ``conversation`` now, whatever its size (``%grok compact``, the panel's
    Compact). ``model``: the one the next turns use (default: the conversation's last).
    Raises ``InvalidRequestError`` when there is nothing to compact; a failed call is
    returned as a note with ``failed`` set, and the history is left as it was."""
    chosen = answering_model(client.catalog, model or conversation.model)
    record = conversation.compaction
    if record is not None and answering_model(client.catalog, record.model) != chosen:
        conversation.drop_compaction(f"made for {record.model}, not {chosen}")
    if not _uncompacted(conversation):
        what = "no turns yet" if not len(conversation) else "no turn since the last compaction"
        raise InvalidRequestError(
            f"conversation {conversation.name!r} has {what}: there is nothing to compact."
        )
    note = _compact(client, conversation, chosen, source=source, automatic=False)
    if note.failed is None:
        conversation.add_cost(note.cost_usd)  # a turn adds its own; this one is on its own
    return note


def _uncompacted(conversation: Conversation) -> bool:
    """Whether a full turn lies after what is already compacted."""
    record = conversation.compaction
    after = conversation.messages[record.upto if record is not None else 0:]
    return any(m.role == "assistant" for m in after)


def _compact(
    client: GrokClient,
    conversation: Conversation,
    model: str,
    *,
    source: str,
    automatic: bool,
    observer: TurnObserver | None = None,
) -> CompactionNote:
    """One compaction call over the history as it would be sent; kept on success."""
    messages = conversation.messages
    record = conversation.compaction
    upto = len(messages)
    earlier = list(record.items or ()) if record is not None else []
    start = record.upto if record is not None else 0
    before = history_tokens(conversation)
    if observer is not None:
        observer.on_status(f"{COMPACTING} ({before:,} tokens of history)")
    try:
        # The conversation's cache key, as its turns send it (``prompt_cache_key``): the
        # history it reads is the prefix the last turn sent.
        result = client.responses.compact(
            [*earlier, *input_items(messages[start:])], model=model, source=source,
            headers={CONV_ID_HEADER: conversation.conv_id},
        )
    except GrokError as exc:
        return _failed(before, model, automatic, " ".join(
            str(getattr(exc, "message", None) or exc).split()))  # fmt: skip
    items = [item.model_dump(mode="json", exclude_none=True) for item in result.output]
    if not items:  # nothing to send in place of the history: keep the history
        return _failed(before, model, automatic, "the API returned no items")
    usage = result.usage
    if usage is not None and usage.input_tokens:
        before = usage.input_tokens  # the server's count of what it read
    after = usage.output_tokens if usage is not None else 0
    cost = cost_usd(result.model or model, chat_usage(usage)) if usage is not None else 0.0
    conversation.add_compaction(
        CompactionRecord(
            upto=upto, tokens_before=before, tokens_after=after, model=model,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"), items=items,
            cost_usd=cost, automatic=automatic,
        )
    )  # fmt: skip
    return CompactionNote(before, after, model, cost_usd=cost, automatic=automatic)


def _failed(tokens: int, model: str, automatic: bool, reason: str) -> CompactionNote:
    return CompactionNote(
        tokens, tokens, model, automatic=automatic,
        failed=f"compaction failed ({reason}); the history is kept as it was, uncompacted",
    )  # fmt: skip
