"""Answer a ``POST /v1/responses`` request: the response object, stored and billed.

The answer comes from the same responder as chat, through a chat plan
(``_responses_request``); the server-side tools run for real (``_responses_tools``,
``_attachment_search``); the body is put together in ``_responses_body``. The HTTP
layer (``_app/responses.py``) sends it whole or as a stream (``_responses_stream``).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ..client._catalog import Catalog
from ..client._tokens import message_text, split_tokens
from . import _errors as errors
from ._attachment_search import add_attachment_search, files_to_search, question_of
from ._code_interpreter import fenced_code, run_code
from ._compaction import open_sealed
from ._errors import EmulatorError
from ._faults import Fault
from ._file_inputs import attached_parts, resolve_attachments
from ._input_items import input_items
from ._responder import Reply
from ._responder.structured import json_object
from ._responses_body import (
    cached_tokens,
    context_after,
    echo,
    output_items,
    usage,
    with_encrypted_reasoning,
)
from ._responses_request import parse_request
from ._responses_store import StoredResponse
from ._responses_stream import FAILED_ERROR
from ._responses_tools import ToolRun, add_code_run, add_mcp_runs, run_tools
from ._script import reply_for
from ._state import EmulatorState
from ._validation import answering_model, plan_chat


@dataclass
class Answered:
    """A generated response and what the HTTP layer needs to send it."""

    response: dict[str, Any]
    model_id: str  # the answering model (its speed profile)
    output_tokens: int


def not_found(response_id: str) -> EmulatorError:
    # The real text is [U]; the code is tonic's NOT_FOUND, as on every xAI 404.
    return EmulatorError(
        404, f"Response with id '{response_id}' not found (or it was not stored).", errors.NOT_FOUND
    )


def chain_of(state: EmulatorState, body: Any) -> StoredResponse | None:
    """The stored response ``previous_response_id`` continues (None without one)."""
    prev = body.get("previous_response_id") if isinstance(body, dict) else None
    if not isinstance(prev, str):
        return None
    stored = state.responses.get(prev)
    if stored is None:
        raise not_found(prev)
    return stored


def history_of(state: EmulatorState, body: Any) -> list[dict[str, Any]]:
    """The stored conversation ``previous_response_id`` continues ([] without one)."""
    stored = chain_of(state, body)
    return stored.context if stored is not None else []


def compaction_opener(state: EmulatorState, catalog: Catalog, body: dict[str, Any]) -> Any:
    """Reads a compaction item for the model that answers ``body`` (made for it, or 400)."""

    def open_compaction(blob: Any) -> list[dict[str, Any]]:
        info, _ = answering_model(catalog, body.get("model"), state.retired)
        return open_sealed(state.compaction_secret, info.id, blob)

    return open_compaction


def _items(items: Any) -> list[Any]:
    return items if isinstance(items, list) else []  # a plain string input holds no file


def _truncate(text: str, limit: int | None) -> tuple[str, bool]:
    tokens = split_tokens(text)
    if limit is None or len(tokens) <= limit:
        return text, False
    return "".join(tokens[:limit]), True


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def _answer_after_tools(run: ToolRun, reply: Reply, plan: Any, prompt: str) -> str:
    """The answer after server-side tools ran: what they found, in the format asked. A
    JSON format is kept ([U]: no recorded response pairs a search with one; the model is
    taken to answer as asked): JSON mode carries what was found, a schema its instance."""
    fmt = (plan.body.get("response_format") or {}).get("type")
    if fmt == "json_schema":
        return reply.content
    if fmt == "json_object":
        return json.dumps(json_object(plan.messages, prompt, run.answer), ensure_ascii=False)
    return run.answer


async def answer_request(
    body: Any, state: EmulatorState, catalog: Catalog, fault: Fault | None
) -> Answered:
    """Check ``body``, answer it, bill it and store it (unless ``store: false``)."""
    store = state.responses
    chain = chain_of(state, body)
    history = chain.context if chain is not None else []
    req = parse_request(body, history, compaction_opener(state, catalog, body))
    # The files the stored chain holds come first, as a resent history's would: a chained
    # follow-up about them searches them too. A file deleted (or expired) since is a 404,
    # as for one resent [U: xAI does not say whether a stored chain keeps a deleted file].
    chained = list(chain.files) if chain is not None else []
    attached = await resolve_attachments(
        [{"role": "user", "content": chained}, *_items(body.get("input"))], state.files
    )
    code_tool = any(t["type"] == "code_interpreter" for t in req.server_tools)
    if code_tool and not store.code_execution:
        raise errors.bad_request(
            "Code execution is turned off in this emulator (serve(code_execution='off'))."
        )
    plan = plan_chat(
        req.chat_body, catalog, state.get_image, retired=state.retired, api="responses"
    )
    reply = reply_for(plan, state)
    effort = req.chat_body.get("reasoning_effort")
    if effort == "none" or not plan.info.reasoning:
        reply.reasoning = ""
    rid = str(uuid.uuid4())
    run: ToolRun | None = None
    after_tools = plan.messages[-1]["role"] == "tool"
    prompt = _last_user_text(req.new_messages)
    if req.server_tools and not reply.tool_calls and not after_tools:
        if body.get("tool_choice") != "none":
            run = run_tools(req.server_tools, prompt, store.corpus, rid)
            code = fenced_code(prompt) if code_tool else None
            if code is not None:
                add_code_run(run, code, await run_code(code), rid)
            await add_mcp_runs(run, req.server_tools, prompt, rid)  # async: never blocks the loop
            if run.items:
                reply.content = _answer_after_tools(run, reply, plan, prompt)
            else:
                run = None  # nothing to run: the model answers by itself
    if attached and not reply.tool_calls and not after_tools:
        # attachment_search, implicit with input_file (section 5): answer from the files
        # this turn is about; a prompt unrelated to them is answered as it stands.
        question = question_of(prompt)
        searched = files_to_search(body.get("input"), attached, question)
        if searched:
            run = add_attachment_search(run, searched, question, rid)
            reply.content = run.answer if run is not None else reply.content
    if getattr(fault, "name", None) == "empty_answer" and not reply.tool_calls:
        reply.content = ""  # what a test asked for: an answer with no text
    # max_output_tokens caps the visible answer, not the reasoning before it [REC 17936:
    # a limit of 16 gave 199 output tokens, 198 of them reasoning, status "completed"].
    reply.content, cut = _truncate(reply.content, body.get("max_output_tokens"))
    cut = cut or reply.finish_reason == "length"
    cached = cached_tokens(store, body, plan, len(history))
    billed = usage(plan, reply, run, cached)
    state.add_tokens(billed["total_tokens"])
    created = int(time.time())
    response = {
        "created_at": created,
        "completed_at": created,
        "id": rid,
        **echo(body, plan),
        "output": with_encrypted_reasoning(output_items(rid, reply, run), body, plan),
        "usage": billed,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "status": "incomplete" if cut else "completed",
        "error": None,
    }
    failed = bool(body.get("stream")) and getattr(fault, "name", None) == "response_failed"
    if not failed:
        # Billed when generated, like a chat answer; a stream that ends in
        # response.failed carries usage null and is not billed [U] (_responses_stream).
        state.bill(billed["cost_in_usd_ticks"])
    if response["store"]:
        # A failed stream is stored as what the client saw: status failed, no output.
        kept = (
            response
            if not failed
            else {
                **response,
                "status": "failed",
                "output": [],
                "usage": None,
                "error": dict(FAILED_ERROR),
            }
        )
        context = context_after(plan.messages, reply)
        files = chained + attached_parts(body["input"])
        store.put(rid, StoredResponse(kept, context, input_items(body["input"]), files))
    return Answered(response, plan.info.id, billed["output_tokens"])
