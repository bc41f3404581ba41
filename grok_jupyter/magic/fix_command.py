"""``%grok fix``: explain the last error and offer a corrected cell below.

A mixin of :class:`~grok_jupyter.magic.cell.GrokMagics`. The prompt (the
last exception's traceback and its cell's source) is built by
``notebook/fix.py``, which the panel's "Fix last error" button uses too.
"""

from __future__ import annotations

from typing import Any

from .messages import PREFIX, explain, fail, footer, turn_failures


class FixCommand:
    """``%grok fix [-m MODEL] [--chat NAME] [--no-stream]``."""

    # provided by GrokMagics
    shell: Any
    model: str
    stream: bool
    confirm_over_usd: float
    show_footer: bool
    _model: Any
    _sink: Any

    def _cmd_fix(self, rest: str) -> None:
        from .subcommands import parse

        args = parse(
            "fix",
            rest,
            (("-m", "--model"), {"dest": "model", "help": "model or alias to ask"}),
            (
                "--chat",
                {
                    "metavar": "NAME",
                    "help": "take the fix as a turn of this conversation (default: a "
                    "one-off, no history)",
                },
            ),
            ("--no-stream", {"action": "store_true", "help": "wait for the whole answer"}),
            ("--yes", {"action": "store_true",
                       "help": "send even when the estimate is over GrokMagics.confirm_over_usd"}),
        )
        from ..notebook.fix import fix_request, take_fix_turn

        request = fix_request(self.shell)
        if request is None and args.yes:
            # The guard's own refusal is now the last error: fix the one it stopped.
            request = getattr(self, "_guarded_fix", None)
        self._guarded_fix = None
        if request is None:
            import sys

            last = getattr(sys, "last_value", None)
            if last is not None and str(last).startswith(PREFIX):
                print(
                    "The last error was a %grok message (it says what to change); "
                    "%grok fix explains the errors your code raises."
                )
            else:
                print("No error to fix yet: run the cell that fails, then %grok fix.")
            return
        model = self._model(args.model or self.model or None)
        from ..client import get_client

        conversation = None
        if args.chat:
            from ..notebook.conversation import get_conversation

            conversation = get_conversation(args.chat)
        sink = self._sink()
        observer = sink.observer()
        self._guarded_fix = request  # kept while the guard refuses, for %grok fix --yes
        with turn_failures(sink, "markdown", lambda: "interrupted: no corrected cell was offered.",
                           guard_hint="run %grok fix --yes"):
            result, code = take_fix_turn(
                request,
                client=get_client(),
                conversation=conversation,
                model=model,
                observer=observer,
                stream=self.stream and not args.no_stream,
                source="magic",
                confirm_over_usd=None if args.yes else self.confirm_over_usd,
            )
        self._guarded_fix = None
        if code and _same_code(code, request.source):
            code = ""  # the failing cell again: nothing to offer
            note = ("No change was found: the answer's code is the failing cell as it is, "
                    "so no cell was offered; read the explanation above.")
        elif code:
            note = "The corrected cell is ready below this one: check it, then run it."
        else:
            note = "The answer has no code block, so no cell was offered."
        if result.ok:
            observer.on_text(f"\n\n*{note}*")
        sink.view.footer = footer(result) if self.show_footer else ""
        if result.error is not None:
            sink.finish_failed("markdown")
            raise fail(explain(result.error))
        if result.interrupted:
            sink.view.interrupted = True
        sink.finish("markdown")
        if code:
            self.shell.set_next_input(code, replace=False)


def _same_code(code: str, source: str) -> bool:
    """The answer's code is the failing cell, whitespace aside (blank lines, indents, ends)."""
    return bool(source.strip()) and code.split() == source.split()
