"""``%grok SUBCOMMAND``: models, usage, history, compact, reset, tokens, image, chat, config,
emulator.

A mixin of :class:`~grok_jupyter.magic.cell.GrokMagics`, so the subcommands
share its settings (``%config GrokMagics``) and namespace. The other families are
mixins of their own: ``chats`` (chat_command.py), ``fix`` (fix_command.py), ``map``
and ``batches`` (table_commands.py); ``SUBCOMMANDS`` lists them all for ``%grok help``.
"""

from __future__ import annotations

import keyword
import os
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser
from IPython.utils.process import arg_split

from .formats import to_pil
from .messages import explain, fail

if TYPE_CHECKING:
    from argparse import Namespace


SUBCOMMANDS = {
    "models": "the model catalogue: context, modalities, prices, aliases  [--refresh]",
    "usage": "tokens and USD per model across magic, panel and ChatGrok  [--clear]",
    "history": "the conversation so far, and where it was compacted  [NAME]",
    "compact": "compact a conversation now: later turns send it shortened  [NAME] [-m MODEL]",
    "reset": "clear a conversation  [NAME]",
    "tokens": "count the tokens in TEXT ({name} fields are filled)  TEXT [-m MODEL]",
    "image": "generate images and show them inline  PROMPT [-n N] [-o VAR]",
    "chat": "open the chat panel  [NAME] [--side]",
    "chats": "the saved chats  [--delete NAME] [--export NAME [--to PATH]] [--undo NAME]",
    "fix": "explain the last error and offer a corrected cell below  [-m MODEL] [--chat NAME]",
    "map": "ask a prompt for every row of a table  DF TEMPLATE [--schema NAME] [-o VAR] [...]",
    "batches": "the batches %grok map / map_rows submitted, with their status now",
    "config": "the current settings (the API key is shown masked)",
    "emulator": "start a local emulator of the xAI API in this kernel  [--if-no-key] [--stop]",
    "help": "this list",
}



class GrokSubcommands:
    """The ``%grok SUBCOMMAND`` handlers; ``_cmd_NAME`` serves ``%grok NAME``."""

    # provided by GrokMagics
    default_chat: str
    model: str
    _ns: dict[str, Any]

    _model: Any  # CellInputs._model: the model a name resolves to, checked
    _filled: Any  # CellInputs._filled: a prompt with its {name} fields filled

    def _display_mode(self) -> str:  # pragma: no cover - GrokMagics's
        raise NotImplementedError

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
            raise fail(
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
            "Settings: %config GrokMagics (e.g. %config GrokMagics.model = 'grok-4.3').",
        ]
        print("\n".join(lines))

    def _cmd_models(self, rest: str) -> None:
        args = parse("models", rest, ("--refresh", {"action": "store_true",
                                                    "help": "update from the server first"}))
        from ..client._catalog import get_catalog
        from . import reports

        catalog = get_catalog()
        if args.refresh:
            from ..client import get_client

            try:
                catalog.refresh(get_client())
            except Exception as exc:
                raise fail(explain(exc)) from None
        show(*reports.models_table(catalog))

    def _cmd_usage(self, rest: str) -> None:
        args = parse("usage", rest, ("--clear", {"action": "store_true",
                                                  "help": "forget the usage so far"}))
        from ..client import get_ledger
        from . import reports

        ledger = get_ledger()
        if args.clear:
            ledger.clear()
            print("Usage ledger cleared.")
            return
        show(*reports.usage_table(ledger))

    def _conversation_name(self, rest: str, sub: str) -> str:
        args = parse(sub, rest, ("name", {"nargs": "?", "help": "conversation name"}))
        return args.name or self.default_chat

    def _cmd_history(self, rest: str) -> None:
        from ..notebook.chat_store import chat_names
        from ..notebook.conversation import get_conversation
        from . import reports

        name = self._conversation_name(rest, "history")
        if name not in chat_names():  # in memory, or saved before a restart
            known = ", ".join(chat_names()) or "none yet"
            print(f"No conversation named {name!r} (conversations: {known}).")
            return
        show(*reports.history(get_conversation(name)))

    def _cmd_compact(self, rest: str) -> None:
        args = parse(
            "compact", rest,
            ("-m", {"dest": "model", "help": "the model the next turns use (default: "
                    "GrokMagics.model, else the conversation's last)"}),
            ("name", {"nargs": "?", "help": "conversation name"}),
        )
        from ..client import get_client
        from ..client._errors import InvalidRequestError
        from ..notebook.chat_store import chat_names
        from ..notebook.conversation import get_conversation
        from ..notebook.turn.compaction import compact_conversation

        name = args.name or self.default_chat
        if name not in chat_names():
            known = ", ".join(chat_names()) or "none yet"
            raise fail(f"there is no conversation named {name!r} (conversations: {known}).")
        model = self._model(args.model or self.model or None)
        conversation = get_conversation(name)
        try:
            note = compact_conversation(get_client(), conversation, model=model, source="magic")
        except InvalidRequestError as exc:
            raise fail(explain(exc)) from None
        if note.failed is not None:
            raise fail(f"conversation {name!r}: {note.failed}")
        print(f"Conversation {name!r}: {note.describe()}.")

    def _cmd_reset(self, rest: str) -> None:
        from ..notebook.chat_store import chat_names
        from ..notebook.conversation import SCRATCH, get_conversation

        name = self._conversation_name(rest, "reset")
        if name not in (SCRATCH, self.default_chat) and name not in chat_names():
            known = ", ".join(chat_names()) or "none yet"  # a typo must not look done
            print(f"No conversation named {name!r}: nothing cleared (conversations: {known}).")
            return
        conversation = get_conversation(name)
        conversation.reset()
        conversation.system = None
        print(f"Conversation {name!r} cleared.")

    def _cmd_tokens(self, rest: str) -> None:
        args = parse(
            "tokens", rest,
            ("-m", {"dest": "model", "help": "model whose tokenizer to use"}),
            ("text", {"nargs": "+", "help": "the text to count"}),
        )
        text = " ".join(args.text)
        text = self._filled(text)
        model = self._model(args.model or self.model or None)
        from ..client import get_client

        try:
            count = get_client().count_tokens(text, model=model)
        except Exception as exc:
            raise fail(explain(exc)) from None
        print(f"{count:,} tokens")

    def _cmd_image(self, rest: str) -> None:
        args = parse(
            "image", rest,
            ("-n", {"type": int, "default": 1, "help": "how many images (1-10)"}),
            ("-o", {"dest": "output", "metavar": "VAR", "help": "store the images (a list)"}),
            ("-m", {"dest": "model", "help": "image model"}),
            ("prompt", {"nargs": "+", "help": "what to draw"}),
        )
        check_var_name(args.output, "-o")
        if not 1 <= args.n <= 10:
            raise fail("-n must be between 1 and 10.")
        prompt = " ".join(args.prompt)
        prompt = self._filled(prompt)
        import base64

        from IPython.display import Image, Markdown, display

        from ..client import get_client

        try:
            images = get_client().generate_images(
                prompt, n=args.n, response_format="b64_json", model=args.model
            )
        except Exception as exc:
            raise fail(explain(exc)) from None
        rich = self._display_mode() == "display"
        stored = []
        for i, image in enumerate(images, 1):
            if image.b64_json:
                data = base64.b64decode(image.b64_json)
                if rich:
                    display(Image(data=data))
                else:  # a terminal cannot show it (it would print an object repr): save it
                    print(f"Image {i} of {len(images)} saved to {save_image(data)}")
                stored.append(data)
            elif image.url:
                if rich:
                    display(Image(url=image.url))
                else:
                    print(f"Image {i} of {len(images)}: {image.url}")
                stored.append(image.url)
            if image.revised_prompt:
                if rich:
                    display(Markdown(f"*{image.revised_prompt}*"))
                else:
                    print(f"  revised prompt: {image.revised_prompt}")
        if args.output:
            self._ns[args.output] = [to_pil(x) for x in stored]

    def _cmd_chat(self, rest: str) -> None:
        args = parse(
            "chat", rest,
            ("name", {"nargs": "?", "help": "conversation name"}),
            ("--side", {"action": "store_true", "help": "open it in the side panel (JupyterLab's "
                        "right-hand area, Notebook 7's side panel); needs the notebook bridge"}),
        )
        name = args.name or self.default_chat
        try:
            from ..panel.widget import ChatPanel
        except ImportError:
            raise fail(
                "the chat panel is not available in this version of grok-jupyter; "
                f"use %%grok --chat {name} meanwhile."
            ) from None
        from IPython.display import display

        from ..notebook.conversation import get_conversation

        # Loaded from the chat store (.grok/chats) when it is not in memory: after a restart.
        display(ChatPanel(get_conversation(name), model=self.model or None, side=args.side))

    def _cmd_config(self, rest: str) -> None:
        from . import reports

        parse("config", rest)
        from ..emulator import running_url

        show(*reports.config_table(self, running_url()))

    def _cmd_emulator(self, rest: str) -> None:
        args = parse(
            "emulator", rest,
            ("--if-no-key", {"action": "store_true",
                             "help": "do nothing when XAI_API_KEY is already set"}),
            ("--stop", {"action": "store_true", "help": "stop the emulator started here"}),
        )
        if args.stop:
            stop_emulator()
            print("Emulator stopped.")
            return
        from ..emulator import running_url

        if args.if_no_key and os.environ.get("XAI_API_KEY") and running_url() is None:
            url = os.environ.get("XAI_BASE_URL") or "https://api.x.ai/v1"
            print(f"XAI_API_KEY is set: using {url}.")
            return
        url = start_emulator()
        print(f"Emulator running at {url}; Grok calls now go to it (offline, no cost).")


def parse(sub: str, rest: str, *specs: tuple[Any, dict[str, Any]]) -> Namespace:
    parser = MagicArgumentParser(prog=f"%grok {sub}", description=SUBCOMMANDS.get(sub))
    for flag, kwargs in specs:
        parser.add_argument(*((flag,) if isinstance(flag, str) else flag), **kwargs)
    try:
        return parser.parse_args(arg_split(rest, posix=True))
    except UsageError as exc:
        raise fail(f"%grok {sub}: {exc}") from None


def show(markdown: str, plain: str) -> None:
    from IPython.display import display

    display({"text/markdown": markdown, "text/plain": plain}, raw=True)


def check_var_name(name: str | None, option: str) -> None:
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise fail(f"{option} {name}: not a valid Python variable name.")



def save_image(data: bytes) -> str:
    """Write generated image bytes to a new file in the temp directory; its path."""
    import tempfile

    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg" if data[:2] == b"\xff\xd8" else ""
    folder = os.path.join(tempfile.gettempdir(), "grok-images")
    os.makedirs(folder, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="grok-image-", suffix=suffix or ".img", dir=folder)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def start_emulator() -> str:
    """Start the process-wide emulator (once) and point the client at it."""
    from ..emulator import start

    return start() or ""


def stop_emulator() -> None:
    from ..emulator import stop

    stop()


