"""The ``%%grok`` cell's tail for a Responses-API turn (server-side tools, or
``GrokMagics.api = "responses"``): run it, show status, answer, citations, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .messages import explain, fail, footer, notes, stream_cut, turn_failures
from .server_tools import GrokAnswer, citations_markdown
from .shell import cell_key

if TYPE_CHECKING:
    from argparse import Namespace

    from ..notebook.conversation import Conversation


def responses_params(params: dict[str, Any]) -> dict[str, Any]:
    """Chat-style cell parameters in Responses names (max_tokens -> max_output_tokens)."""
    out = dict(params)
    if "max_tokens" in out:
        out["max_output_tokens"] = out.pop("max_tokens")
    return out


def ask_responses(
    magics: Any,
    args: Namespace,
    cell: str,
    *,
    user: Any,
    conversation: Conversation | None,
    client: Any,
    model: str | None,
    system: str | None,
    params: dict[str, Any],
    tools: list[dict[str, Any]] | None,
    fmt: str,
    max_tokens: int | None,
) -> None:
    from ..client._errors import StreamInterruptedError
    from ..notebook.responses_turn import run_responses_turn

    if conversation is not None:
        conversation.replace_turn_of(cell_key(magics.shell, cell))  # a re-run replaces its turn
    sink = magics._sink()
    observer = sink.observer()
    kind = "markdown" if fmt != "text" else "text"

    def stopped() -> str:
        where = f"conversation {conversation.name!r}" if conversation else "the display above"
        return f"interrupted: what had arrived is in {where}, marked [interrupted]."

    with turn_failures(sink, kind, stopped):
        result = run_responses_turn(
            user,
            conversation=conversation,
            client=client,
            model=model,
            system=system,
            tools=tools,
            params=responses_params(params),
            stream=magics.stream and not args.no_stream,
            observer=observer,
            source="magic",
        )

    if result.interrupted:
        sink.view.interrupted = True
    if result.error is not None:
        sink.finish_failed(kind)
        if isinstance(result.error, StreamInterruptedError):
            saved = f"conversation {conversation.name!r}" if conversation else None
            raise fail(stream_cut(result.error, saved))
        raise fail(explain(result.error))
    for note in notes(result, max_steps=1, max_tokens=max_tokens):
        observer.on_text(f"\n\n{note}")
    if result.citations:
        observer.on_text(citations_markdown(result.citations))  # shown, not kept in history
    if conversation is not None:
        conversation.mark_turn(cell_key(magics.shell, cell))
    sink.view.footer = footer(result) if magics.show_footer else ""
    sink.finish(fmt)
    if args.output:
        value: Any = result.text
        if result.citations:
            value = GrokAnswer(result.text, list(result.citations), result.response_id)
        magics._ns[args.output] = value
