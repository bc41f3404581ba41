"""``/v1/responses``: create (plain and streamed), retrieve and delete.

Follows shared/xai-api-2026.md sections 2 and 3: bare-UUID ids with item ids
derived from them, the full echo of request settings, usage where
``output_tokens`` includes reasoning and ``total = input + output``. The answer
itself comes from the same responder as chat, through a chat plan.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..client._tokens import count_prompt_tokens, message_text, split_tokens
from . import _errors as errors
from ._attachment_search import (
    add_attachment_search,
    files_to_search,
    question_of,
    resolve_attachments,
)
from ._code_interpreter import fenced_code, run_code
from ._encode import cost_ticks, fingerprint
from ._errors import EmulatorError
from ._responder import Reply, respond
from ._responder.structured import json_object
from ._responses_request import parse_request
from ._responses_store import ResponsesStore, StoredResponse
from ._responses_stream import FAILED_ERROR, encode_events, stream_events
from ._responses_tools import ToolRun, add_code_run, add_mcp_runs, run_tools
from ._validation import ChatPlan, plan_chat

if TYPE_CHECKING:
    from ._app.pipeline import Call as _Call


def _store(call: _Call) -> ResponsesStore:
    return call.state.responses


def _not_found(response_id: str) -> EmulatorError:
    # The real text is [U]; the code is tonic's NOT_FOUND, as on every xAI 404.
    return EmulatorError(
        404, f"Response with id '{response_id}' not found (or it was not stored).", errors.NOT_FOUND
    )


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def _truncate(text: str, limit: int | None) -> tuple[str, bool]:
    tokens = split_tokens(text)
    if limit is None or len(tokens) <= limit:
        return text, False
    return "".join(tokens[:limit]), True


def _output(rid: str, plan: ChatPlan, reply: Reply, run: ToolRun | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if reply.reasoning:
        items.append(
            {
                "id": f"rs_{rid}",
                "summary": [{"text": reply.reasoning, "type": "summary_text"}],
                "type": "reasoning",
                "status": "completed",
            }
        )
    if run is not None:
        items.extend(run.items)
    for n, call in enumerate(reply.tool_calls):
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{rid}_{n}",  # function-call item ids are [U]
                "call_id": call["id"],
                "name": call["function"]["name"],
                "arguments": call["function"]["arguments"],
                "status": "completed",
            }
        )
    if reply.content or not reply.tool_calls:
        annotations = [{"type": "url_citation", "url": u} for u in (run.urls if run else [])]
        items.append(
            {
                "content": [
                    {
                        "type": "output_text",
                        "text": reply.content,
                        "logprobs": [],
                        "annotations": annotations,
                    }
                ],
                "id": f"msg_{rid}",
                "role": "assistant",
                "type": "message",
                "status": "completed",
            }
        )
    return items


def _answer_after_tools(run: ToolRun, reply: Reply, plan: ChatPlan, prompt: str) -> str:
    """The answer after server-side tools ran: what they found, in the format asked. A
    JSON format is kept ([U]: no recorded response pairs a search with one; the model is
    taken to answer as asked): JSON mode carries what was found, a schema its instance."""
    fmt = (plan.body.get("response_format") or {}).get("type")
    if fmt == "json_schema":
        return reply.content
    if fmt == "json_object":
        return json.dumps(json_object(plan.messages, prompt, run.answer), ensure_ascii=False)
    return run.answer


def _with_encrypted_reasoning(
    items: list[dict[str, Any]], body: dict[str, Any], plan: ChatPlan
) -> list[dict[str, Any]]:
    """Reasoning items carry ``encrypted_content`` when ``include`` asks for it (section 2.1),
    and always on grok-4.7 [V DOCS reasoning]; absent otherwise, as with store:false [V]."""
    include = body.get("include") if isinstance(body.get("include"), list) else []
    if "reasoning.encrypted_content" not in include and not plan.info.id.startswith("grok-4.7"):
        return items
    for item in items:
        if item["type"] == "reasoning":
            # Opaque to clients, as the real blob is; they only pass it back unchanged.
            text = "".join(s["text"] for s in item["summary"])
            item["encrypted_content"] = base64.b64encode(f"emu:{text}".encode()).decode()
    return items


def _cached_tokens(
    store: ResponsesStore, body: dict[str, Any], plan: ChatPlan, history: int
) -> int:
    messages = plan.messages
    same = store.cached_prefix(body.get("prompt_cache_key"), messages)
    # A chained response re-reads its stored context: that prefix is a cache hit.
    chained = history + (1 if body.get("instructions") else 0) if history else 0
    prefix = max(same, chained)
    if prefix == 0:
        return 0
    return min(count_prompt_tokens(messages[:prefix], []), max(plan.prompt_tokens - 1, 0))


def _usage(plan: ChatPlan, reply: Reply, run: ToolRun | None, cached: int) -> dict[str, Any]:
    reasoning = len(reply.reasoning_tokens)
    extra = run.result_tokens if run else 0
    input_tokens = plan.prompt_tokens + extra
    output_tokens = reply.completion_tokens + reasoning
    token_cost = cost_ticks(
        plan.info,
        {
            "prompt_tokens": input_tokens,
            "completion_tokens": reply.completion_tokens,
            "prompt_tokens_details": {
                "cached_tokens": cached,
                "image_tokens": plan.image_tokens,
                "text_tokens": input_tokens - plan.image_tokens,
                "audio_tokens": 0,
            },
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    )
    details = dict(run.details) if run else dict.fromkeys(ToolRun().details, 0)
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output_tokens,  # includes reasoning, unlike chat [V]
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
        "num_sources_used": 0,  # 0 in every real fixture, even with search [V]
        "num_server_side_tools_used": run.sub_tool_calls if run else 0,
        "server_side_tool_usage_details": details,
        "cost_in_usd_ticks": token_cost + (run.cost_ticks if run else 0),
    }


def _echo(body: dict[str, Any], plan: ChatPlan) -> dict[str, Any]:
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    return {
        "max_output_tokens": body.get("max_output_tokens"),
        "model": plan.response_model,
        "object": "response",
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p"),
        "user": body.get("user"),
        "store": body.get("store", True) is not False,
        "metadata": {
            "system_fingerprint": fingerprint(plan.info.id),
            **(body.get("metadata") or {}),
        },
        "background": False,
        # Priority is echoed; its price multiplier is [U], so it is billed as default.
        "service_tier": body.get("service_tier") or "default",
        "truncation": "disabled",
        "top_logprobs": body.get("top_logprobs") or 0,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "prompt_cache_key": body.get("prompt_cache_key"),
        "max_tool_calls": body.get("max_tool_calls"),
        "safety_identifier": body.get("safety_identifier"),
        "instructions": body.get("instructions"),
    }


def _context_after(messages: list[dict[str, Any]], reply: Reply) -> list[dict[str, Any]]:
    """The conversation a later ``previous_response_id`` continues (instructions excluded)."""
    context = (
        [m for m in messages[1:]]
        if messages and messages[0]["role"] == "system"
        else list(messages)
    )
    assistant: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        assistant["tool_calls"] = reply.tool_calls
    return [*context, assistant]


async def create_response(request: Request, body: Any, call: _Call) -> Any:
    store = _store(call)
    history: list[dict[str, Any]] = []
    prev = body.get("previous_response_id") if isinstance(body, dict) else None
    if isinstance(prev, str):
        stored = store.get(prev)
        if stored is None:
            raise _not_found(prev)
        history = stored.context
    req = parse_request(body, history)
    attached = resolve_attachments(body.get("input"), call.state.files)  # input_file parts
    code_tool = any(t["type"] == "code_interpreter" for t in req.server_tools)
    if code_tool and not store.code_execution:
        raise errors.bad_request(
            "Code execution is turned off in this emulator (serve(code_execution='off'))."
        )
    plan = plan_chat(req.chat_body, call.catalog, call.state.get_image, retired=call.state.retired)
    reply = respond(plan)
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
    reply.content, cut = _truncate(reply.content, body.get("max_output_tokens"))
    cut = cut or reply.finish_reason == "length"
    cached = _cached_tokens(store, body, plan, len(history))
    usage = _usage(plan, reply, run, cached)
    call.state.add_tokens(usage["total_tokens"])
    created = int(time.time())
    response = {
        "created_at": created,
        "completed_at": created,
        "id": rid,
        **_echo(body, plan),
        "output": _with_encrypted_reasoning(_output(rid, plan, reply, run), body, plan),
        "usage": usage,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "status": "incomplete" if cut else "completed",
        "error": None,
    }
    failed = bool(body.get("stream")) and getattr(call.fault, "name", None) == "response_failed"
    if not failed:
        # Billed when generated, like a chat answer; a stream that ends in
        # response.failed carries usage null and is not billed [U] (_responses_stream).
        call.state.bill(usage["cost_in_usd_ticks"])
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
        store.put(rid, StoredResponse(kept, _context_after(plan.messages, reply)))
    if body.get("stream"):
        from ._app.wire import EventStream  # late: _app imports this module's routes

        # A comment line: any SSE parser skips it (the keepalive fault).
        events = encode_events(stream_events(response, call.fault))
        return EventStream(events, call.fault, b": keepalive\n\n")
    return JSONResponse(response)


async def get_response(request: Request, body: Any, call: _Call) -> Any:
    response_id = request.path_params["response_id"]
    stored = _store(call).get(response_id)
    if stored is None:
        raise _not_found(response_id)
    return JSONResponse(stored.body)


async def delete_response(request: Request, body: Any, call: _Call) -> Any:
    response_id = request.path_params["response_id"]
    if not _store(call).delete(response_id):
        raise _not_found(response_id)
    # [U] beyond ``deleted: true`` (tryAGI); the rest mirrors OpenAI's delete body.
    return JSONResponse({"id": response_id, "object": "response", "deleted": True})


# (path, handler, methods): _app wraps each handler with the common API path.
ROUTES = [
    ("/v1/responses", create_response, ["POST"]),
    ("/v1/responses/{response_id}", get_response, ["GET"]),
    ("/v1/responses/{response_id}", delete_response, ["DELETE"]),
]
