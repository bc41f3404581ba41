"""Grok's server-side tools for the Responses API: builders and the checks made before sending.

The builders return the plain request dicts of xai-api-2026.md §3.1, key for
key, so they mix freely with function tools and with dicts written by hand:

    client.responses.create(input="...", tools=[x_search(allowed_x_handles=["xai"])])

``check_tools`` runs on every ``tools`` list, built or hand-written, and
refuses before anything is sent: a tool type the API does not have, an
x_search date range that is not ISO or runs backwards, an MCP ``server_url``
that is not http(s), and a ``tool_choice`` that forces a server-side tool
(the API cannot do that: [V] VER "xAI API does not support forcing specific
server-side tools via toolChoice").
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ._arguments import header_shape_problem
from ._errors import InvalidRequestError

# Request tool types (§3.1). ``attachment_search`` is implicit (added by the server
# when an ``input_file`` is attached), so it is not something a request names.
SERVER_TOOL_TYPES = frozenset(
    {
        "web_search",
        "x_search",
        "code_interpreter",
        "mcp",
        "file_search",
        "view_image",
        "view_x_video",
        "image_generation",
    }
)
TOOL_TYPES = SERVER_TOOL_TYPES | {"function"}


class InvalidToolError(InvalidRequestError):
    """A tool in ``tools`` (or ``tool_choice``) that the API would refuse.
    ``tool`` is its type, ``parameter`` the offending field (None for the whole tool)."""

    def __init__(self, message: str, *, tool: str | None, parameter: str | None = None) -> None:
        super().__init__(message)
        self.tool = tool
        self.parameter = parameter


class UnknownToolTypeError(InvalidToolError):
    """``tools`` names a type that is neither ``function`` nor a server-side tool."""


class ForcedServerToolError(InvalidToolError):
    """``tool_choice`` forces a server-side tool, which the API does not support."""


class ServerToolsNotSupportedError(InvalidToolError):
    """The catalogue says the model does not take server-side tools."""

    def __init__(self, message: str, *, tool: str, model: str) -> None:
        super().__init__(message, tool=tool, parameter="tools")
        self.model = model


# --- builders ---------------------------------------------------------------


def _names(value: Iterable[str] | None, name: str, tool: str) -> list[str] | None:
    """A list of names (domains, handles, tool names); one string is a list of one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]  # "add" is one name, never the letters a, d, d
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidToolError(
            f"{tool}: {name} must be a string or a list of strings, not {type(value).__name__}.",
            tool=tool,
            parameter=name,
        )
    out = list(value)
    for v in out:
        if not isinstance(v, str) or not v.strip():
            raise InvalidToolError(
                f"{tool}: every entry of {name} must be a non-empty string, not {v!r}.",
                tool=tool,
                parameter=name,
            )
    return out


def _with(base: dict[str, Any], **fields: Any) -> dict[str, Any]:
    base.update({k: v for k, v in fields.items() if v is not None})
    return base


def web_search(
    *,
    allowed_domains: Iterable[str] | None = None,
    excluded_domains: Iterable[str] | None = None,
    enable_image_understanding: bool | None = None,
    enable_image_search: bool | None = None,
) -> dict[str, Any]:
    """``{"type": "web_search", ...}``: search the web; answers cite pages as ``url_citation``."""
    tool = _with(
        {"type": "web_search"},
        allowed_domains=_names(allowed_domains, "allowed_domains", "web_search"),
        excluded_domains=_names(excluded_domains, "excluded_domains", "web_search"),
        enable_image_understanding=enable_image_understanding,
        enable_image_search=enable_image_search,
    )
    check_tool(tool)
    return tool


def x_search(
    *,
    allowed_x_handles: Iterable[str] | None = None,
    excluded_x_handles: Iterable[str] | None = None,
    from_date: str | _dt.date | None = None,
    to_date: str | _dt.date | None = None,
    enable_image_understanding: bool | None = None,
    enable_video_understanding: bool | None = None,
) -> dict[str, Any]:
    """``{"type": "x_search", ...}``: search posts on X. Dates are ISO ``YYYY-MM-DD``
    (a ``datetime.date`` is written so); handles without the ``@``."""
    tool = _with(
        {"type": "x_search"},
        allowed_x_handles=_handles(allowed_x_handles, "allowed_x_handles"),
        excluded_x_handles=_handles(excluded_x_handles, "excluded_x_handles"),
        from_date=from_date.isoformat() if isinstance(from_date, _dt.date) else from_date,
        to_date=to_date.isoformat() if isinstance(to_date, _dt.date) else to_date,
        enable_image_understanding=enable_image_understanding,
        enable_video_understanding=enable_video_understanding,
    )
    check_tool(tool)
    return tool


def _handles(value: Iterable[str] | None, name: str) -> list[str] | None:
    handles = _names(value, name, "x_search")
    # "@xai" and "xai" mean the same account; the API's own echo has no "@".
    return [h.strip().lstrip("@") for h in handles] if handles is not None else None


def code_interpreter() -> dict[str, Any]:
    """``{"type": "code_interpreter"}``: the model runs Python on xAI's servers."""
    return {"type": "code_interpreter"}


def mcp(
    server_url: str,
    *,
    server_label: str | None = None,
    server_description: str | None = None,
    allowed_tools: Iterable[str] | None = None,
    headers: Mapping[str, str] | None = None,
    authorization: str | None = None,
) -> dict[str, Any]:
    """``{"type": "mcp", "server_url": ...}``: a remote MCP server the API calls for the model."""
    tool = _with(
        {"type": "mcp", "server_url": server_url},
        server_label=_text(server_label, "server_label"),
        server_description=_text(server_description, "server_description"),
        # One name given as a string is one tool, never its letters.
        allowed_tools=_names(allowed_tools, "allowed_tools", "mcp"),
        headers=_headers(headers),
        authorization=_text(authorization, "authorization"),
    )
    check_tool(tool)
    return tool


def _text(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidToolError(
            f"mcp: {name} must be a string, not {type(value).__name__}.", tool="mcp",
            parameter=name,
        )
    return value


def _headers(value: Mapping[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    problem = header_shape_problem(value, "headers")
    if problem is not None:
        raise InvalidToolError(f"mcp: {problem}", tool="mcp", parameter="headers")
    return dict(value)


# --- checks -------------------------------------------------------------------


def _iso_date(value: Any, name: str) -> _dt.date:
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidToolError(
        f"x_search: {name}={value!r} is not an ISO date; write it as YYYY-MM-DD "
        f"(e.g. {name}='2026-11-01').",
        tool="x_search",
        parameter=name,
    )


def check_tool(tool: Any) -> None:
    """Raise ``InvalidToolError`` (or a subclass) if the API would refuse ``tool``."""
    if not isinstance(tool, Mapping):
        raise InvalidToolError(
            f"A tool must be a dict such as {{'type': 'web_search'}} (see "
            f"grok_jupyter.client.web_search), not {type(tool).__name__}.",
            tool=None,
        )
    kind = tool.get("type")
    if kind not in TOOL_TYPES:
        known = ", ".join(sorted(TOOL_TYPES))
        raise UnknownToolTypeError(
            f"Unknown tool type {kind!r}; the Responses API takes: {known}.", tool=kind
        )
    if kind == "x_search":
        dates = {n: _iso_date(tool[n], n) for n in ("from_date", "to_date") if tool.get(n)}
        if len(dates) == 2 and dates["from_date"] > dates["to_date"]:
            raise InvalidToolError(
                f"x_search: from_date {tool['from_date']} is after to_date {tool['to_date']}; "
                "swap them, or drop one.",
                tool="x_search",
                parameter="from_date",
            )
    elif kind == "mcp":
        url = tool.get("server_url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidToolError(
                f"mcp: server_url must be an http:// or https:// URL of an MCP server "
                f"(streamable HTTP), not {url!r}.",
                tool="mcp",
                parameter="server_url",
            )


def check_tools(tools: list[Any], tool_choice: Any = None) -> None:
    """Check each tool, and that ``tool_choice`` does not force a server-side one."""
    for tool in tools:
        check_tool(tool)
    if isinstance(tool_choice, Mapping):
        kind = tool_choice.get("type")
        name = tool_choice.get("name")
        function_names = {t.get("name") for t in tools if t.get("type") == "function"}
        forced = kind in SERVER_TOOL_TYPES or (
            kind == "function" and name in SERVER_TOOL_TYPES and name not in function_names
        )
        if forced:
            what = kind if kind in SERVER_TOOL_TYPES else name
            raise ForcedServerToolError(
                f"tool_choice cannot force the server-side tool {what!r}: the API does not "
                "support it. Use tool_choice='required' (some tool must be used) or 'auto', "
                "or name a function tool.",
                tool=what,
                parameter="tool_choice",
            )


def server_tool_types(tools: list[Any]) -> list[str]:
    return [t["type"] for t in tools if isinstance(t, Mapping) and t.get("type") != "function"]
