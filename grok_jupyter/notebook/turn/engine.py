"""The one turn engine: every front end's turn runs here.

One loop owns what a turn means whatever the API: the kernel tools and the
step limit, Stop and Ctrl-C, committing (a partial answer too, marked, with an
estimated cost), the cost and the conversation, and keeping every API key out of
what it sends (``notebook/secrets.py``). Below it a small per-API round adapter
(``ChatRounds``, ``ResponsesRounds``) sends one request and fills a neutral
``RoundOutcome``. Before the first round of a Responses turn on a conversation,
``compaction.before_turn`` compacts a history that would reach the long-context tier
or 80% of the window; then the window and the cost guard are checked on what will
really be sent. See docs/architecture.md for what is committed when.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from ...client._errors import GrokError, InvalidRequestError, StreamInterruptedError
from ...client._responses_request import chat_usage
from ...client._types import Message
from ..chat_draft import drop_draft, keep_draft
from ..conversation import INTERRUPTED_MARKER
from ..secrets import known_keys, redact, redact_message, redact_messages, warn_key_in_prompt
from ..tools import ToolsInterrupted
from .accounting import add_tools, add_usage, cost_usd, estimate_round
from .chat_rounds import ChatRounds
from .compaction import Compacting, before_turn
from .guard import check_cost, check_window, tier_note, wire_messages
from .responses_rounds import ResponsesRounds, flat_tool
from .routing import choose_api
from .types import (
    RUNNING_TOOLS,
    WAITING,
    CompactionNote,
    RoundOutcome,
    TurnObserver,
    TurnRequest,
    TurnResult,
)

if TYPE_CHECKING:
    from ...client import GrokClient
    from ..conversation import Conversation
    from ..tools import KernelTools, ToolResult


def _rounds(
    client: GrokClient, request: TurnRequest, conversation: Conversation | None, api: str
) -> ChatRounds | ResponsesRounds:
    if api == "chat":
        if conversation is not None:
            history = conversation.request_messages(request.system)
        else:
            history = [Message.system(request.system)] if request.system else []
        conv_id = conversation.conv_id if conversation is not None else None
        return ChatRounds(client, request, history, conv_id)
    instructions = request.system
    if instructions is None and conversation is not None:
        instructions = conversation.system
    return ResponsesRounds(client, request, conversation, instructions)


def _redact_what_is_sent(rounds: ChatRounds | ResponsesRounds, keys: list[str]) -> bool:
    """Every known API key out of the history and system prompt a round resends; True if
    one was there (a conversation from before keys were redacted, or a new key)."""
    rounds.history, held = redact_messages(rounds.history, keys)  # chat's system is in it
    if isinstance(rounds, ResponsesRounds) and rounds.instructions:
        clean = redact(rounds.instructions, keys)
        held = held or clean != rounds.instructions
        rounds.instructions = clean
    return held


def _tool_messages(tools: KernelTools, results: list[ToolResult]) -> list[Message]:
    """The tool results as messages, keys redacted (a kernel function may return one)."""
    messages, held = redact_messages(tools.messages(results))
    if held:
        warn_key_in_prompt("A tool's output")
    return messages


def run_turn(
    request: TurnRequest,
    *,
    client: GrokClient,
    conversation: Conversation | None = None,
    observer: TurnObserver | None = None,
    cancel: threading.Event | None = None,
) -> TurnResult:
    """Take one turn and commit it to ``conversation`` (when given).

    ``cancel``: setting it stops a streamed turn (a ``StopSignal`` also closes the
    connection at once); what had arrived is committed marked ``INTERRUPTED_MARKER``
    and counted (the server's usage, else an estimate: ``usage_estimated``).
    Ctrl-C does the same and re-raises. A failed request commits nothing, so the
    turn can be retried as it was; an invalid one raises before anything is sent.
    Every API key the process knows is replaced in the prompt, the history, the
    system prompt and kernel tool outputs before sending (``KeyInPromptWarning``),
    and the turn is committed so redacted.
    """
    observer = observer or TurnObserver()
    api = choose_api(request, client.catalog, conversation)
    started = time.perf_counter()
    compacting = Compacting()
    if api == "responses" and conversation is not None:
        kernel_tools = request.tools.tools if request.tools is not None else []
        specs = [*request.server_tools, *(flat_tool(t) for t in kernel_tools)]
        compacting = before_turn(client, request, conversation, specs, observer)
    rounds = _rounds(client, request, conversation, api)
    keys = known_keys()  # read once for the whole request
    held_key = _redact_what_is_sent(rounds, keys)
    user = redact_message(request.user, keys)
    if held_key or user is not request.user:
        warn_key_in_prompt()
    tools = request.tools
    # Before anything is sent: a prompt over the window, then one over the cost guard's
    # threshold, raise here (InvalidRequestError, CostGuardError).
    # The context goes to wire form once; the first round sends this same context, so it
    # is not checked again there. The guard counts tokens the compaction check kept.
    context = rounds.context([user])
    wire = wire_messages(context)
    check_window(client, request, context, rounds.tool_specs, wire=wire)
    rounds.fits_checked = True
    estimate = check_cost(request, context, rounds.tool_specs, client.catalog,
                          conversation=conversation)
    # The model named in the footer even when the server never said (a stream cut early).
    result = TurnResult(model=request.model or client.catalog.default_chat_model,
                        api=rounds.api, compaction=compacting.note,
                        cost_usd=compacting.cost_usd)  # fmt: skip
    if estimate is not None:
        result.estimate_usd = estimate.usd
        note = tier_note(estimate)
        if note:
            result.notices.append(note)
    # Committed as sent: the conversation (and so the panel, the chat files and a later
    # turn's history) never holds a key the prompt had.
    pending: list[Message] = [user]

    def commit(final: Message | None) -> None:
        if final is not None:
            pending.append(final)
        if conversation is not None:
            if result.model:
                conversation.model = result.model
            drop_draft(conversation, save=False)  # the append below saves the turn itself
            conversation.append(*pending)

    def take(outcome: RoundOutcome, sent: list[Message], *, estimate: bool) -> None:
        """Add a round's text, usage and cost (estimated when the server sent none)."""
        result.text += outcome.text
        result.reasoning += outcome.reasoning
        result.citations.extend(outcome.citations)
        result.model = outcome.model or result.model
        if outcome.first_token_at is not None and result.ttft_s is None:
            result.ttft_s = outcome.first_token_at - started
        usage = outcome.usage
        if usage is None and estimate:
            usage = estimate_round(sent, rounds.tool_specs, outcome.text, outcome.reasoning)
            result.usage_estimated = True
        result.usage = add_usage(result.usage, usage)
        result.cost_usd += cost_usd(result.model, usage, request.params.get("service_tier"))
        if outcome.tool_counts:
            add_tools(result, outcome.tool_counts, usage, client.catalog)
        if compacting.savings is not None:
            compacting.savings.add(result.model, usage)

    def cut_short(outcome: RoundOutcome, sent: list[Message]) -> None:
        take(outcome, sent, estimate=True)
        result.interrupted = True
        commit(Message.assistant(outcome.text + INTERRUPTED_MARKER))

    def finish() -> None:
        result.latency_s = time.perf_counter() - started
        result.notices.extend(getattr(rounds, "notices", ()))  # files uploaded again or gone
        refused = getattr(rounds, "refused", None)
        if refused is not None:  # the compaction's items were refused: the full history went
            compacting.savings = None
            note = compacting.note
            result.compaction = CompactionNote(
                note.tokens_before if note else 0, note.tokens_after if note else 0,
                note.model if note else (result.model or ""), cost_usd=compacting.cost_usd,
                failed=f"the API refused the compacted history ({refused}); this turn sent "
                "the full history, and the next compacts it again if it must",
            )  # fmt: skip
        else:
            result.compaction = compacting.saved()
        if conversation is not None:
            drop_draft(conversation)  # a turn that failed commits nothing, nor keeps a draft
            conversation.add_cost(result.cost_usd)
            conversation.end_turn(result)  # the turn's usage, model and citations, kept

    limit = max(1, request.max_steps)
    step = 0
    while True:
        step += 1
        result.steps = step
        answer_round = step > limit  # the step limit was reached: tools off, answer now
        observer.on_status(WAITING)
        outcome = RoundOutcome()
        sent = rounds.context(pending)
        try:
            rounds.run(outcome, pending, answer_round=answer_round, observer=observer,
                       cancel=cancel)
        except KeyboardInterrupt:
            cut_short(outcome, sent)
            finish()
            raise
        except StreamInterruptedError as exc:
            result.error = exc
            partial = exc.partial
            if outcome.usage is None and getattr(partial, "usage", None) is not None:
                usage = partial.usage
                outcome.usage = usage if rounds.api == "chat" else chat_usage(usage)
            outcome.model = outcome.model or getattr(partial, "model", None) or None
            cut_short(outcome, sent)
            break
        except InvalidRequestError:
            if conversation is not None:
                drop_draft(conversation)
                conversation.add_cost(compacting.cost_usd)  # the compaction was made and billed
            raise
        except GrokError as exc:
            result.error = exc  # nothing committed: the turn can be retried as it was
            result.text += outcome.text  # shown, not committed
            break
        observer.on_step(outcome)
        if outcome.stopped:
            cut_short(outcome, sent)
            break
        take(outcome, sent, estimate=False)
        calls = outcome.tool_calls
        if calls and tools is not None and not answer_round:
            pending.append(Message.assistant(outcome.text, tool_calls=calls,
                                             reasoning_content=outcome.reasoning or None))
            if conversation is not None:  # a kernel dying in a step keeps the turn so far
                keep_draft(conversation, pending, result.cost_usd)
            for call in calls:
                observer.on_tool_call(call)
            observer.on_status(RUNNING_TOOLS)
            try:
                results = tools.run(calls)
            except ToolsInterrupted as stop:
                # Every call gets an answer (finished, or marked interrupted), so the
                # conversation stays one the API accepts.
                for tool_result in stop.results:
                    observer.on_tool_result(tool_result)
                result.tool_results.extend(stop.results)
                pending.extend(_tool_messages(tools, stop.results))
                result.interrupted = True
                commit(Message.assistant(outcome.text + INTERRUPTED_MARKER))
                finish()
                raise
            for tool_result in results:
                observer.on_tool_result(tool_result)
            result.tool_results.extend(results)
            pending.extend(_tool_messages(tools, results))
            if conversation is not None:
                keep_draft(conversation, pending, result.cost_usd)
            if step >= limit:
                result.step_limit_reached = True
            continue
        result.cut = outcome.cut
        result.response_id = outcome.response_id
        # In the answer round a model that still asks for tools gets none run: text only.
        kept_calls = None if answer_round else (calls or None)
        commit(Message.assistant(outcome.text, tool_calls=kept_calls,
                                 reasoning_content=outcome.reasoning or None))
        if conversation is not None and rounds.api == "responses" and outcome.response_id:
            conversation.response_id = outcome.response_id
            conversation.response_turns = len(conversation)
        break

    finish()
    return result

