"""``%%grok``: the cell is the prompt. Options, settings and the ask pipeline.

Loading this module must stay cheap (``%load_ext grok_jupyter`` is >= 10x
faster than jupyter-ai's): it imports only IPython and traitlets, which the
shell has already loaded. The client, pydantic, httpx, PIL and pandas are
imported when a cell first needs them.
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import (
    argument,
    argument_group,
    kwds,
    magic_arguments,
)
from IPython.utils.process import arg_split
from traitlets import (
    Bool,
    CaselessStrEnum,
    Float,
    Integer,
    TraitError,
    Unicode,
    observe,
    validate,
)

from .agent_cell import AgentCell
from .ask import AskCell
from .chat_command import ChatCommands
from .effort import REASONING_EFFORTS
from .fix_command import FixCommand
from .formats import FORMATS
from .inputs import CellInputs
from .messages import fail
from .shell import UserNamespace, clean_warnings
from .subcommands import SUBCOMMANDS, GrokSubcommands
from .table_commands import TableCommands

if TYPE_CHECKING:

    from ..notebook.display import AnswerSink

_DOC = """Ask Grok. The cell body is the prompt; ``%grok SUBCOMMAND`` does the rest.
``{name}``, ``{name.attr}``, ``{name[0]}``, ``{In[3]}`` and ``{Out[3]}`` in the
prompt are filled from the notebook's variables (a DataFrame becomes a compact
description: the whole frame when it fits GrokMagics.context_budget, else its first and
last rows, saying how many were left out). Anything else in braces (JSON, dict
literals, unknown names) is sent exactly as written; ``{{`` and ``}}`` escape.
Code is never rewritten: inside fenced code blocks (```...```) and inline code
spans (`...`) braces, ``{{`` and ``}}`` are sent exactly as typed.

The answer streams into the cell as Markdown. Conversations are remembered per
name (default "default") and shared with the chat panel. Re-running the cell
that took a conversation's latest turn replaces that turn instead of adding one.

Defaults: ``%config GrokMagics.model = "grok-4.3"`` (see ``%config GrokMagics``).

Subcommands (line magic, ``%grok SUBCOMMAND``):
""" + "\n".join(f"  {name:<9} {text}" for name, text in SUBCOMMANDS.items()) + """

Examples::

    %%grok -m grok-4.3 -t 0.2 -o answer
    Summarise {df} in three bullet points.

    %%grok --image chart_fig --image photo.png
    What do these two images have in common?

    %%grok --file report.pdf --file notes.txt
    What does the report conclude, and do my notes agree?

    %%grok --tools mean_price,top_n
    Which product sells best?

    %%grok --agent --approve auto --budget 0.05
    Load trips.csv and plot trips per hour.
"""


def is_kernel(shell: Any) -> bool:
    # ZMQInteractiveShell (and its subclasses, e.g. Colab's) can update a display in place.
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


@magics_class
class GrokMagics(
    AskCell, AgentCell, TableCommands, FixCommand, ChatCommands, GrokSubcommands, CellInputs, Magics
):
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
        help="Least seconds between display updates while an answer streams (0.1: about 10 "
        "a second); a long open paragraph is re-sent less often, never over 0.75 s apart. "
        "0 updates on every token.",
    ).tag(config=True)
    default_format = CaselessStrEnum(
        FORMATS, default_value="markdown", help="Answer format when a cell gives no -f."
    ).tag(config=True)
    default_chat = Unicode(
        "default", help="Conversation used when a cell gives no --chat."
    ).tag(config=True)
    chat_dir = Unicode(
        "",
        help="Folder where chats are saved after each turn and restored from after a restart "
        "(empty: $GROK_JUPYTER_CHAT_DIR, else .grok/chats beside the notebook; 'off': none).",
    ).tag(config=True)

    @observe("chat_dir")
    def _chat_dir_changed(self, change: Any) -> None:
        from ..notebook.chat_store import set_chat_dir

        set_chat_dir(change["new"] or None)

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
    confirm_over_usd = Float(
        0.50,
        help="Cost guard: a cell, panel send or %grok fix estimated above this many USD stops "
        "before sending, with the estimate; --yes sends it anyway.",
    ).tag(config=True)
    max_value_chars = Integer(
        20_000,
        help="A string longer than this filled into a prompt by {name} is cut to it "
        "(a line under the cell says so).",
    ).tag(config=True)
    show_footer = Bool(
        True, help="Show the one-line footer (model, tokens, cost, time) under each answer."
    ).tag(config=True)
    api = CaselessStrEnum(
        ("auto", "chat", "responses"),
        default_value="auto",
        help="API for turns: 'auto' (the Responses API for models that take it, else chat), "
        "'chat' (/v1/chat/completions) or 'responses' (/v1/responses). --search, --code, "
        "--mcp and --file always use responses. The chat panel follows this setting.",
    ).tag(config=True)

    @observe("api")
    def _api_changed(self, change: Any) -> None:
        from ..notebook.turn.routing import set_default_api

        set_default_api(change["new"])

    # Settings are checked when made (``%config GrokMagics.x = ...``), with the same rules
    # as the cell options, so a typo fails there rather than at the next cell.
    @validate("model")
    def _check_model(self, proposal: Any) -> str:
        # As -m: unknown, retired and image models are refused, with the closest names.
        # %grok models --refresh brings a model newer than the bundled catalogue in.
        try:
            self._model(proposal["value"] or None)
        except UsageError as exc:
            raise TraitError(f"GrokMagics.model: {str(exc).removeprefix('grok: ')}") from None
        return proposal["value"]

    @validate("temperature")
    def _check_temperature(self, proposal: Any) -> float | None:
        value = proposal["value"]
        if value is not None and not 0 <= value <= 2:
            raise TraitError(
                f"GrokMagics.temperature = {value:g}: the temperature must be between 0 and 2 "
                "(or None for the API's default)."
            )
        return value

    @observe("confirm_over_usd")
    def _confirm_changed(self, change: Any) -> None:
        from ..notebook.turn.guard import set_default_threshold

        set_default_threshold(change["new"])

    @validate("confirm_over_usd")
    def _check_threshold(self, proposal: Any) -> float:
        if proposal["value"] < 0:
            raise TraitError("GrokMagics.confirm_over_usd must be 0 or more (USD).")
        return proposal["value"]

    @validate("max_tokens", "context_budget", "max_value_chars")
    def _check_positive(self, proposal: Any) -> int | None:
        value, name = proposal["value"], proposal["trait"].name
        if value is not None and value < 1:
            raise TraitError(f"GrokMagics.{name} = {value}: must be at least 1.")
        return value

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
        "--reasoning-effort", metavar="LEVEL", type=str.lower, choices=REASONING_EFFORTS,
        help="none, low, medium, high or xhigh; each model takes its own set "
        "(%%grok models lists them).",
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
    @argument(
        "--yes", action="store_true",
        help="Send even when the estimate is over GrokMagics.confirm_over_usd (the cost guard).",
    )
    @argument_group("Context")
    @argument(
        "--image", action="append", metavar="SRC", default=[],
        help="Repeatable. A path, a URL, or a variable holding a PIL image, bytes, "
        "a matplotlib figure or a numpy array.",
    )
    @argument(
        "--file", action="append", metavar="PATH", default=[],
        help="Repeatable. A document Grok reads (PDF, text, CSV, ...), or a variable holding "
        "its path; sent through the Responses API (attachment search). Uploaded once per "
        "content per session; an image path goes as --image.",
    )
    @argument(
        "--tools", metavar="F,G",
        help="Python functions in the notebook offered to Grok as tools (schemas come from "
        "signatures, type hints and docstrings). Calls run here and are shown.",
    )
    @argument("--max-steps", type=int, metavar="N",
              help="Most model rounds with --tools (default 5) or --agent (default 10).")
    @argument_group("Agent (Grok works in the notebook)")
    @argument(
        "--agent", action="store_true",
        help="Grok reads the kernel's variables, recent cells and the notebook's files, and "
        "writes and runs cells in this kernel, step by step, asking first (--approve).",
    )
    @argument(
        "--approve", choices=("ask", "auto", "plan"), default="ask", type=str.lower,
        help="ask (default): Run / Edit / Skip / Stop before each step; auto: run without "
        "asking; plan: only propose the cells, run nothing.",
    )
    @argument("--budget", type=float, metavar="USD",
              help="Stop the agent before a step that would take its spending past USD.")
    @argument("--step-timeout", type=float, metavar="S",
              help="Interrupt a step's code after S seconds (default 60); the step is marked "
                   "'timed out after S s'.")
    @argument_group("Conversation")
    @argument("--chat", metavar="NAME", help="Named conversation (default: 'default').")
    @argument("--new", action="store_true", help="Start the conversation afresh.")
    @argument("--no-history", action="store_true", help="One-off: no history sent or kept.")
    @argument_group("Server-side tools (Responses API)")
    @argument("--search", metavar="web,x", help="Let Grok search the web, X, or both; "
              "the answer lists its sources as numbered links.")
    @argument("--x-handles", metavar="A,B", help="X search: only posts from these handles.")
    @argument("--domains", metavar="A,B", help="Web search: only pages on these domains.")
    @argument("--from-date", metavar="YYYY-MM-DD", help="X search: posts from this date on.")
    @argument("--to-date", metavar="YYYY-MM-DD", help="X search: posts up to this date.")
    @argument("--code", action="store_true", help="Let Grok run Python on the server.")
    @argument("--mcp", action="append", metavar="URL", default=[],
              help="Repeatable. A remote MCP server (http or https) Grok may call.")
    @no_var_expand
    @line_cell_magic
    def grok(self, line: str, cell: str | None = None) -> None:
        with clean_warnings():  # one line per warning, no library path
            if cell is None:
                self._subcommand(line)
                return None
            self._ask(self._cell_args(line), cell)
        return None

    # --- %%grok ------------------------------------------------------------

    def _cell_args(self, line: str) -> Namespace:
        """The cell's options. A plain ``%%grok`` (most cells) takes every default: those
        are parsed once and copied, as argparse's own per-call work is a good part of
        the cell's time before the request."""
        if not line.strip():
            defaults = self.__dict__.get("_cell_defaults")
            if defaults is None:
                defaults = self._cell_defaults = self._parse_cell_args([])
            return Namespace(**{k: list(v) if isinstance(v, list) else v
                                for k, v in vars(defaults).items()})
        # posix splitting, so -s "two words" loses its quotes (parse_argstring keeps them).
        return self._parse_cell_args(arg_split(line, posix=True))

    def _parse_cell_args(self, argv: list[str]) -> Namespace:
        try:
            return self.grok.parser.parse_args(argv)
        except UsageError as exc:
            raise fail(f"{exc} (%%grok? lists the options)") from None

    @property
    def _ns(self) -> MutableMapping[str, Any]:
        # The user's variables; In[N] and _iN give cells as typed (shell.UserNamespace).
        return UserNamespace(self.shell)

    # --- output ------------------------------------------------------------

    def _display_mode(self) -> str:
        """'display' (rich, updated in place) or 'stdout' (a terminal)."""
        if self.output == "auto":
            return "display" if is_kernel(self.shell) else "stdout"
        return self.output

    def _sink(self, *, quiet_text: bool = False) -> AnswerSink:
        """``quiet_text``: a JSON answer, printed once parsed rather than as it streams."""
        from ..notebook.display import DisplaySink, StdoutSink

        if self._display_mode() == "stdout":
            return StdoutSink(quiet_text=quiet_text)
        return DisplaySink(self.throttle_interval)

    # --- %grok SUBCOMMAND --------------------------------------------------

