"""What ``%%grok -o VAR`` stores for a text answer: one type, whatever the turn did."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import Usage
    from ..client._responses_types import Citation
    from ..notebook.tools import ToolResult
    from ..notebook.turn import TurnResult


class GrokAnswer(str):
    """The answer's text (a ``str``: f-strings, ``in``, ``==``, slicing work as on the
    text) with what came with it: ``.citations`` (empty when no sources came back),
    ``.usage``, ``.cost_usd``, ``.tool_calls`` (the Python tools that ran), ``.model``,
    ``.response_id`` and ``.stopped`` (Ctrl-C: the text is what had arrived)."""

    citations: list[Citation]
    usage: Usage | None
    cost_usd: float
    tool_calls: list[ToolResult]
    model: str | None
    response_id: str | None
    stopped: bool

    def __new__(
        cls,
        text: str,
        *,
        citations: list[Citation] | None = None,
        usage: Usage | None = None,
        cost_usd: float = 0.0,
        tool_calls: list[ToolResult] | None = None,
        model: str | None = None,
        response_id: str | None = None,
        stopped: bool = False,
    ) -> GrokAnswer:
        answer = super().__new__(cls, text)
        answer.citations = list(citations or [])
        answer.usage = usage
        answer.cost_usd = cost_usd
        answer.tool_calls = list(tool_calls or [])
        answer.model = model
        answer.response_id = response_id
        answer.stopped = stopped
        return answer

    @classmethod
    def of(cls, result: TurnResult) -> GrokAnswer:
        """The finished turn's answer."""
        return cls(
            result.text,
            citations=result.citations,
            usage=result.usage,
            cost_usd=result.cost_usd,
            tool_calls=result.tool_results,
            model=result.model,
            response_id=result.response_id,
            stopped=result.interrupted,
        )

    @property
    def text(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        extra = f", {len(self.citations)} citation(s)" if self.citations else ""
        stopped = ", stopped" if self.stopped else ""
        return f"GrokAnswer({self.text!r}{extra}{stopped})"

    def _repr_markdown_(self) -> str:
        from ..notebook.transcript import sources_markdown  # lazy: %load_ext stays light

        sources = "\n\n" + sources_markdown(self.citations) if self.citations else ""
        return self.text + sources
