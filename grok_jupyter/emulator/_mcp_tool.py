"""Server-side ``{"type": "mcp"}`` tools, called for real with the official ``mcp`` SDK.

For each MCP tool of a request the emulator connects to ``server_url`` over
streamable HTTP (the request's ``headers`` and ``authorization`` go with every
MCP request), lists the server's tools (only ``allowed_tools`` if given), and
calls the one the prompt names. What the real model would decide is emulated
by a fixed rule, so tests can count on it:

- **Which tool:** a listed tool whose name appears in the prompt as a word
  (case-insensitive; the first one named), one call per server; a name already
  called on an earlier server of the request is not called again. None named:
  nothing is called, and the answer lists what the server offers.
- **Which arguments**, by the best evidence in the prompt (the text after the
  tool's name first, then the whole prompt), first match wins:
  1. the first JSON object in the prompt (``{"a": 2, "b": 3}``), as given;
  2. ``key=value`` or ``key: value`` pairs whose key is a property of the
     tool's ``inputSchema``, each value converted to the property's type
     (integer, number, boolean, string; quotes are stripped);
  3. for a tool with exactly one property, the first quoted text in the prompt
     ("..." or '...'), converted the same way;
  4. else ``{}``; the server's own validation then answers, as it would the model.

The output items follow shared/xai-api-2026.md section 3.2 for ``mcp_call``
(``id, status, name, arguments, output, error, server_label``; [V] schema only).
``mcp_list_tools`` is not in any xAI recording: its shape is OpenAI's
(``id, server_label, tools[{name, description, input_schema, annotations}],
error``) [U]. An MCP server that cannot be reached or listed fails the whole
request with a 400 before any output, as a tool the API cannot prepare does
(xai-sdk-python#66 shows api.x.ai refusing an MCP URL at request time; the
text is [U]). A tool call that fails after listing (the server's ``isError``,
or the connection dropping) is an ``mcp_call`` with ``status: "failed"`` and
``error``, and the response still completes.

Everything here is ``async`` on the emulator's own event loop: an MCP call
waits on the network without holding up other requests, and an MCP server in
the same process (another thread's loop) is never waited on from its own loop.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._errors import EmulatorError, bad_request

MCP_TIMEOUT_S = 20.0  # per server: connect, list and call


@dataclass
class McpRun:
    """What the MCP tools of one response did."""

    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the answer's sentences
    calls: int = 0  # billed: mcp_calls in server_side_tool_usage_details
    called: set[str] = field(default_factory=set)  # tool names called so far
    result_tokens_text: list[str] = field(default_factory=list)  # what the model read


def _label(tool: dict[str, Any]) -> str:
    label = tool.get("server_label")
    if isinstance(label, str) and label:
        return label
    # No label: the server's host stands in (what the real API does here is [U]).
    return urlsplit(str(tool.get("server_url"))).netloc.rpartition("@")[2] or "mcp"


def check_mcp_tool(tool: dict[str, Any]) -> None:
    """Refuse an MCP tool the API could not use (400)."""
    url = tool.get("server_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad_request(f"mcp.server_url must be an http(s) URL of an MCP server, not {url!r}.")
    allowed = tool.get("allowed_tools")
    if allowed is not None and not (
        isinstance(allowed, list) and all(isinstance(n, str) for n in allowed)
    ):
        raise bad_request("mcp.allowed_tools must be a list of tool names.")
    headers = tool.get("headers")
    if headers is not None and not (
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
    ):
        raise bad_request("mcp.headers must be an object of string values.")


def _headers(tool: dict[str, Any]) -> dict[str, str]:
    headers = {str(k): v for k, v in (tool.get("headers") or {}).items()}
    token = tool.get("authorization")
    if isinstance(token, str) and token:
        # The VER shape has ``authorization: <token>``; sent as a bearer token [U].
        headers.setdefault("Authorization", f"Bearer {token}")
    return headers


# --- choosing the tool and its arguments -------------------------------------


def pick_tool(tools: list[Any], prompt: str) -> tuple[Any, int] | None:
    """The listed tool the prompt names first (a whole-word, case-insensitive match),
    and where its name ends."""
    best: tuple[Any, int, int] | None = None
    for tool in tools:
        match = re.search(rf"(?<![\w-]){re.escape(tool.name)}(?![\w-])", prompt, re.IGNORECASE)
        if match and (best is None or match.start() < best[1]):
            best = (tool, match.start(), match.end())
    return (best[0], best[2]) if best else None


def _json_objects(text: str) -> Any:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value


def _convert(raw: str, schema: dict[str, Any]) -> Any:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw  # left as text: the server's validation says what is wrong
    if kind == "boolean":
        return raw.lower() in ("true", "yes", "1", "on")
    if kind in ("array", "object"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


_VALUE = r"(\"[^\"]*\"|'[^']*'|[^\s,;]+)"


def pick_arguments(prompt: str, schema: dict[str, Any] | None, after: int = 0) -> dict[str, Any]:
    """The tool's arguments from the prompt, by the rule in this module's docstring:
    looked for after the tool's name first (``after``), then in the whole prompt."""
    if after:
        found = pick_arguments(prompt[after:], schema)
        if found:
            return found
    for value in _json_objects(prompt):
        return value
    props: dict[str, Any] = (schema or {}).get("properties") or {}
    found: dict[str, Any] = {}
    for name, prop in props.items():
        match = re.search(rf"(?<![\w-]){re.escape(name)}\s*[=:]\s*{_VALUE}", prompt)
        if match:
            found[name] = _convert(match.group(1), prop if isinstance(prop, dict) else {})
    if found:
        return found
    if len(props) == 1:
        quoted = re.search(r"\"([^\"]+)\"|'([^']+)'", prompt)
        if quoted:
            ((name, prop),) = props.items()
            text = quoted.group(1) or quoted.group(2)
            return {name: _convert(text, prop if isinstance(prop, dict) else {})}
    return {}


# --- the MCP session -----------------------------------------------------------


def _result_text(result: Any) -> str:
    """A ``CallToolResult`` as the text the model reads: its text parts, else the
    structured content as JSON."""
    texts = [getattr(part, "text", None) for part in result.content or []]
    texts = [t for t in texts if isinstance(t, str)]
    if texts:
        return "\n".join(texts)
    structured = getattr(result, "structured_content", None)
    if structured is not None:
        return json.dumps(structured, ensure_ascii=False)
    return ""


def _flat_error(exc: BaseException) -> str:
    # anyio task groups wrap the real cause (ConnectError, MCPError) in ExceptionGroups.
    while getattr(exc, "exceptions", None):  # an ExceptionGroup
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text


def _item_id(response_id: str, kind: str, n: int) -> str:
    # Item ids for MCP are [U]; these follow the 2025-12 style (``ws_<rid>_call_<digits>``).
    digits = f"{zlib.crc32(f'{response_id}|mcp|{n}'.encode()) % 100_000_000:08d}"
    return f"{kind}_{response_id}_call_{digits}"


async def _run_one(
    tool: dict[str, Any], prompt: str, response_id: str, n: int, run: McpRun
) -> None:
    import anyio
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    url, label = tool["server_url"], _label(tool)
    timeout = httpx2.Timeout(MCP_TIMEOUT_S)
    call_item: dict[str, Any] | None = None
    try:
        with anyio.fail_after(MCP_TIMEOUT_S):
            async with (
                httpx2.AsyncClient(headers=_headers(tool), timeout=timeout) as http,
                Client(streamable_http_client(url, http_client=http), cache=None) as session,
            ):
                listed = (await session.list_tools()).tools
                allowed = tool.get("allowed_tools")
                if allowed is not None:
                    listed = [t for t in listed if t.name in allowed]
                run.items.append(
                    {
                        "type": "mcp_list_tools",
                        "id": _item_id(response_id, "mcpl", n),
                        "server_label": label,
                        "tools": [
                            {
                                "name": t.name,
                                "description": t.description,
                                "input_schema": t.input_schema,
                                "annotations": (
                                    t.annotations.model_dump(exclude_none=True)
                                    if t.annotations
                                    else None
                                ),
                            }
                            for t in listed
                        ],
                        "error": None,
                    }
                )
                # A tool already called on an earlier server is not called again.
                picked = pick_tool([t for t in listed if t.name not in run.called], prompt)
                if picked is None and any(t.name in run.called for t in listed):
                    return
                if picked is None:
                    names = ", ".join(t.name for t in listed) or "no tools"
                    run.lines.append(
                        f"The MCP server '{label}' offers: {names}. "
                        "Name one of them in your message to call it."
                    )
                    return
                chosen, name_end = picked
                arguments = pick_arguments(prompt, chosen.input_schema, name_end)
                call_item = {
                    "type": "mcp_call",
                    "id": _item_id(response_id, "mcp", n),
                    "status": "completed",
                    "name": chosen.name,
                    "arguments": json.dumps(arguments, ensure_ascii=False),
                    "output": None,
                    "error": None,
                    "server_label": label,
                }
                run.items.append(call_item)
                run.calls += 1
                run.called.add(chosen.name)
                result = await session.call_tool(chosen.name, arguments)
                text = _result_text(result)
                run.result_tokens_text.append(text)
                if result.is_error:
                    call_item.update(status="failed", error=text)
                    run.lines.append(
                        f"I called {chosen.name} on the MCP server '{label}' with "
                        f"{call_item['arguments']}, and it failed: {text}"
                    )
                else:
                    call_item["output"] = text
                    run.lines.append(
                        f"I called {chosen.name} on the MCP server '{label}' with "
                        f"{call_item['arguments']}. It returned: {text}"
                    )
    except Exception as exc:
        if call_item is None:  # not connected, or not listed: the request fails
            raise _unreachable(label, url, exc) from None
        if call_item["output"] is None and call_item["error"] is None:
            # The call went out and the connection failed under it: the call failed.
            call_item.update(status="failed", error=_flat_error(exc))
            run.lines.append(
                f"The call to {call_item['name']} on '{label}' failed: {call_item['error']}"
            )


def _shown_url(url: str) -> str:
    # A user:password@ in the URL stays out of error messages.
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _unreachable(label: str, url: str, exc: BaseException) -> EmulatorError:
    where = _shown_url(url)
    return bad_request(
        f"Error retrieving tool list from MCP server '{label}' at {where}: {_flat_error(exc)}. "
        "Check that server_url is an MCP server (streamable HTTP) this server can reach."
    )


async def run_mcp_tools(tools: list[dict[str, Any]], prompt: str, response_id: str) -> McpRun:
    """Connect to each ``mcp`` tool's server in turn; list, pick, call (see module doc)."""
    run = McpRun()
    for n, tool in enumerate(t for t in tools if t.get("type") == "mcp"):
        check_mcp_tool(tool)
        await _run_one(tool, prompt, response_id, n, run)
    return run
