"""The ``%%grok`` cell's pipeline: check the options, state the turn, run it, show it.

Everything a user can get wrong is checked before anything is sent. The turn
itself runs in the one turn engine (``notebook/turn``), which picks the API;
this module only states the request and shows the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .effort import checked_effort
from .formats import FORMAT_HINTS, extract_code, load_json, validate_answer
from .messages import explain, fail, footer, notes, stream_cut, turn_failures
from .shell import cell_key
from .subcommands import check_var_name

if TYPE_CHECKING:
    from argparse import Namespace

    from ..notebook.conversation import Conversation


class AskCell:
    """Mixin of ``GrokMagics``: the ``%%grok`` cell from options to answer."""

    def _ask(self: Any, args: Namespace, cell: str) -> None:
        from ..client import Message, TextPart, get_client
        from ..notebook.turn import TurnRequest, run_turn
        from .server_tools import build_tools

        if getattr(args, "agent", False):
            return self._agent(args, cell)  # magic/agent_cell.py: the notebook agent
        fmt = args.format or self.default_format
        check_var_name(args.output, "-o/--output")
        model = self._model(args.model or self.model or None)
        prompt = cell.rstrip().lstrip("\n")  # IPython's trailing newline is not part of it
        value_notes: list[str] = []  # values cut or summarised: said under the cell
        prompt = self._filled(prompt, notes=value_notes)
        images = [self._image(src) for src in args.image]
        documents, file_images = self._documents(args)  # checked now, uploaded before sending
        images += file_images
        if not prompt.strip() and not images and not documents:
            raise fail("the cell is empty: write the prompt under %%grok.")
        tools = self._tools(args.tools)
        server_tools = build_tools(args)  # bad dates etc. fail here, before sending
        schema_model, response_format = self._schema(args.schema)
        if response_format is None and fmt == "json":
            response_format = {"type": "json_object"}
        max_steps = args.max_steps if args.max_steps is not None else self.max_steps
        if max_steps < 1:
            raise fail("--max-steps must be at least 1.")
        params = self._params(args, model, response_format)
        max_tokens = params.get("max_tokens")
        conversation, system = self._conversation_and_system(args, fmt)

        content: Any = prompt
        if images:
            content = [TextPart(text=prompt), *images] if prompt.strip() else images
        client = get_client()
        if documents:
            content = self._attach(client, documents, prompt, images)
        request = TurnRequest(
            Message.user(content),
            model=model,
            system=system,
            params=params,
            tools=tools,
            server_tools=server_tools,
            api=self.api,
            stream=self.stream and not args.no_stream,
            max_steps=max_steps,
            source="magic",
            confirm_over_usd=None if args.yes else self.confirm_over_usd,
        )
        this_cell = cell_key(self.shell)
        if conversation is not None:
            conversation.replace_turn_of(this_cell)  # a re-run of the latest cell replaces it
        sink = self._sink(quiet_text=response_format is not None)
        observer = sink.observer()
        kind = "markdown" if fmt != "text" else "text"

        def stopped() -> str:  # asked after the turn: a conversation is falsy until it has one
            from .answer import GrokAnswer

            if args.output:  # what had arrived, marked stopped
                self._ns[args.output] = GrokAnswer(sink.view.answer, model=model, stopped=True)
            where = f"conversation {conversation.name!r}" if conversation else "the display above"
            return (
                f"interrupted: what had arrived (answer text, finished tool results) is in "
                f"{where}, marked [interrupted]."
            )

        with turn_failures(sink, kind, stopped):
            result = run_turn(request, client=client, conversation=conversation,
                              observer=observer)

        for note in [*value_notes, *result.notices,
                     *notes(result, max_steps=max_steps, max_tokens=max_tokens)]:
            observer.on_text(f"\n\n{note}")  # a line of its own, footer or not
        if result.citations:
            from .server_tools import citations_markdown

            observer.on_text(citations_markdown(result.citations))  # shown, not kept
        if conversation is not None:
            conversation.mark_turn(this_cell)
        sink.view.footer = footer(result) if self.show_footer else ""
        if result.interrupted:
            sink.view.interrupted = True
        if result.error is not None:
            sink.finish_failed(kind)
            from ..client._errors import StreamInterruptedError

            if isinstance(result.error, StreamInterruptedError):
                saved = f"conversation {conversation.name!r}" if conversation else None
                raise fail(stream_cut(result.error, saved))
            raise fail(explain(result.error))
        self._show_answer(args, result, sink, fmt, response_format, schema_model, max_tokens)

    def _params(self: Any, args: Namespace, model: str | None, response_format: Any) -> dict:
        """The turn's options, each checked as the cell states it (or the settings do)."""
        params: dict[str, Any] = {}
        temperature = args.temperature if args.temperature is not None else self.temperature
        if temperature is not None:
            if not 0 <= temperature <= 2:
                raise fail(f"-t {temperature:g}: the temperature must be between 0 and 2.")
            params["temperature"] = temperature
        max_tokens = args.max_tokens if args.max_tokens is not None else self.max_tokens
        if max_tokens is not None:
            if max_tokens < 1:
                raise fail("--max-tokens must be at least 1.")
            params["max_tokens"] = max_tokens
        if args.reasoning_effort:
            params["reasoning_effort"] = checked_effort(model, args.reasoning_effort)
        if response_format is not None:
            params["response_format"] = response_format
        return params

    def _conversation_and_system(
        self: Any, args: Namespace, fmt: str
    ) -> tuple[Conversation | None, str | None]:
        """The conversation the turn joins (None for --no-history) and the system prompt."""
        from ..notebook.conversation import get_conversation

        conversation: Conversation | None = None
        system = self._system_text(args.system)
        if not args.no_history:
            conversation = get_conversation(args.chat or self.default_chat)
            if args.new:
                conversation.reset()
                conversation.system = None
            if system is not None:
                conversation.system = system  # -s sticks to the conversation
            elif conversation.system is None and self.system:
                system = self.system
        elif system is None and self.system:
            system = self.system
        hint = FORMAT_HINTS.get(fmt)
        if hint:
            base = system if system is not None else (conversation.system if conversation else None)
            system = f"{base}\n\n{hint}" if base else hint
        return conversation, system

    def _show_answer(
        self: Any,
        args: Namespace,
        result: Any,
        sink: Any,
        fmt: str,
        response_format: Any,
        schema_model: Any,
        max_tokens: int | None,
    ) -> None:
        """Finish the display and store ``-o``: parsed JSON, extracted code, or the answer."""
        value: Any = result.text
        data: Any = None
        structured = response_format is not None
        if structured and fmt == "markdown":
            fmt = "json"  # structured output reads best as pretty JSON
        try:
            if structured:
                data = load_json(result.text, cut=result.cut, max_tokens=max_tokens)
                value = validate_answer(data, schema_model, args.schema)
            elif fmt == "code":
                value = extract_code(result.text)
        finally:
            # Shown even when the answer does not parse: the user needs to see what came back.
            sink.finish(fmt, parsed=data)
        if fmt == "code" and value.strip():
            self.shell.set_next_input(value, replace=False)
        if args.output:
            if not structured and fmt != "code":
                from .answer import GrokAnswer

                value = GrokAnswer.of(result)  # one type, sources or not
            self._ns[args.output] = value
