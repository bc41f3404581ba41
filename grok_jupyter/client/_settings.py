"""Client settings, resolved as: explicit argument > environment > default.

The key is kept but never shown: ``Settings.__repr__`` masks it. A missing key
is not an error here; the client raises ``MissingAPIKeyError`` at its first
request, so offline uses (the catalogue, validation) work without one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ._errors import MissingAPIKeyError, mask_key
from ._http import httpx

DEFAULT_BASE_URL = "https://api.x.ai/v1"
DEFAULT_CONNECT_TIMEOUT = 10.0
# Reasoning models can think for a minute or more before the first token.
DEFAULT_READ_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2

ENV_API_KEY = "XAI_API_KEY"
ENV_BASE_URL = "XAI_BASE_URL"

MISSING_KEY_MESSAGE = (
    "No xAI API key. Set one with\n"
    "    export XAI_API_KEY=xai-...        (shell; https://console.x.ai)\n"
    "    %env XAI_API_KEY=xai-...           (notebook)\n"
    "or pass GrokClient(api_key=...).\n"
    "To work offline against the local emulator instead, run\n"
    "    python -m grok_jupyter.emulator    (then set XAI_BASE_URL to the URL it prints)\n"
    "or, in a notebook,  %grok emulator"
)


def default_timeout() -> httpx.Timeout:
    return httpx.Timeout(DEFAULT_READ_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = field(default_factory=default_timeout)
    max_retries: int = DEFAULT_MAX_RETRIES

    def __repr__(self) -> str:
        return (
            f"Settings(api_key={mask_key(self.api_key)}, base_url={self.base_url!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries})"
        )

    def require_key(self) -> str:
        if not self.api_key:
            raise MissingAPIKeyError(MISSING_KEY_MESSAGE)
        return self.api_key


def resolve_settings(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int | None = None,
) -> Settings:
    """Explicit values win, then ``XAI_API_KEY`` / ``XAI_BASE_URL``, then defaults."""
    key = api_key or os.environ.get(ENV_API_KEY) or None
    url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    if timeout is None:
        resolved_timeout = default_timeout()
    elif isinstance(timeout, httpx.Timeout):
        resolved_timeout = timeout
    elif all(hasattr(timeout, phase) for phase in ("connect", "read", "write", "pool")):
        # An ``httpx.Timeout`` from httpx 0.28 (the client runs on httpx2): same four phases.
        t: Any = timeout
        resolved_timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)
    else:
        resolved_timeout = httpx.Timeout(float(timeout))
    retries = DEFAULT_MAX_RETRIES if max_retries is None else int(max_retries)
    if retries < 0:
        raise ValueError("max_retries must be >= 0")
    return Settings(
        api_key=key.strip() if key else None,
        base_url=str(url).rstrip("/"),
        timeout=resolved_timeout,
        max_retries=retries,
    )
