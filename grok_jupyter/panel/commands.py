"""What the panel does with a prompt before it is a paid turn: ``/commands`` handled here,
``{name}`` and ``@name`` filled from the kernel's variables, and ``@`` completion.

Slash commands are the ones jupyter-ai users type (``/clear``, ``/export``, ``/fix``,
``/help``); they are never sent to Grok. An unknown ``/word`` is refused here, with
the list, and the prompt stays in the input; ``//`` sends a prompt that starts with "/".
A path such as ``/usr/lib ...`` is not a command (a command is a bare word).

``{name}`` is filled exactly as the magic fills it (``notebook/interpolate.py``, with
its template safety and value cuts, under ``GrokMagics``' settings); ``@name`` names a
variable the same way. A mixin of ``ChatPanel``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from ..client._errors import InvalidRequestError

COMMANDS: dict[str, str] = {
    "/clear": "forget this chat (Undo brings it back)",
    "/export": "download this chat as Markdown",
    "/fix": "send the last error's traceback and its cell, for a corrected cell",
    "/help": "this list",
}
_COMMAND = re.compile(r"^\s*(/[A-Za-z][\w-]*)(?:\s|$)")
_AT_NAME = re.compile(r"(?<![\w@.{])@([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
MAX_COMPLETIONS = 12


class UnknownCommandError(InvalidRequestError):
    """A ``/word`` the panel does not know; nothing was sent."""


def command_list() -> str:
    lines = [f"{name}: {what}" for name, what in COMMANDS.items()]
    return "Commands: " + "; ".join(lines) + '. Start with "//" to send a "/" as written.'


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()


def magic_settings(shell: Any) -> tuple[bool, int, int]:
    """(interpolate, context_budget, max_value_chars) as the loaded magic has them; the
    magic's defaults when it is not loaded (read from the shell: the magic imports the
    panel, never the other way round)."""
    from ..notebook.interpolate import MAX_STRING_CHARS

    registry = getattr(getattr(shell, "magics_manager", None), "registry", None) or {}
    magics = registry.get("GrokMagics")
    return (
        bool(getattr(magics, "interpolate", True)),
        int(getattr(magics, "context_budget", 800)),
        int(getattr(magics, "max_value_chars", MAX_STRING_CHARS)),
    )


def fill_prompt(text: str, shell: Any, notes: list[str]) -> str:
    """``{name}`` and ``@name`` filled from the kernel's variables, as ``%%grok`` fills
    ``{name}``; unknown names stay as typed. Raises ``UnsafeTemplateFieldError``."""
    if shell is None:
        return text
    enabled, budget, max_chars = magic_settings(shell)
    if not enabled:
        return text
    from ..notebook.interpolate import interpolate

    if "@" in text:
        text = _at_names(text, shell)
    return interpolate(text, shell.user_ns, budget_tokens=budget, notes=notes,
                       max_string_chars=max_chars)  # fmt: skip


def _at_names(text: str, shell: Any) -> str:
    """``@name`` as ``{name}`` where ``name`` is one of the notebook's variables (the ones
    ``@`` completion offers: no modules, no private names); never inside code, where ``@``
    is a decorator or an operator."""
    from ..notebook.interpolate import _CODE, variable_names

    names = set(variable_names(shell))

    def at_name(match: re.Match[str]) -> str:
        root = match.group(1).split(".")[0]
        return "{" + match.group(1) + "}" if root in names else match.group()

    out, at = [], 0
    for code in _CODE.finditer(text):
        out += [_AT_NAME.sub(at_name, text[at : code.start()]), code.group()]
        at = code.end()
    return "".join([*out, _AT_NAME.sub(at_name, text[at:])])


class PanelCommands:
    """Slash commands, ``{name}``/``@name`` filling and ``@`` completion for ``ChatPanel``."""

    send_custom: Callable[..., None]

    def _command(self, text: str) -> bool:
        """Handle ``text`` if it is a ``/command``; True if it was (nothing is sent to Grok).
        An unknown one raises ``UnknownCommandError`` with the list."""
        match = _COMMAND.match(text)
        if match is None:
            return False
        name = match.group(1).lower()
        actions: dict[str, Callable[[], Any]] = {
            "/clear": self.clear,  # type: ignore[attr-defined]
            "/export": self._download_export,
            "/fix": self.fix,  # type: ignore[attr-defined]
            "/help": lambda: self._notice(command_list()),
        }
        action = actions.get(name)
        if action is None:
            raise UnknownCommandError(f"Unknown command {match.group(1)}. {command_list()}")
        action()
        return True

    def _download_export(self) -> None:
        from .chats import _safe_filename

        self.send_custom(
            {
                "type": "export",
                "markdown": self.export_markdown(),  # type: ignore[attr-defined]
                "filename": _safe_filename(self.conversation.name) + ".md",  # type: ignore[attr-defined]
            }
        )

    def _notice(self, text: str) -> None:
        """A note for the user (not an error), shown above the input until dismissed."""
        self.send_custom({"type": "notice", "text": text})

    def completions(self, prefix: str) -> list[dict[str, str]]:
        """What ``@prefix`` may name: kernel variables (inserted as ``{name}``) and files in
        the kernel's folder (attached), by name."""
        prefix = prefix.strip()
        items: list[dict[str, str]] = []
        shell = _shell()
        if shell is not None:
            from ..notebook.interpolate import variable_names

            for name in variable_names(shell):
                if name.lower().startswith(prefix.lower()):
                    items.append({"kind": "variable", "label": name, "value": "{" + name + "}"})
        try:
            names = sorted(os.listdir("."))
        except OSError:
            names = []
        for name in names:
            if name.lower().startswith(prefix.lower()) and not name.startswith("."):
                if os.path.isfile(name):
                    items.append({"kind": "file", "label": name, "value": name})
        return items[:MAX_COMPLETIONS]

    def _command_handlers(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "complete": lambda c: self.send_custom(
                {
                    "type": "completions",
                    "prefix": str(c.get("prefix", "")),
                    "items": self.completions(str(c.get("prefix", ""))),
                }
            ),
            "attach_path": lambda c: self._attach_listed(str(c.get("path", ""))),
        }

    def _attach_listed(self, name: str) -> None:
        """A file ``@`` completion offered: a name in the kernel's folder, nothing else."""
        if not name or os.path.basename(name) != name or not os.path.isfile(name):
            raise InvalidRequestError(f"{name!r} is not a file in the kernel's folder.")
        self.attach(name)  # type: ignore[attr-defined]
