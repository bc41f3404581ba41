"""A conversation as a Markdown document (export): every turn, its tool calls,
tool results, citations and a footer line; images as placeholders; a line where
the history was compacted (every turn is still there: compaction only changes
what later turns send)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client._responses_types import Citation
    from ..client._types import Message
    from .chat_compaction import CompactionRecord
    from .chat_history import Conversation, Turn


def fence(text: str, lang: str = "") -> str:
    """``text`` as a fenced code block (export, fix prompt)."""
    # A fence longer than any backtick run inside, so the content cannot close it.
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _content(message: Message, counter: list[int]) -> str:
    """A message's text, with each image (or file) replaced by a numbered placeholder."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        kind = getattr(part, "type", "")
        if kind == "text":
            parts.append(part.text)  # type: ignore[union-attr]
        elif kind == "image_url":
            counter[0] += 1
            url = part.image_url.url  # type: ignore[union-attr]
            where = "" if url.startswith("data:") else f": {url}"
            parts.append(f"[image {counter[0]}{where}]")
        else:
            # A FilePart keeps {"filename", "file_id"} under .file (attach_files.message_part).
            extra: dict[str, Any] = getattr(part, "model_extra", None) or {}
            file = getattr(part, "file", None) or extra.get("file") or {}
            file = file if isinstance(file, dict) else {}
            name = (
                file.get("filename")
                or extra.get("filename")
                or file.get("file_id")
                or extra.get("file_id")
                or kind
            )
            parts.append(f"[file: {name}]")
    return "\n\n".join(p for p in parts if p)


def sources_markdown(citations: list[Citation]) -> str:
    """Numbered sources (the magic's answer and the export); a URL that is not a valid
    link is shown as text, never as a clickable link."""
    if not citations:
        return ""
    lines = ["**Sources**", ""]
    for c in citations:
        title = (c.title or c.url).replace("[", "\\[").replace("]", "\\]")
        if c.is_link:
            lines.append(f"{c.index}. [{title}](<{c.url}>)")
        else:
            # Still shown (the model cited it), but never as a clickable link.
            lines.append(f"{c.index}. {title} (`{c.url.replace('`', '')}`)")
    return "\n".join(lines)


def _arguments(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw or "{}"), ensure_ascii=False)
    except ValueError:
        return raw


# Server-side tool counters (usage details, the ledger's tool_call_counts) as a person
# names them: the export's cost rows and ``%grok usage``'s tool rows.
TOOL_LABELS = {
    "web_search_calls": "web search",
    "x_search_calls": "X search",
    "code_interpreter_calls": "code execution",
    "file_search_calls": "attachment search",
    "document_search_calls": "attachment search",  # what attachment_search bills [U]
    "mcp_calls": "MCP",
    "image_generation_calls": "image generation",
}


def tool_label(counter: str) -> str:
    """``"web_search_calls"`` -> ``"web search"``; an unknown counter by its own name."""
    return TOOL_LABELS.get(counter, counter.removesuffix("_calls").replace("_", " "))


def _usd(value: float) -> str:
    return f"${value:.{4 if abs(value) >= 0.0001 or not value else 6}f}"


def _footer(turn: Turn) -> str:
    approx = "~" if turn.usage_estimated else ""
    parts = [turn.model or "(model not recorded)"]
    if turn.usage is not None:
        parts.append(
            f"{approx}{turn.usage.prompt_tokens:,} in · "
            f"{approx}{turn.usage.completion_tokens:,} out tokens"
        )
    if turn.cost_usd:
        parts.append(approx + cost_with_tools(turn.cost_usd, turn.server_tools,
                                              turn.server_tools_usd))
    return " · ".join(parts)


def cost_with_tools(cost_usd: float, tools: Iterable[tuple[str, int]], tools_usd: float) -> str:
    """``$0.0698 (tokens $0.0298 + web search ×2 $0.0400)``: a turn's cost with its
    server-side tools apart, so the parts add up to it (the export's footers, the
    panel's status line); without tools just the cost."""
    calls = [f"{tool_label(k)} ×{n}" for k, n in tools if n]
    if not calls:
        return _usd(cost_usd)
    tokens = max(cost_usd - tools_usd, 0.0)
    return f"{_usd(cost_usd)} (tokens {_usd(tokens)} + {', '.join(calls)} {_usd(tools_usd)})"


def cost_table(conversation: Conversation) -> str:
    """What the chat cost, one row per model's tokens and per server-side tool, and a row
    for the rest (compactions, turns deleted since): the rows add up to the total."""
    tokens: dict[str, list[float]] = {}  # model -> [turns, USD]
    tools: dict[str, list[float]] = {}  # label -> [calls, USD]
    for turn in conversation.turns:
        row = tokens.setdefault(turn.model or "(model not recorded)", [0, 0.0])
        row[0] += 1
        row[1] += max(turn.cost_usd - turn.server_tools_usd, 0.0)
        calls = sum(n for _, n in turn.server_tools)
        for counter, n in turn.server_tools:
            tool = tools.setdefault(tool_label(counter), [0, 0.0])
            tool[0] += n
            tool[1] += turn.server_tools_usd * n / calls  # split by calls within the turn
    if not any(row[1] for row in (*tokens.values(), *tools.values())):
        return ""
    lines = ["**Cost**", "", "| | calls | USD |", "|---|---:|---:|"]
    lines += [f"| {model} tokens | {int(t)} turn{'s' * (t != 1)} | {_usd(usd)} |"
              for model, (t, usd) in tokens.items()]  # fmt: skip
    lines += [f"| tool: {label} | {int(n)} | {_usd(usd)} |" for label, (n, usd) in tools.items()]
    total = conversation.cost_usd
    rest = total - sum(r[1] for r in (*tokens.values(), *tools.values()))
    if abs(rest) >= 0.0000005:
        lines.append(f"| other (compactions, deleted turns) | | {_usd(rest)} |")
    lines.append(f"| **total** | | **{_usd(total)}** |")
    return "\n".join(lines)


def turn_markdown(turn: Turn, counter: list[int] | None = None) -> str:
    counter = counter if counter is not None else [0]
    lines = [f"## Turn {turn.index + 1}", ""]
    if turn.user is not None:
        lines += ["### You", "", _content(turn.user, counter) or "*(empty prompt)*", ""]
    results = {m.tool_call_id: m.text for m in turn.replies if m.role == "tool"}
    answered = False
    for message in turn.replies:
        if message.role != "assistant":
            continue
        text = _content(message, counter)
        if text:
            lines += ["### Grok", "", text, ""]
            answered = True
        for call in message.tool_calls or ():
            name = call.function.name
            lines += [
                f"**Tool call** `{name}`",
                "",
                fence(_arguments(call.function.arguments), "json"),
                "",
            ]
            if call.id in results:
                lines += [f"**Tool result** `{name}`", "", fence(results[call.id]), ""]
    if not answered and turn.replies == ():
        lines += ["### Grok", "", "*(no answer)*", ""]
    if turn.citations:
        from ..client._responses_types import Citation

        lines += [sources_markdown([Citation.model_validate(c) for c in turn.citations]), ""]
    lines += [f"*{_footer(turn)}*", ""]
    return "\n".join(lines)


def conversation_markdown(conversation: Conversation) -> str:
    turns = conversation.turns
    head = [f"# Chat: {conversation.name}", ""]
    if conversation.system:
        head += ["**System prompt**", "", conversation.system, ""]
    head += [f"{len(turns)} turn{'s' * (len(turns) != 1)} · ${conversation.cost_usd:.4f} spent", ""]
    counter = [0]
    marks: dict[int, list[str]] = {}
    for record in conversation.compactions:
        marks.setdefault(record.upto, []).append(f"*{compaction_line(record)}*\n")
    body, start = [], 0  # start: the index of the turn's first message
    for turn in turns:
        body += marks.pop(start, [])
        body.append(turn_markdown(turn, counter))
        start += (turn.user is not None) + len(turn.replies)
    body += [line for lines in marks.values() for line in lines]
    table = cost_table(conversation)
    return "\n".join(head + body + ([table] if table else [])).rstrip() + "\n"


def compaction_line(record: CompactionRecord) -> str:
    """Where a compaction happened (the export, ``%grok history``):
    ``— compacted here: 212,000 tokens → 3,000 (grok-4.6) —``."""
    line = (
        f"— compacted here: {record.tokens_before:,} tokens → {record.tokens_after:,} "
        f"({record.model}{'' if record.automatic else ', by hand'}) —"
    )
    if record.dropped is not None:
        line += f" (no longer used: {record.dropped})"
    return line
