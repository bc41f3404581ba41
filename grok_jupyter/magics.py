"""``%%grok`` (the cell is the prompt) and ``%grok SUBCOMMAND`` (models, usage, history, ...).

Loading this module must stay cheap (``%load_ext grok_jupyter`` is >= 10x
faster than jupyter-ai's): it imports only IPython and traitlets, which the
shell has already loaded. The client, pydantic, httpx, PIL and pandas are
imported when a cell first needs them.
"""

from __future__ import annotations

import json
import keyword
import os
import re
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import (
    MagicArgumentParser,
    argument,
    argument_group,
    kwds,
    magic_arguments,
)
from IPython.utils.process import arg_split
from traitlets import Bool, CaselessStrEnum, Float, Integer, TraitError, Unicode, validate

if TYPE_CHECKING:
    from argparse import Namespace

    from .conversation import Conversation
    from .display import AnswerSink
    from .turn import TurnResult

FORMATS = ("markdown", "text", "code", "json", "html")
PREFIX = "grok:"  # the start of every one-line error, so users can tell whose it is

# What a format asks of Grok; json uses response_format instead.
_FORMAT_HINTS = {
    "code": "Answer with code only, in a single fenced code block, no prose around it.",
    "html": "Answer in HTML only (no Markdown, no code fences).",
}


SUBCOMMANDS = {
    "models": "the model catalogue: context, modalities, prices, aliases  [--refresh]",
    "usage": "tokens and USD per model across magic, panel and ChatGrok  [--clear]",
    "history": "the conversation so far  [NAME]",
    "reset": "clear a conversation  [NAME]",
    "tokens": "count the tokens in TEXT ({name} fields are filled)  TEXT [-m MODEL]",
    "image": "generate images and show them inline  PROMPT [-n N] [-o VAR]",
    "chat": "open the chat panel  [NAME]",
    "config": "the current settings (the API key is shown masked)",
    "emulator": "start a local emulator of the xAI API in this kernel  [--if-no-key] [--stop]",
    "help": "this list",
}

_DOC = """Ask Grok. The cell body is the prompt; ``%grok SUBCOMMAND`` does the rest.

``{name}``, ``{name.attr}``, ``{name[0]}``, ``{In[3]}`` and ``{Out[3]}`` in the
prompt are filled from the notebook's variables (a DataFrame becomes a compact
description: shape, dtypes, first rows). Anything else in braces (JSON, dict
literals, unknown names) is sent exactly as written; ``{{`` and ``}}`` escape.

The answer streams into the cell as Markdown. Conversations are remembered per
name (default "default") and shared with the chat panel.

Defaults: ``%config GrokMagics.model = "grok-3-mini"`` (see ``%config GrokMagics``).

Subcommands (line magic, ``%grok SUBCOMMAND``):
""" + "\n".join(f"  {name:<9} {text}" for name, text in SUBCOMMANDS.items()) + """

Examples::

    %%grok -m grok-3-mini -t 0.2 -o answer
    Summarise {df} in three bullet points.

    %%grok --image chart_fig --image photo.png
    What do these two images have in common?

    %%grok --tools mean_price,top_n
    Which product sells best?
"""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(message: str) -> UsageError:
    """A user's mistake: one line, no traceback."""
    return UsageError(f"{PREFIX} {_one_line(message)}")


def _is_kernel(shell: Any) -> bool:
    # ZMQInteractiveShell (and its subclasses, e.g. Colab's) can update a display in place.
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


@magics_class
class GrokMagics(Magics):
    """The ``%%grok`` and ``%grok`` magics. Settings: ``%config GrokMagics``."""

    model = Unicode(
        "",
        help="Model or alias used when a cell gives no -m (empty: the catalogue's default).",
    ).tag(config=True)
    system = Unicode(
        "",
        help="System prompt for conversations that have none (empty: no system prompt).",
    ).tag(config=True)
    temperature = Float(
        None,
        allow_none=True,
        help="Sampling temperature 0-2 when a cell gives no -t (None: the API's default).",
    ).tag(config=True)
    max_tokens = Integer(
        None, allow_none=True, help="Answer length cap in tokens when a cell gives no --max-tokens."
    ).tag(config=True)
    max_steps = Integer(
        5, help="Most model rounds in one cell when Grok calls --tools (each round may run tools)."
    ).tag(config=True)
    throttle_interval = Float(
        0.1,
        help="Seconds between display updates while an answer streams (0.1: about 10 a second).",
    ).tag(config=True)
    default_format = CaselessStrEnum(
        FORMATS, default_value="markdown", help="Answer format when a cell gives no -f."
    ).tag(config=True)
    default_chat = Unicode(
        "default", help="Conversation used when a cell gives no --chat."
    ).tag(config=True)
    stream = Bool(True, help="Stream answers as they are written (False: like --no-stream).").tag(
        config=True
    )
    interpolate = Bool(
        True, help="Fill {name} fields in prompts from the notebook's variables."
    ).tag(config=True)
    context_budget = Integer(
        800, help="Token budget for one DataFrame, Series or array interpolated into a prompt."
    ).tag(config=True)
    output = CaselessStrEnum(
        ("auto", "display", "stdout"),
        default_value="auto",
        help="Where answers go: 'display' (rich, updated in place), 'stdout' (plain text "
        "as it streams), or 'auto' (display in a kernel, stdout in a terminal IPython).",
    ).tag(config=True)
    show_footer = Bool(
        True, help="Show the one-line footer (model, tokens, cost, time) under each answer."
    ).tag(config=True)

    @validate("max_steps")
    def _check_max_steps(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError("max_steps must be at least 1")
        return proposal["value"]

    @validate("throttle_interval")
    def _check_interval(self, proposal: Any) -> float:
        if proposal["value"] < 0:
            raise TraitError("throttle_interval must be >= 0")
        return proposal["value"]

    # --- the magic ---------------------------------------------------------

    @magic_arguments(name="%grok")  # the help adds one "%"
    @kwds(description=_DOC)
    @argument_group("Model")
    @argument("-m", "--model", help="Model or alias (see %%grok models); validated before sending.")
    @argument(
        "-s", "--system",
        help="System prompt: text, or the name of a str variable. Kept for the conversation.",
    )
    @argument("-t", "--temperature", type=float, help="Sampling temperature, 0 to 2.")
    @argument("--max-tokens", type=int, metavar="N", help="Cap the answer at N tokens.")
    @argument(
        "--reasoning-effort", metavar="LEVEL",
        help="low or high, for models that take it (grok-3-mini).",
    )
    @argument_group("Answer")
    @argument(
        "-f", "--format", choices=FORMATS, type=str.lower,
        help="markdown (default), text, html; code offers the code as a new cell below; "
        "json parses the answer and shows it.",
    )
    @argument(
        "-o", "--output", metavar="VAR",
        help="Store the answer in VAR: the text, or the parsed object for -f json and --schema.",
    )
    @argument(
        "--schema", metavar="VAR",
        help="A pydantic model class or a JSON-schema dict: structured output, parsed into -o.",
    )
    @argument("--no-stream", action="store_true", help="Wait for the whole answer.")
    @argument_group("Context")
    @argument(
        "--image", action="append", metavar="SRC", default=[],
        help="Repeatable. A path, a URL, or a variable holding a PIL image, bytes, "
        "a matplotlib figure or a numpy array.",
    )
    @argument(
        "--tools", metavar="F,G",
        help="Python functions in the notebook offered to Grok as tools (schemas come from "
        "signatures, type hints and docstrings). Calls run here and are shown.",
    )
    @argument("--max-steps", type=int, metavar="N", help="Most model rounds with --tools.")
    @argument_group("Conversation")
    @argument("--chat", metavar="NAME", help="Named conversation (default: 'default').")
    @argument("--new", action="store_true", help="Start the conversation afresh.")
    @argument("--no-history", action="store_true", help="One-off: no history sent or kept.")
    @no_var_expand
    @line_cell_magic
    def grok(self, line: str, cell: str | None = None) -> None:
        if cell is None:
            self._subcommand(line)
            return None
        try:
            # posix splitting, so -s "two words" loses its quotes (parse_argstring keeps them).
            args = self.grok.parser.parse_args(arg_split(line, posix=True))
        except UsageError as exc:
            raise _fail(f"{exc} (%%grok? lists the options)") from None
        self._ask(args, cell)
        return None

    # --- %%grok ------------------------------------------------------------

    @property
    def _ns(self) -> dict[str, Any]:
        return self.shell.user_ns

    def _ask(self, args: Namespace, cell: str) -> None:
        from .client import Message, TextPart, get_client
        from .client._errors import InvalidRequestError, MissingAPIKeyError
        from .conversation import get_conversation
        from .turn import run_turn

        # Everything a user can get wrong is checked here, before anything is sent.
        fmt = args.format or self.default_format
        _check_var_name(args.output, "-o/--output")
        model = self._model(args.model or self.model or None)
        prompt = cell.rstrip().lstrip("\n")  # IPython's trailing newline is not part of it
        if self.interpolate:
            from ._interpolate import interpolate

            prompt = interpolate(prompt, self._ns, budget_tokens=self.context_budget)
        images = [self._image(src) for src in args.image]
        if not prompt.strip() and not images:
            raise _fail("the cell is empty: write the prompt under %%grok.")
        tools = self._tools(args.tools)
        schema_model, response_format = self._schema(args.schema)
        if response_format is None and fmt == "json":
            response_format = {"type": "json_object"}
        max_steps = args.max_steps if args.max_steps is not None else self.max_steps
        if max_steps < 1:
            raise _fail("--max-steps must be at least 1.")

        params: dict[str, Any] = {}
        temperature = args.temperature if args.temperature is not None else self.temperature
        if temperature is not None:
            if not 0 <= temperature <= 2:
                raise _fail(f"-t {temperature:g}: the temperature must be between 0 and 2.")
            params["temperature"] = temperature
        max_tokens = args.max_tokens if args.max_tokens is not None else self.max_tokens
        if max_tokens is not None:
            if max_tokens < 1:
                raise _fail("--max-tokens must be at least 1.")
            params["max_tokens"] = max_tokens
        if args.reasoning_effort:
            params["reasoning_effort"] = args.reasoning_effort.lower()
        if response_format is not None:
            params["response_format"] = response_format

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
        hint = _FORMAT_HINTS.get(fmt)
        if hint:
            base = system if system is not None else (conversation.system if conversation else None)
            system = f"{base}\n\n{hint}" if base else hint

        content: Any = prompt
        if images:
            content = [TextPart(text=prompt), *images] if prompt.strip() else images
        user = Message.user(content)
        client = get_client()

        sink = self._sink()
        observer = sink.observer()
        try:
            result = run_turn(
                user,
                conversation=conversation,
                client=client,
                model=model,
                system=system,
                params=params,
                tools=tools,
                stream=self.stream and not args.no_stream,
                max_steps=max_steps,
                observer=observer,
                source="magic",
            )
        except KeyboardInterrupt:
            sink.view.interrupted = True
            sink.finish("markdown" if fmt != "text" else "text")
            where = f"conversation {conversation.name!r}" if conversation else "the display above"
            raise _fail(
                f"interrupted: the stream was closed; the partial answer is kept in {where}, "
                "marked [interrupted]."
            ) from None
        except MissingAPIKeyError:
            sink.abandon()
            raise _fail(
                "no xAI API key: set XAI_API_KEY (%env XAI_API_KEY=xai-...), "
                "or run %grok emulator to work offline."
            ) from None
        except InvalidRequestError as exc:
            sink.abandon()
            raise _fail(_explain(exc)) from None

        sink.view.footer = _footer(result) if self.show_footer else ""
        if result.interrupted:
            sink.view.interrupted = True
        if result.error is not None:
            sink.finish("markdown" if fmt != "text" else "text")
            kept = " The partial answer is kept, marked [interrupted]." * result.interrupted
            raise _fail(_explain(result.error) + kept)

        value: Any = result.text
        data: Any = None
        structured = response_format is not None
        if structured and fmt == "markdown":
            fmt = "json"  # structured output reads best as pretty JSON
        try:
            if structured:
                data = _load_json(result.text)
                value = _validate(data, schema_model, args.schema)
            elif fmt == "code":
                value = _extract_code(result.text)
        finally:
            # Shown even when the answer does not parse: the user needs to see what came back.
            sink.finish(fmt, parsed=data)
        if fmt == "code" and value.strip():
            self.shell.set_next_input(value, replace=False)
        if args.output:
            self._ns[args.output] = value

    # --- checks ------------------------------------------------------------

    def _model(self, name: str | None) -> str | None:
        if not name:
            return None
        from .client._catalog import get_catalog

        catalog = get_catalog()
        info = catalog.resolve(name)
        if info is None:
            import difflib

            if name in catalog.retired_aliases:
                raise _fail(f"model {name!r} was retired; see %grok models for current ones.")
            close = difflib.get_close_matches(name, catalog.names(), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise _fail(f"unknown model {name!r}.{hint} See %grok models.")
        if info.kind != "chat":
            raise _fail(f"{name!r} makes images; use %grok image PROMPT, or a chat model with -m.")
        return name

    def _system_text(self, value: str | None) -> str | None:
        if value is None:
            return None
        if value.isidentifier() and value in self._ns:
            named = self._ns[value]
            if not isinstance(named, str):
                raise _fail(f"-s {value}: the variable holds a {type(named).__name__}, not text.")
            return named
        return value

    def _lookup(self, expr: str) -> Any:
        from ._interpolate import is_missing, resolve_field

        value = resolve_field(expr, self._ns)
        return None if is_missing(value) else value

    def _image(self, src: str) -> Any:
        from .client import image_part
        from .client._errors import InvalidRequestError

        obj: Any
        if re.match(r"^(https?|data):", src) or os.path.exists(os.path.expanduser(src)):
            obj = os.path.expanduser(src) if not src.startswith(("http", "data:")) else src
        else:
            obj = self._lookup(src)
            if obj is None:
                if "/" not in src and "\\" not in src:
                    raise _fail(f"--image {src}: no variable or file named {src!r}.")
                raise _fail(f"--image {src}: no such file.")
        try:
            return image_part(obj)
        except InvalidRequestError as exc:
            raise _fail(f"--image {src}: {_one_line(exc)}") from None
        except (TypeError, ValueError, OSError) as exc:
            raise _fail(f"--image {src}: {_one_line(exc)}") from None

    def _tools(self, spec: str | None) -> Any:
        if not spec:
            return None
        from .client._errors import InvalidRequestError
        from .tools import KernelTools

        functions = []
        for name in (n.strip() for n in spec.split(",")):
            if not name:
                continue
            func = self._lookup(name)
            if func is None:
                raise _fail(f"--tools: no function named {name!r} in the notebook.")
            if not callable(func):
                raise _fail(f"--tools: {name!r} is a {type(func).__name__}, not a function.")
            functions.append(func)
        if not functions:
            raise _fail("--tools needs at least one function name, e.g. --tools f,g.")
        try:
            return KernelTools(functions)
        except InvalidRequestError as exc:
            raise _fail(f"--tools: {_one_line(exc)}") from None

    def _schema(self, var: str | None) -> tuple[Any, dict[str, Any] | None]:
        """(pydantic model or None, response_format) for ``--schema VAR``."""
        if not var:
            return None, None
        obj = self._lookup(var)
        if obj is None:
            raise _fail(f"--schema {var}: no variable named {var!r}.")
        model = None
        if isinstance(obj, type) and hasattr(obj, "model_json_schema"):
            model = obj
            schema, name = obj.model_json_schema(), obj.__name__
        elif isinstance(obj, dict):
            if isinstance(obj.get("schema"), dict):  # already {"name", "schema", "strict"}
                schema, name = obj["schema"], str(obj.get("name") or var)
            else:
                schema, name = obj, str(obj.get("title") or var)
        else:
            raise _fail(
                f"--schema {var}: expected a pydantic model class or a JSON-schema dict, "
                f"got a {type(obj).__name__}."
            )
        name = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "answer"
        spec = {"name": name, "schema": schema, "strict": True}
        return model, {"type": "json_schema", "json_schema": spec}

    # --- output ------------------------------------------------------------

    def _sink(self) -> AnswerSink:
        from .display import DisplaySink, StdoutSink

        mode = self.output
        if mode == "auto":
            mode = "display" if _is_kernel(self.shell) else "stdout"
        if mode == "stdout":
            return StdoutSink()
        return DisplaySink(self.throttle_interval)

    # --- %grok SUBCOMMAND --------------------------------------------------

    def _subcommand(self, line: str) -> None:
        words = line.strip().split(None, 1)
        if not words:
            self._help("")
            return
        name, rest = words[0].lower(), (words[1] if len(words) > 1 else "")
        handler = getattr(self, f"_cmd_{name}", None) if name in SUBCOMMANDS else None
        if handler is None:
            import difflib

            close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
            hint = f" Did you mean %grok {close[0]}?" if close else ""
            raise _fail(
                f"unknown subcommand {name!r}.{hint} Use %%grok (two %) to ask a question; "
                "%grok help lists the subcommands."
            )
        handler(rest)

    def _cmd_help(self, rest: str) -> None:
        self._help(rest)

    def _help(self, rest: str) -> None:
        lines = ["%grok subcommands:"]
        lines += [f"  %grok {name:<9} {text}" for name, text in SUBCOMMANDS.items()]
        lines += [
            "",
            "%%grok [options] asks Grok with the cell as the prompt; %%grok? lists every option.",
            "Settings: %config GrokMagics (e.g. %config GrokMagics.model = 'grok-3-mini').",
        ]
        print("\n".join(lines))

    def _cmd_models(self, rest: str) -> None:
        args = _parse("models", rest, ("--refresh", {"action": "store_true",
                                                    "help": "update from the server first"}))
        from . import _reports
        from .client._catalog import get_catalog

        catalog = get_catalog()
        if args.refresh:
            from .client import get_client

            try:
                catalog.refresh(get_client())
            except Exception as exc:
                raise _fail(_explain(exc)) from None
        _show(*_reports.models_table(catalog))

    def _cmd_usage(self, rest: str) -> None:
        args = _parse("usage", rest, ("--clear", {"action": "store_true",
                                                  "help": "forget the usage so far"}))
        from . import _reports
        from .client import get_ledger

        ledger = get_ledger()
        if args.clear:
            ledger.clear()
            print("Usage ledger cleared.")
            return
        _show(*_reports.usage_table(ledger))

    def _conversation_name(self, rest: str, sub: str) -> str:
        args = _parse(sub, rest, ("name", {"nargs": "?", "help": "conversation name"}))
        return args.name or self.default_chat

    def _cmd_history(self, rest: str) -> None:
        from . import _reports
        from .conversation import conversation_names, get_conversation

        name = self._conversation_name(rest, "history")
        if name not in conversation_names():
            known = ", ".join(conversation_names()) or "none yet"
            print(f"No conversation named {name!r} (conversations: {known}).")
            return
        _show(*_reports.history(get_conversation(name)))

    def _cmd_reset(self, rest: str) -> None:
        from .conversation import get_conversation

        name = self._conversation_name(rest, "reset")
        conversation = get_conversation(name)
        conversation.reset()
        conversation.system = None
        print(f"Conversation {name!r} cleared.")

    def _cmd_tokens(self, rest: str) -> None:
        args = _parse(
            "tokens", rest,
            ("-m", {"dest": "model", "help": "model whose tokenizer to use"}),
            ("text", {"nargs": "+", "help": "the text to count"}),
        )
        text = " ".join(args.text)
        if self.interpolate:
            from ._interpolate import interpolate

            text = interpolate(text, self._ns, budget_tokens=self.context_budget)
        model = self._model(args.model or self.model or None)
        from .client import get_client

        try:
            count = get_client().count_tokens(text, model=model)
        except Exception as exc:
            raise _fail(_explain(exc)) from None
        print(f"{count:,} tokens")

    def _cmd_image(self, rest: str) -> None:
        args = _parse(
            "image", rest,
            ("-n", {"type": int, "default": 1, "help": "how many images (1-10)"}),
            ("-o", {"dest": "output", "metavar": "VAR", "help": "store the images (a list)"}),
            ("-m", {"dest": "model", "help": "image model"}),
            ("prompt", {"nargs": "+", "help": "what to draw"}),
        )
        _check_var_name(args.output, "-o")
        if not 1 <= args.n <= 10:
            raise _fail("-n must be between 1 and 10.")
        prompt = " ".join(args.prompt)
        if self.interpolate:
            from ._interpolate import interpolate

            prompt = interpolate(prompt, self._ns, budget_tokens=self.context_budget)
        import base64

        from IPython.display import Image, Markdown, display

        from .client import get_client

        try:
            images = get_client().generate_images(
                prompt, n=args.n, response_format="b64_json", model=args.model
            )
        except Exception as exc:
            raise _fail(_explain(exc)) from None
        stored = []
        for image in images:
            if image.b64_json:
                data = base64.b64decode(image.b64_json)
                display(Image(data=data))
                stored.append(data)
            elif image.url:
                display(Image(url=image.url))
                stored.append(image.url)
            if image.revised_prompt:
                display(Markdown(f"*{image.revised_prompt}*"))
        if args.output:
            self._ns[args.output] = [_to_pil(x) for x in stored]

    def _cmd_chat(self, rest: str) -> None:
        name = self._conversation_name(rest, "chat")
        try:
            from .widget import ChatPanel
        except ImportError:
            raise _fail(
                "the chat panel is not available in this version of grok-jupyter; "
                f"use %%grok --chat {name} meanwhile."
            ) from None
        from IPython.display import display

        display(ChatPanel(name, model=self.model or None))

    def _cmd_config(self, rest: str) -> None:
        from . import _reports

        _parse("config", rest)
        from .emulator import running_url

        _show(*_reports.config_table(self, running_url()))

    def _cmd_emulator(self, rest: str) -> None:
        args = _parse(
            "emulator", rest,
            ("--if-no-key", {"action": "store_true",
                             "help": "do nothing when XAI_API_KEY is already set"}),
            ("--stop", {"action": "store_true", "help": "stop the emulator started here"}),
        )
        if args.stop:
            stop_emulator()
            print("Emulator stopped.")
            return
        from .emulator import running_url

        if args.if_no_key and os.environ.get("XAI_API_KEY") and running_url() is None:
            url = os.environ.get("XAI_BASE_URL") or "https://api.x.ai/v1"
            print(f"XAI_API_KEY is set: using {url}.")
            return
        url = start_emulator()
        print(f"Emulator running at {url}; Grok calls now go to it (offline, no cost).")


# --- helpers ----------------------------------------------------------------


def _parse(sub: str, rest: str, *specs: tuple[Any, dict[str, Any]]) -> Namespace:
    parser = MagicArgumentParser(prog=f"%grok {sub}", description=SUBCOMMANDS.get(sub))
    for flag, kwargs in specs:
        parser.add_argument(*((flag,) if isinstance(flag, str) else flag), **kwargs)
    try:
        return parser.parse_args(arg_split(rest, posix=True))
    except UsageError as exc:
        raise _fail(f"%grok {sub}: {exc}") from None


def _show(markdown: str, plain: str) -> None:
    from IPython.display import display

    display({"text/markdown": markdown, "text/plain": plain}, raw=True)


def _check_var_name(name: str | None, option: str) -> None:
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise _fail(f"{option} {name}: not a valid Python variable name.")


def _explain(exc: BaseException) -> str:
    """One line saying what went wrong and what to change."""
    from .client._errors import (
        APIConnectionError,
        APIStatusError,
        AuthenticationError,
        ContextWindowExceededError,
        RateLimitError,
        StreamInterruptedError,
        UnsupportedParameterError,
    )

    message = _one_line(getattr(exc, "message", None) or exc)
    if isinstance(exc, UnsupportedParameterError):
        return f"{message} Drop that option or pick another model with -m."
    if isinstance(exc, ContextWindowExceededError):
        return (
            f"the request needs about {exc.estimated_tokens:,} tokens but the model's context "
            f"window is {exc.context_window:,}: shorten the prompt, lower --max-tokens, "
            "start afresh with --new, or use --no-history."
        )
    if isinstance(exc, RateLimitError):
        wait = f" (the API asks to wait {exc.retry_after:g} s)" if exc.retry_after else ""
        return f"rate limited by the API after retries{wait}: {message} Run the cell again later."
    if isinstance(exc, AuthenticationError):
        return f"the API key was refused: {message} Check XAI_API_KEY."
    if isinstance(exc, StreamInterruptedError):
        return f"the stream broke before the answer was complete: {message}"
    if isinstance(exc, APIStatusError):
        return f"the API refused the request: {message}"
    if isinstance(exc, APIConnectionError):
        return f"could not reach the API: {message} Check XAI_BASE_URL and the network."
    return message


def _footer(result: TurnResult) -> str:
    parts = [result.model or "?"]
    usage = result.usage
    if usage is not None:
        tokens = f"{usage.prompt_tokens:,} in · {usage.completion_tokens:,} out"
        if usage.reasoning:
            tokens += f" · {usage.reasoning:,} reasoning"
        parts.append(tokens + " tokens")
    parts.append(f"${result.cost_usd:.4f}" if result.cost_usd >= 0.0001 or not result.cost_usd
                 else f"${result.cost_usd:.6f}")
    parts.append(f"{result.latency_s:.1f} s")
    if result.tool_results:
        parts.append(f"{len(result.tool_results)} tool call{'s' * (len(result.tool_results) != 1)}")
    return " · ".join(parts)


_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:\n```|\Z)", re.DOTALL)


def _extract_code(text: str) -> str:
    """The first fenced block, or the whole answer when there is none."""
    match = _FENCE.search(text)
    return (match.group(1) if match else text).strip("\n")


def _load_json(text: str) -> Any:
    raw = text.strip()
    fenced = _FENCE.search(raw)
    if fenced and not raw.startswith(("{", "[")):
        raw = fenced.group(1)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _fail(f"the answer is not valid JSON ({exc.msg} at char {exc.pos}).") from None
    return data


def _validate(data: Any, schema_model: Any, schema_name: str | None) -> Any:
    """A pydantic instance for a model schema; the plain JSON value otherwise."""
    if schema_model is None:
        return data
    try:
        return schema_model.model_validate(data)
    except Exception as exc:
        first = str(exc).splitlines()
        detail = first[1] if len(first) > 1 else first[0] if first else ""
        raise _fail(f"the answer does not match --schema {schema_name}: {detail}") from None


def _to_pil(data: bytes | str) -> Any:
    if isinstance(data, str):
        return data
    import io

    from PIL import Image as PILImage

    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


# --- the in-kernel emulator --------------------------------------------------



def start_emulator() -> str:
    """Start the process-wide emulator (once) and point the client at it."""
    from .emulator import start

    return start() or ""


def stop_emulator() -> None:
    from .emulator import stop

    stop()


# --- extension hooks --------------------------------------------------------


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%grok``/``%grok`` and make ``%config GrokMagics`` work."""
    for old in [c for c in ipython.configurables if isinstance(c, GrokMagics)]:
        ipython.configurables.remove(old)  # %reload_ext: the new instance takes over
    magics = GrokMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)


def unload_ipython_extension(ipython: Any) -> None:
    for old in [c for c in ipython.configurables if isinstance(c, GrokMagics)]:
        ipython.configurables.remove(old)
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("grok", None)
