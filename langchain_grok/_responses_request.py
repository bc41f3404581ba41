"""What one ChatGrok call sends to ``/v1/responses``: input items, tools and fields.

ChatGrok keeps bound tools in the chat shape (``{"type": "function", "function":
{...}}``) next to server-side tool dicts (``{"type": "x_search"}``...). Here the
function tools become the Responses API's flat shape and the conversation
becomes input items: messages, ``function_call`` and ``function_call_output``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_grok._convert import EMPTY_ANSWER, _image_part, _join_text, _text_only
from langchain_grok._file_blocks import input_file
from langchain_grok._request import call_params, call_target
from langchain_grok._tool_media import (
    name_of,
    note,
    placeholder,
    split_content,
    with_media_after_results,
)

# The server-side tools xAI runs itself (xai-api-2026.md §3).
SERVER_TOOL_TYPES = frozenset({"web_search", "x_search", "code_interpreter", "mcp"})
# Chat fields with another name (or place) on /v1/responses.
_RENAMED = {"max_tokens": "max_output_tokens"}
# Chat-only fields the Responses API has no place for: not sent there.
_CHAT_ONLY = ("n", "stream_options", "stop")


def is_server_tool(tool: Any) -> bool:
    return isinstance(tool, dict) and tool.get("type") in SERVER_TOOL_TYPES


def has_server_tool(tools: Any) -> bool:
    return isinstance(tools, list) and any(is_server_tool(t) for t in tools)


def responses_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A bound tool in the Responses shape: function tools flat, others as given."""
    if tool.get("type") == "function" and isinstance(tool.get("function"), dict):
        return {"type": "function", **tool["function"]}
    return tool


def responses_tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "function", "name": choice["function"]["name"]}
    return choice


def _text_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """Chat's ``response_format`` as the Responses API's flat ``text.format``."""
    if response_format.get("type") == "json_schema" and "json_schema" in response_format:
        return {"type": "json_schema", **response_format["json_schema"]}
    return response_format


@dataclass
class ResponsesRequest:
    """One call's ``client.responses.create/stream(input, **kwargs())`` arguments."""

    input: list[dict[str, Any]]
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    conv_id: str | None = None

    def kwargs(self) -> dict[str, Any]:
        out = {"model": self.model, **self.params}
        if self.conv_id is not None:
            # prompt_cache_key is this API's own routing key for cache hits [V]
            # (xai-api-2026.md §2.1, §2.7 item 10); chat's header goes along [U].
            out.setdefault("prompt_cache_key", self.conv_id)
            out["headers"] = {"x-grok-conv-id": self.conv_id}
        return out


def build_responses_request(
    defaults: dict[str, Any],
    *,
    model: str,
    conversation_id: str | None,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
    use_previous_response_id: bool,
) -> ResponsesRequest:
    params = call_params(defaults, kwargs)
    if stop or params.get("stop"):  # the call's stop= or ChatGrok(stop=...)
        from grok_jupyter.client import InvalidRequestError

        raise InvalidRequestError(
            "The Responses API takes no stop sequences: drop stop, or send the call over "
            "chat completions with use_responses_api=False (server-side tools and file "
            "blocks need the Responses API, so they cannot be combined with stop)."
        )
    for key in (*_CHAT_ONLY, "stream_usage"):
        params.pop(key, None)
    for old, new in _RENAMED.items():
        if old in params:
            params[new] = params.pop(old)
    if params.get("tools"):
        params["tools"] = [responses_tool(t) for t in params["tools"]]
    if "response_format" in params:
        params["text"] = {"format": _text_format(params.pop("response_format"))}
    if "tool_choice" in params:
        params["tool_choice"] = responses_tool_choice(params["tool_choice"])
    messages = list(messages)
    if use_previous_response_id and "previous_response_id" not in params:
        previous, messages = _after_last_response(messages)
        if previous is not None:
            params["previous_response_id"] = previous
    model, conv_id = call_target(params, model, conversation_id)
    return ResponsesRequest(input=to_input_items(messages), model=model, conv_id=conv_id,
                            params=params)


def _after_last_response(messages: list[BaseMessage]) -> tuple[str | None, list[BaseMessage]]:
    """The id of the last stored answer and the messages after it: the server has the rest."""
    for i in range(len(messages) - 1, -1, -1):
        msg = messages[i]
        if isinstance(msg, AIMessage):
            rid = msg.response_metadata.get("id")
            if isinstance(rid, str) and msg.response_metadata.get("api") == "responses":
                return rid, messages[i + 1 :]
    return None, messages


def to_input_items(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """The conversation as input items.

    A tool's images go in its ``function_call_output`` (a list of parts there); files
    a tool returned go in one user message after the run of tool results, behind a
    note naming the tool (_tool_media says why).
    """
    return with_media_after_results(
        messages, _tool_output, _items, lambda media: {"role": "user", "content": media}
    )


def _tool_output(
    message: ToolMessage, names: dict[str, str], media: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``function_call_output`` item, adding the files the tool returned to ``media``."""
    text, images, files = split_content(message)
    if files:
        media.append({"type": "input_text", "text": note(name_of(message, names), 0, len(files))})
        media.extend(input_file(block) for block in files)
        if not text and not images:
            text = placeholder(0, len(files))
    output: str | list[dict[str, Any]] = text
    if images:
        parts = [{"type": "input_text", "text": text}] if text else []
        output = parts + [_input_image(block) for block in images]
    return {"type": "function_call_output", "call_id": message.tool_call_id, "output": output}


def _input_image(block: dict[str, Any]) -> dict[str, Any]:
    image = _image_part(block).image_url
    part = {"type": "input_image", "image_url": image.url}
    if image.detail:
        part["detail"] = image.detail
    return part


def _items(message: BaseMessage) -> list[dict[str, Any]]:
    if isinstance(message, SystemMessage):
        return [{"role": "system", "content": _text_only(message.content, "system")}]
    if isinstance(message, HumanMessage):
        return [{"role": "user", "content": _user_content(message.content)}]
    if isinstance(message, AIMessage):
        return _assistant(message)
    if isinstance(message, ChatMessage):
        # The roles chat completions takes from a ChatMessage, with LangChain's spellings.
        role = {"human": "user", "ai": "assistant"}.get(message.role, message.role)
        if role == "user":
            return [{"role": "user", "content": _user_content(message.content)}]
        if role in ("system", "developer", "assistant"):
            return [{"role": role, "content": _text_only(message.content, role)}]
    raise ValueError(f"the Responses API takes no {type(message).__name__}")


def _assistant(message: AIMessage) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    content = message.content
    text = content if isinstance(content, str) else _join_text(content)
    if text:
        items.append({"role": "assistant", "content": text})
    elif not message.tool_calls:  # never an empty message: the placeholder (_convert.py)
        items.append({"role": "assistant", "content": EMPTY_ANSWER})
    for call in message.tool_calls:
        items.append(
            {
                "type": "function_call",
                "call_id": call["id"],
                "name": call["name"],
                "arguments": json.dumps(call["args"]),
            }
        )
    return items


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "input_text", "text": block})
        elif block.get("type") == "text":
            parts.append({"type": "input_text", "text": block["text"]})
        elif block.get("type") in ("image_url", "image"):
            parts.append(_input_image(block))
        elif block.get("type") == "file":
            parts.append(input_file(block))  # a file id or URL (inline bytes uploaded before)
        else:
            raise ValueError(
                f"user messages take text, images and files here; got a {block.get('type')!r} block"
            )
    return parts
