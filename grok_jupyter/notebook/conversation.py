"""Named conversations, shared by the ``%%grok`` magic and the ``ChatPanel``:
``get_conversation(name)`` is the one in memory, else the one saved in the chat
store, else a new one; it is saved after every change.

The pieces live below this module, so none of them imports it back:
``chat_history.py`` (the ``Conversation`` object and its turns),
``chat_registry.py`` (the conversations in memory) and ``chat_store.py`` (the
saved ones). Their public names are re-exported here, where callers have always
imported them.
"""

from __future__ import annotations

from typing import Any

from . import chat_store
from .chat_history import INTERRUPTED_MARKER, Conversation, Listener, Turn, TurnMeta
from .chat_registry import conversation_names, forget_conversation, get_or_add

__all__ = [
    "INTERRUPTED_MARKER",
    "SCRATCH",
    "Conversation",
    "Listener",
    "Turn",
    "TurnMeta",
    "conversation_names",
    "forget_conversation",
    "get_conversation",
]

SCRATCH = "default"  # the conversation of cells without --chat: never saved


def get_conversation(name: str = SCRATCH, *, chat_dir: Any = None) -> Conversation:
    """The conversation called ``name``: the one in memory, else the one saved in the
    chat store, else a new empty one. It is saved after every change, except the
    unnamed ``"default"`` one, which lasts as long as the kernel (unless ``chat_dir``
    is given, as the panel's parameter does).

    The store is ``chat_dir`` when given (the panel's parameter), else the default one:
    ``GrokMagics.chat_dir``, ``$GROK_JUPYTER_CHAT_DIR``, or ``.grok/chats/`` in the
    kernel's working directory (the notebook's folder in Jupyter).
    """
    conversation, created = get_or_add(name, lambda: _open(name, chat_dir))
    if not created and chat_dir is not None:
        conversation._saver = chat_store.saver(chat_store.store_for(chat_dir))
    return conversation


def _open(name: str, chat_dir: Any) -> Conversation:
    if name == SCRATCH and chat_dir is None:
        # The unnamed conversation (a cell with no --chat) belongs to this kernel
        # session: restoring it from the folder's store would hand one notebook's
        # turns to every other notebook started there. Named chats are kept.
        return Conversation(name)
    store = chat_store.store_for(chat_dir) if chat_dir is not None else None
    # Not `or`: an empty conversation is falsy (len 0) but may hold an undo.
    conversation = chat_store.load_default(name, store=store)
    if conversation is None:
        conversation = Conversation(name)
    conversation._saver = chat_store.saver(store)
    return conversation
