"""Keep the API key out of what the notebook layer writes or sends on (chat files,
a traceback quoted to Grok by ``%grok fix``)."""

from __future__ import annotations

import os

REDACTED = "[redacted API key]"


def known_keys() -> list[str]:
    """The API keys this process uses: ``XAI_API_KEY`` and the shared clients' keys."""
    keys = {os.environ.get("XAI_API_KEY") or ""}
    from ..client import _default  # the client package is loaded by now; this never builds one

    for client in (_default._client, _default._async_client):
        settings = getattr(client, "settings", None)
        keys.add(str.__str__(getattr(settings, "api_key", None) or ""))
    # A very short "key" would redact ordinary words; real keys are long.
    return sorted((k for k in keys if len(k) >= 8), key=len, reverse=True)


def redact(text: str, keys: list[str] | None = None) -> str:
    """``text`` with every known API key replaced by ``[redacted API key]``."""
    for key in known_keys() if keys is None else keys:
        if key in text:
            text = text.replace(key, REDACTED)
    return text
