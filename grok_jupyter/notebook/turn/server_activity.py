"""Server-side tool activity as a turn shows it: status lines and MCP tool lines.

xAI runs these tools itself; the turn only shows what they do ("searching X for
…") and never runs them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...client._types import FunctionCall, ToolCall
from ..tools import ToolResult

if TYPE_CHECKING:
    from ...client._responses_types import ServerToolCall
    from .types import TurnObserver


def describe_call(call: ServerToolCall) -> str:
    """A status line for a server-side tool call: "searching X for …", "running code"."""
    args: dict[str, Any] = {}
    for raw in (call.input, call.arguments):
        if raw:
            try:
                loaded = json.loads(raw)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                args = loaded
                break
    action = call.action or {}
    query = str(args.get("query") or action.get("query") or "").strip()
    suffix = f" for {query}…" if query else "…"
    if call.type == "web_search_call":
        return f"searching the web{suffix}"
    if call.type == "custom_tool_call" and (call.name or "").startswith("x_"):
        return f"searching X{suffix}"
    if call.type == "code_interpreter_call":
        return "running code…"
    if call.type == "file_search_call" or (call.name or "").startswith("attachment"):
        # attachment_search: xAI runs it by itself over input_file parts (section 3.1).
        queries = getattr(call, "queries", None) or []
        if not query and queries and isinstance(queries[0], str):
            suffix = f" for {queries[0].strip()}…"
        return f"searching the attached files{suffix}"
    if call.type == "mcp_call":
        return f"calling {call.name or 'an MCP tool'} on {call.server_label or 'MCP'}…"
    return f"{(call.name or call.type).replace('_', ' ')}…"


class McpLines:
    """MCP calls as tool lines (``on_tool_call`` / ``on_tool_result``), as kernel tools
    show: an MCP call has a name, arguments and an output worth keeping in the answer's
    display, where a search is only a passing status line."""

    def __init__(self, observer: TurnObserver) -> None:
        self.observer = observer
        self.calls: dict[str, Any] = {}  # item id -> the ToolCall shown
        self.answered: set[str] = set()

    def update(self, key: str, call: ServerToolCall, *, last: bool = False) -> None:
        """Show what ``call`` adds; ``last``: the stream is over, answer it as it stands."""
        if call.type != "mcp_call" or not call.name:
            return
        status = call.status or ""
        # A failed call's error comes with output_item.done, after the status event.
        final = status in ("completed", "failed", "incomplete") and (
            last or call.output is not None or call.error is not None
        )
        if key not in self.calls and (call.arguments or final):
            label = call.server_label or ""
            # A label like "docs" reads well before the tool's name; a host:port does not.
            name = f"{label}.{call.name}" if label.replace("-", "_").isidentifier() else call.name
            function = FunctionCall(name=name, arguments=call.arguments or "{}")
            self.calls[key] = ToolCall(id=key, function=function)
            self.observer.on_tool_call(self.calls[key])
        if final and key in self.calls and key not in self.answered:
            self.answered.add(key)
            output = call.output if isinstance(call.output, str) else json.dumps(call.output)
            error = None if call.error is None else str(call.error)
            if status != "completed" and error is None:
                error = f"the MCP call is {status}"
            self.observer.on_tool_result(
                ToolResult(
                    call=self.calls[key], value=call.output, output=output or "", error=error
                )
            )



def show_activity(
    calls: dict[str, ServerToolCall], shown: dict[str, str], lines: McpLines,
    observer: TurnObserver,
) -> None:
    """Status lines for the server-side tool calls whose line changed (``shown`` keeps
    the last line per item), and their MCP tool lines."""
    for key, call in calls.items():
        line = describe_call(call)
        if shown.get(key) != line:
            shown[key] = line
            observer.on_status(line)
        lines.update(key, call)
