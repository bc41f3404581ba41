"""Grok works in the notebook: the agent's tools, approval and cells (issue 24).

``%%grok --agent`` runs the one turn engine (``notebook/turn``) with these tools
(``toolset.AgentTools``), an approver (``approval``) and a cell sink (``sinks``);
``notebook_tools(approve=...)`` gives the same tools to LangChain agents. Front-end
neutral: nothing here draws a widget. Names load on first use (PEP 562).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .approval import AutoApprover, Decision, PlanApprover, StdinApprover
    from .lc_tools import notebook_tools
    from .sinks import BridgeCellSink, CellSink, FallbackSink
    from .toolset import AgentStopped, AgentTools

_WHERE = {
    "AgentStopped": ".toolset",
    "AgentTools": ".toolset",
    "AutoApprover": ".approval",
    "BridgeCellSink": ".sinks",
    "CellSink": ".sinks",
    "Decision": ".approval",
    "FallbackSink": ".sinks",
    "PlanApprover": ".approval",
    "StdinApprover": ".approval",
    "notebook_tools": ".lc_tools",
}
__all__ = [
    "AgentStopped",
    "AgentTools",
    "AutoApprover",
    "BridgeCellSink",
    "CellSink",
    "Decision",
    "FallbackSink",
    "PlanApprover",
    "StdinApprover",
    "notebook_tools",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
