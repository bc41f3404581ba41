"""What one ``%%grok`` cell shows, as data: status, reasoning, tool calls, answer, footer.

``AnswerView`` renders it as Markdown (kernels) or plain text; the displays in
``display.py`` decide when and where each part is sent.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

_ARG_CHARS = 200  # tool arguments and results are cut in the display, never in what Grok gets


def _cut(text: str, limit: int = _ARG_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_signature(name: str, arguments: str) -> str:
    """``add(a=2, b=3)`` for arguments ``{"a": 2, "b": 3}``: how a Python user reads a call."""
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return f"{name}({arguments})"
    if not isinstance(parsed, dict):
        return f"{name}({arguments})"
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in parsed.items())})"


@dataclass
class ToolLine:
    name: str
    arguments: str
    output: str | None = None
    error: str | None = None

    def markdown(self) -> str:
        call = f"`{_cut(call_signature(self.name, self.arguments))}`"
        if self.error is not None:
            return f"- 🔧 {call} → ⚠️ `{_cut(self.error)}`"
        if self.output is None:
            return f"- 🔧 {call} …"
        return f"- 🔧 {call} → `{_cut(self.output)}`"

    def plain(self) -> str:
        call = _cut(call_signature(self.name, self.arguments))
        if self.error is not None:
            return f"tool {call} -> error: {_cut(self.error)}"
        if self.output is None:
            return f"tool {call} ..."
        return f"tool {call} -> {_cut(self.output)}"


@dataclass
class AnswerView:
    """Everything one cell shows: status, reasoning, tool calls, answer, footer."""

    status: str = ""
    reasoning: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    tools: list[ToolLine] = field(default_factory=list)
    tools_by_id: dict[str, ToolLine] = field(default_factory=dict)
    footer: str = ""
    interrupted: bool = False
    size: int = 0  # characters of reasoning and answer so far, kept as they arrive (cheap)

    @property
    def answer(self) -> str:
        return "".join(self.text)

    def add_text(self, delta: str) -> None:
        self.text.append(delta)
        self.size += len(delta)

    def add_reasoning(self, delta: str) -> None:
        self.reasoning.append(delta)
        self.size += len(delta)

    def add_tool_call(self, call_id: str, name: str, arguments: str) -> None:
        line = ToolLine(name, arguments)
        self.tools.append(line)
        self.tools_by_id[call_id] = line

    def set_tool_result(self, call_id: str, output: str, error: str | None) -> None:
        line = self.tools_by_id.get(call_id)
        if line is not None:
            line.output, line.error = output, error

    def _reasoning_html(self) -> str:
        reasoning = "".join(self.reasoning).strip()
        if not reasoning:
            return ""
        words = len(reasoning.split())
        # <details> renders collapsed in JupyterLab, Notebook and VS Code.
        return (
            f"<details><summary>Reasoning ({words:,} words)</summary>\n\n"
            f"<pre style=\"white-space: pre-wrap\">{html.escape(reasoning)}</pre>\n\n"
            "</details>\n\n"
        )

    def head(self) -> str:
        """What stands above the answer: the reasoning (collapsed) and the tool lines."""
        tools = "\n".join(t.markdown() for t in self.tools) + "\n\n" if self.tools else ""
        return self._reasoning_html() + tools

    def tail(self, *, final: bool = False) -> str:
        """What stands below the answer: the interrupted mark, then the status while
        streaming or the footer once final."""
        parts = []
        if self.interrupted:
            parts.append("\n\n**⏹ interrupted**: the partial answer is kept in the conversation.")
        if not final and self.status:
            parts.append(f"\n\n*{self.status}*")
        if final and self.footer:
            parts.append(f"\n\n<sub>{html.escape(self.footer)}</sub>")
        return "".join(parts)

    def markdown(self, *, answer_md: str | None = None, final: bool = False) -> str:
        answer = self.answer if answer_md is None else answer_md
        return self.head() + answer + self.tail(final=final)

    def html_notes(self) -> str:
        """What goes under a finished ``-f html`` answer, as HTML: an HTML output renders
        no Markdown, so ``<sub>`` escaped or ``**`` would show as typed."""
        notes = ""
        if self.tools:
            lines = "<br>".join(html.escape(t.plain()) for t in self.tools)
            notes += f"<div style=\"opacity:0.7\">{lines}</div>\n"
        notes += self._reasoning_html()
        if self.interrupted:
            notes += ("<p><b>⏹ interrupted</b>: the partial answer is kept in the "
                      "conversation.</p>")
        if self.footer:
            notes += f"<p style=\"opacity:0.7\"><sub>{html.escape(self.footer)}</sub></p>"
        return notes

    def plain(self, *, final: bool = False) -> str:
        parts = [t.plain() for t in self.tools]
        parts.append(self.answer)
        if self.interrupted:
            parts.append("[interrupted]")
        if final and self.footer:
            parts.append(f"-- {self.footer}")
        elif not final and self.status:
            parts.append(f"({self.status})")
        return "\n".join(p for p in parts if p)
