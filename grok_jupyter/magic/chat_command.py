"""``%grok chats``: the saved chats; delete one, export one to Markdown, undo a clear.

A mixin of :class:`~grok_jupyter.magic.cell.GrokMagics`. The store itself is
``notebook/chat_store.py`` (``GrokMagics.chat_dir`` says where it is).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .messages import fail


def _set_aside_note(paths: list[Any]) -> str:
    if not paths:
        return ""
    names = ", ".join(f"`{p.name}`" for p in paths)
    return f"\n\nSet aside, unchanged, because this version cannot read them: {names}"


def _table(summaries: list[Any], folder: str, set_aside: list[Any]) -> tuple[str, str]:
    note = _set_aside_note(set_aside)
    if not summaries:
        text = f"No saved chats in {folder}." + note
        return text, text.replace("`", "")
    head = f"Saved chats in `{folder}`:\n\n| chat | turns | cost | updated | first prompt |\n"
    head += "|---|--:|--:|---|---|\n"
    rows, plain = [], [f"Saved chats in {folder}:"]
    for s in summaries:
        title = s.title.replace("|", "\\|")
        rows.append(
            f"| {s.name.replace('|', '/')} | {s.turns} | ${s.cost_usd:.4f} | "
            f"{s.updated} | {title} |"
        )
        plain.append(f"  {s.name}  {s.turns} turns  ${s.cost_usd:.4f}  {s.updated}  {s.title}")
    return head + "\n".join(rows) + note, "\n".join(plain) + note.replace("`", "")


class ChatCommands:
    """``%grok chats``."""

    def _cmd_chats(self, rest: str) -> None:
        from .subcommands import parse, show

        args = parse(
            "chats",
            rest,
            ("--delete", {"metavar": "NAME", "help": "delete a saved chat (file and memory)"}),
            ("--export", {"metavar": "NAME", "help": "write a chat as Markdown"}),
            (
                "--to",
                {
                    "metavar": "PATH",
                    "help": "where --export writes (default: NAME.md beside the notebook)",
                },
            ),
            (
                "--undo",
                {
                    "metavar": "NAME",
                    "help": "bring back the turns a clear (or a deleted turn) removed",
                },
            ),
        )
        from ..notebook import chat_store
        from ..notebook.conversation import get_conversation

        if args.to and not args.export:
            raise fail("%grok chats: --to goes with --export NAME.")
        if args.delete:
            if not chat_store.delete_chat(args.delete):
                raise fail(f"there is no chat named {args.delete!r} (%grok chats lists them).")
            print(f"Chat {args.delete!r} deleted.")
            return
        if args.export:
            try:
                # Beside the notebook (the kernel's folder) by default, where the user
                # looks: the chat folder is hidden (.grok/chats/).
                to = args.to or Path.cwd() / f"{chat_store.file_stem(args.export)}.md"
                path = chat_store.export_markdown(args.export, to)
            except (chat_store.ChatStoreError, OSError) as exc:
                raise fail(str(exc)) from None
            print(f"Chat {args.export!r} written to {Path(path).resolve()}")
            return
        if args.undo:
            conversation = get_conversation(args.undo)
            if conversation.undo():
                print(f"Chat {args.undo!r} restored: {conversation.turn_count} turns.")
            else:
                print(f"Nothing to undo in chat {args.undo!r}.")
            return
        store = chat_store.get_store()
        if store is None:
            print("Chats are not saved (GrokMagics.chat_dir is 'off').")
            return
        summaries = store.summaries()  # first: it sets aside what it cannot read
        show(*_table(summaries, str(store.directory), store.set_aside()))
