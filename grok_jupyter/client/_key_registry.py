"""The API keys this process has been given, so no prompt carries one out.

A client adds its key here when it is made (``remember_key``); the notebook layer
(``notebook/secrets.py``) reads them, with ``XAI_API_KEY``, to redact keys from
prompts, tool outputs, tracebacks and saved chats. The set lives in this
process's memory only: it is never written, pickled or sent, and each key is held
as a ``SecretKey`` whose ``repr`` is masked.
"""

from __future__ import annotations

import os
import threading

from ._settings import ENV_API_KEY, SecretKey

# A very short "key" would redact ordinary words; real keys are long.
MIN_KEY_LENGTH = 8

_lock = threading.Lock()
_keys: set[SecretKey] = set()


def remember_key(key: str | None) -> None:
    """Add ``key`` to the keys this process knows (ignored when empty or too short)."""
    key = (key or "").strip()
    if len(key) < MIN_KEY_LENGTH:
        return
    with _lock:
        _keys.add(SecretKey(key))


def known_keys() -> list[str]:
    """Every key this process knows (``XAI_API_KEY`` as it is now, and every key a client
    was made with), longest first, so a key that contains another is replaced whole."""
    with _lock:
        keys = {str.__str__(k) for k in _keys}
    env = (os.environ.get(ENV_API_KEY) or "").strip()
    if len(env) >= MIN_KEY_LENGTH:
        keys.add(env)
    return sorted(keys, key=len, reverse=True)
