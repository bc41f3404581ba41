"""Turns with tools, as the turn and magic tests take them again and again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grok_jupyter.client import GrokClient, Message, x_search
from grok_jupyter.notebook.conversation import Conversation
from grok_jupyter.notebook.tools import KernelTools
from grok_jupyter.notebook.turn import TurnObserver, TurnRequest, TurnResult, run_turn


def chat_tool_turn(
    client: GrokClient,
    prompt: str,
    tools: list[Callable[..., Any]],
    *,
    model: str = "grok-3",
    conversation: Conversation | None = None,
    observer: TurnObserver | None = None,
    **request: Any,
) -> TurnResult:
    """One turn over Chat Completions in which Grok may call ``tools`` (run here);
    ``request``: more ``TurnRequest`` fields (``max_steps``...)."""
    turn = TurnRequest(
        Message.user(prompt), model=model, tools=KernelTools(tools), api="chat", **request
    )
    return run_turn(turn, client=client, conversation=conversation, observer=observer)


def x_search_turn(
    client: GrokClient,
    *,
    conversation: Conversation | None = None,
    observer: TurnObserver | None = None,
) -> TurnResult:
    """A Responses turn asking X about the "zorblax kettle", searching only @zorbcorp."""
    turn = TurnRequest(
        Message.user("zorblax kettle"),
        server_tools=[x_search(allowed_x_handles=["zorbcorp"])],
        api="responses",
    )
    return run_turn(turn, client=client, conversation=conversation, observer=observer)
