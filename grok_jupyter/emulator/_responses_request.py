"""Check a ``POST /v1/responses`` body and turn it into the chat request the responder plans.

The Responses fields (shared/xai-api-2026.md section 2.1) map onto chat ones:
``instructions`` -> a system message, ``input`` items -> messages, flat function
tools -> chat tools, ``reasoning.effort`` -> ``reasoning_effort``,
``text.format`` -> ``response_format``, ``max_output_tokens`` -> ``max_tokens``.
Server-side tools (section 3.1) are kept apart: the emulator runs them itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._errors import bad_request, unprocessable
from ._search_corpus import parse_date

SERVER_SIDE_TOOLS = frozenset(
    {
        "web_search",
        "x_search",
        "code_interpreter",
        "code_execution",
        "file_search",
        "mcp",
        "image_generation",
        "view_image",
        "view_x_video",
        "collections_search",
        "attachment_search",
    }
)
# Server-side tool items of an earlier output, as clients send them back (section 3.2).
REPLAYED_TOOL_ITEMS = frozenset(
    {
        "web_search_call",
        "x_search_call",
        "custom_tool_call",
        "code_interpreter_call",
        "code_execution_call",
        "file_search_call",
        "mcp_call",
        "mcp_list_tools",
        "image_generation_call",
        "view_image_call",
        "view_x_video_call",
    }
)
# Tools this emulator runs; the others are refused rather than faked.
RUNNABLE_TOOLS = frozenset({"web_search", "x_search", "code_interpreter", "mcp"})


def refuse_server_side_tools_on_chat(tools: Any) -> None:
    """Chat Completions takes function tools only (section 3; the real text is [U])."""
    for tool in tools if isinstance(tools, list) else []:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind in SERVER_SIDE_TOOLS:
            raise bad_request(
                f"Invalid request content: the tool type '{kind}' is a server-side tool, "
                "available only on the Responses API (POST /v1/responses). "
                "Chat completions support function tools only."
            )


@dataclass
class ResponsesRequest:
    body: dict[str, Any]
    chat_body: dict[str, Any]  # what plan_chat checks and the responder answers
    new_messages: list[dict[str, Any]]  # this request's input, as chat messages
    server_tools: list[dict[str, Any]] = field(default_factory=list)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict))


def _content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise bad_request("A message's content must be a string or a list of content parts.")
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text")})
        elif kind == "input_image":
            url = part.get("image_url")
            if not isinstance(url, str):
                raise bad_request("An input_image part needs image_url, a URL or data URL string.")
            image: dict[str, Any] = {"url": url}
            if part.get("detail"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file":
            name = part.get("file_id") or part.get("file_url") or part.get("filename") or "file"
            parts.append({"type": "text", "text": f"[attached file {name}]"})
        else:
            raise bad_request(
                f"Unknown content part type {kind!r}; use input_text, input_image or input_file."
            )
    return parts


# A compaction item's encrypted_content -> the messages it carries (``_compaction``).
OpenCompaction = Callable[[Any], list[dict[str, Any]]]


def _no_compaction(blob: Any) -> list[dict[str, Any]]:
    raise bad_request("compaction items are accepted only as input of POST /v1/responses.")


def input_messages(
    items: Any, open_compaction: OpenCompaction = _no_compaction
) -> list[dict[str, Any]]:
    """``input`` (a string or items, section 2.2) as chat messages; a ``compaction`` item
    (2026-09 reference, section 2) is replaced by the conversation it carries."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    if not isinstance(items, list) or not items:
        raise bad_request("input must be a non-empty string or a non-empty list of items.")
    messages: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            raise bad_request("Each input item must be an object.")
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", "system", "developer"):
                raise bad_request(f"Unknown input message role {role!r}.")
            content = _content(item.get("content"))
            if role == "assistant":
                content = _text_of(item.get("content"))
            messages.append({"role": role, "content": content})
        elif kind == "function_call":
            arguments = item.get("arguments", "")
            call = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": arguments},
            }
            last = messages[-1] if messages else None
            if last and last["role"] == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _text_of(output)
            messages.append(
                {"role": "tool", "tool_call_id": item.get("call_id"), "content": text or "(empty)"}
            )
        elif kind == "compaction":
            messages.extend(open_compaction(item.get("encrypted_content")))
        elif kind == "reasoning":
            continue  # replayed reasoning carries no new content for the emulator
        elif kind in REPLAYED_TOOL_ITEMS:
            # Clients replay a turn's whole output as the next input (langchain-openai,
            # hence ChatXAI, does; so does ``input += response.output`` with the openai SDK).
            # Whether api.x.ai accepts these items is [U]; refusing them would invent an
            # error, and the answer text they led to is replayed beside them.
            continue
        else:
            raise bad_request(f"Unknown input item type {kind!r}.")
    return messages


def _check_server_tool(tool: dict[str, Any]) -> None:
    kind = tool["type"]
    if kind not in RUNNABLE_TOOLS:
        raise bad_request(
            f"The emulator does not run the server-side tool '{kind}' yet; "
            "it runs web_search, x_search, code_interpreter and mcp."
        )
    try:
        start = parse_date(tool["from_date"], "from_date") if tool.get("from_date") else None
        end = parse_date(tool["to_date"], "to_date") if tool.get("to_date") else None
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    if start and end and start > end:
        raise bad_request(f"from_date {start} is after to_date {end}.")
    for key in ("allowed_domains", "excluded_domains", "allowed_x_handles", "excluded_x_handles"):
        value = tool.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise bad_request(f"{kind}.{key} must be a list of strings.")


def _with_filters(tool: dict[str, Any]) -> dict[str, Any]:
    """web_search domain lists, top-level or nested in ``filters``.

    Section 3.1 has them top-level [V VER, 2026-08]. hermes-agent#27023 (2026-05) calls
    ``filters.allowed_domains`` / ``filters.excluded_domains`` the current xAI shape, and
    OpenAI's web_search (what langchain-openai users write) nests them so too. The newer
    source wins where both are given; the nested form is read rather than ignored [U].
    """
    filters = tool.get("filters")
    if tool.get("type") != "web_search" or not isinstance(filters, dict):
        return tool
    nested = {k: filters[k] for k in ("allowed_domains", "excluded_domains") if k in filters}
    return {**nested, **tool}


def _tools(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tools = body.get("tools") or []
    if not isinstance(tools, list) or len(tools) > 128:
        raise bad_request("tools must be a list of at most 128 tools.")
    functions, server = [], []
    for tool in tools:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind == "function":
            name = tool.get("name")
            if not isinstance(name, str) or not name:
                raise bad_request("Each function tool needs a name (the flat Responses shape).")
            fn = {"name": name, "parameters": tool.get("parameters") or {}}
            if tool.get("description"):
                fn["description"] = tool["description"]
            functions.append({"type": "function", "function": fn})
        elif kind in SERVER_SIDE_TOOLS:
            tool = _with_filters(tool)
            _check_server_tool(tool)
            server.append(tool)
        else:
            raise bad_request(f"Unknown tool type {kind!r}.")
    return functions, server


def _tool_choice(choice: Any, has_tools: bool) -> Any:
    if choice is None:
        return None
    if not has_tools:
        # [V] hermes-agent#20590; the suffix after "no" is [U].
        raise bad_request(
            "Invalid request content: A tool_choice was set on the request but no tools "
            "were specified"
        )
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind in SERVER_SIDE_TOOLS:
            # [V VER] xAI cannot force a server-side tool; refusing (not ignoring) is [U].
            raise bad_request(
                f"Invalid request content: tool_choice cannot force the server-side tool "
                f'\'{kind}\'. Use tool_choice "auto" or "required", or name a function tool.'
            )
        if kind == "function" and isinstance(choice.get("name"), str):
            return {"type": "function", "function": {"name": choice["name"]}}
        raise bad_request('tool_choice must be "auto", "none", "required" or a function.')
    if choice not in ("auto", "none", "required"):
        raise bad_request('tool_choice must be "auto", "none", "required" or a function.')
    return choice


def _response_format(text: Any) -> dict[str, Any] | None:
    fmt = (text or {}).get("format") if isinstance(text, dict) else None
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind in ("text", "json_object"):
        return {"type": kind}
    if kind == "json_schema":
        if not isinstance(fmt.get("schema"), dict):
            raise bad_request("text.format json_schema needs schema, an object.")
        return {
            "type": "json_schema",
            "json_schema": {"name": fmt.get("name") or "response", "schema": fmt["schema"]},
        }
    raise bad_request("text.format.type must be one of text, json_object, json_schema.")


def parse_request(
    body: Any, history: list[dict[str, Any]], open_compaction: OpenCompaction = _no_compaction
) -> ResponsesRequest:
    """Check ``body``; ``history`` is the stored context of ``previous_response_id``;
    ``open_compaction`` reads the compaction items of its input."""
    if not isinstance(body, dict):
        raise unprocessable("expected a JSON object")
    if "model" not in body:
        raise unprocessable("missing field `model`")
    if "input" not in body:
        raise unprocessable("missing field `input`")
    for key in ("instructions", "prompt_cache_key", "previous_response_id"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise unprocessable(f"{key}: invalid type, expected a string")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        # serde's text for a map field given another JSON type ([U] wording, as in _body).
        kind = "a sequence" if isinstance(metadata, list) else f"{type(metadata).__name__}"
        raise unprocessable(f"metadata: invalid type: {kind}, expected a map")
    tier = body.get("service_tier")
    if tier is not None and tier not in ("default", "priority", "auto", "flex"):
        raise bad_request('service_tier must be "default" or "priority".')
    limit = body.get("max_output_tokens")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise bad_request("max_output_tokens must be a positive integer.")
    new = input_messages(body["input"], open_compaction)
    functions, server = _tools(body)
    chat: dict[str, Any] = {"model": body["model"], "messages": []}
    if body.get("instructions"):
        chat["messages"].append({"role": "system", "content": body["instructions"]})
    chat["messages"].extend(history + new)
    if functions:
        chat["tools"] = functions
    choice = _tool_choice(body.get("tool_choice"), bool(functions or server))
    if choice is not None and (functions or not isinstance(choice, dict)):
        chat["tool_choice"] = "auto" if choice == "required" and not functions else choice
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if effort is not None:
        chat["reasoning_effort"] = effort
    fmt = _response_format(body.get("text"))
    if fmt is not None and fmt["type"] != "text":
        chat["response_format"] = fmt
    if limit is not None:
        chat["max_tokens"] = limit
    if body.get("parallel_tool_calls") is False:
        chat["parallel_tool_calls"] = False
    return ResponsesRequest(body, chat, new, server)
