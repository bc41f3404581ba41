"""Client settings, resolved as: explicit argument > environment > default.

The key is kept but never shown: ``Settings.__repr__`` masks it, and the key
itself is held as a ``str`` whose ``repr`` is masked, so a traceback that
prints frame locals (``--showlocals``, error trackers) does not show it. A
missing key is not an error here; the client raises ``MissingAPIKeyError`` at
its first request, so offline uses (the catalogue, validation) work without one.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._arguments import check_count, check_seconds
from ._errors import (
    InsecureBaseURLError,
    InvalidValueError,
    MissingAPIKeyError,
    mask_key,
)
from ._http import httpx

DEFAULT_BASE_URL = "https://api.x.ai/v1"
DEFAULT_CONNECT_TIMEOUT = 10.0
# Reasoning models can think for a minute or more before the first token.
DEFAULT_READ_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2
# The most one call spends sleeping between retries (Retry-After included).
DEFAULT_MAX_RETRY_WAIT = 60.0

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


class SecretKey(str):
    """The API key: an ordinary ``str`` except that ``repr`` masks it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return mask_key(str.__str__(self))


def default_timeout() -> httpx.Timeout:
    return httpx.Timeout(DEFAULT_READ_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = field(default_factory=default_timeout)
    max_retries: int = DEFAULT_MAX_RETRIES
    # Total seconds one call may sleep between retries; a longer wait gives up.
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    # Seconds one call (retries and a stream's whole body included) may take; None: no limit.
    deadline: float | None = None
    allow_insecure_http: bool = False
    # Start each request at the account's pace (``_pace``): opt-in, for shared clients.
    pace_requests: bool = False

    def __repr__(self) -> str:
        extra = f", deadline={self.deadline:g}" if self.deadline is not None else ""
        if self.allow_insecure_http:
            extra += ", allow_insecure_http=True"
        if self.pace_requests:
            extra += ", pace_requests=True"
        return (
            f"Settings(api_key={mask_key(self.api_key)}, base_url={self.base_url!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries}, "
            f"max_retry_wait={self.max_retry_wait:g}{extra})"
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
    max_retry_wait: float | None = None,
    deadline: float | None = None,
    allow_insecure_http: bool = False,
    pace_requests: bool = False,
) -> Settings:
    """Explicit values win, then ``XAI_API_KEY`` / ``XAI_BASE_URL``, then defaults."""
    key = _secret(api_key or os.environ.get(ENV_API_KEY))
    del api_key  # from here on only the masked form is a local (tracebacks show locals)
    url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    if not isinstance(url, str):
        raise InvalidValueError(
            f"base_url must be a string such as {DEFAULT_BASE_URL!r}, not {type(url).__name__}.",
            parameter="base_url",
        )
    if timeout is None:
        resolved_timeout = default_timeout()
    elif isinstance(timeout, httpx.Timeout):
        resolved_timeout = timeout
    elif all(hasattr(timeout, phase) for phase in ("connect", "read", "write", "pool")):
        # An ``httpx.Timeout`` from httpx 0.28 (the client runs on httpx2): same four phases.
        t: Any = timeout
        resolved_timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)
    else:
        resolved_timeout = httpx.Timeout(check_seconds(timeout, "timeout", allow_zero=False))
    retries = DEFAULT_MAX_RETRIES
    if max_retries is not None:
        retries = check_count(max_retries, "max_retries", low=0)
    wait = DEFAULT_MAX_RETRY_WAIT
    if max_retry_wait is not None:
        wait = check_seconds(max_retry_wait, "max_retry_wait")
    return Settings(
        api_key=key,
        base_url=str(url).rstrip("/"),
        timeout=resolved_timeout,
        max_retries=retries,
        max_retry_wait=wait,
        deadline=check_deadline(deadline),
        allow_insecure_http=bool(allow_insecure_http),
        pace_requests=_flag(pace_requests, "pace_requests"),
    )


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError(
            f"{name} must be True or False, not {value!r}.", parameter=name
        )
    return value


def _secret(key: str | None) -> SecretKey | None:
    key = key.strip() if key else None
    return SecretKey(key) if key else None


def check_deadline(deadline: float | None) -> float | None:
    """``deadline`` as seconds > 0, or None; an ``InvalidValueError`` says what is wrong."""
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
        raise InvalidValueError(
            f"deadline must be a number of seconds or None, not {deadline!r}.",
            parameter="deadline",
        )
    if not deadline > 0 or deadline != deadline or deadline == float("inf"):
        raise InvalidValueError(
            f"deadline must be a finite number of seconds > 0, not {deadline!r}.",
            parameter="deadline",
        )
    return float(deadline)


def _is_this_machine(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    if mapped is not None:
        address = mapped
    # 0.0.0.0 / :: as a destination reach this machine (what a server bound to them prints).
    return address.is_loopback or address.is_unspecified


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine, judged by its addresses, never by its name's text.

    An IP literal is loopback when it is in 127.0.0.0/8 or is ::1 (or 0.0.0.0 / ::).
    A name is resolved (``socket.getaddrinfo``) and counts only if EVERY address it
    resolves to is loopback; a name that does not resolve is not loopback. So
    ``evil.localhost`` is not trusted for saying "localhost", and ``127.0.0.2`` is.
    """
    host = (host or "").strip().strip("[]")
    if not host:
        return False
    try:
        return _is_this_machine(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return False  # does not resolve: nothing says it is this machine
    addresses = set()
    for info in infos:
        try:
            addresses.add(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            return False
    return bool(addresses) and all(_is_this_machine(a) for a in addresses)


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is this machine (``is_loopback_host``)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return is_loopback_host(host)


def check_base_url(base_url: str, *, allow_insecure_http: bool) -> None:
    """Refuse a base URL that is not http(s)://host, and plain http:// to another machine:
    the key would cross the network in clear."""
    parts = urlsplit(base_url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidValueError(
            f"base_url must be an https:// URL such as {DEFAULT_BASE_URL!r} (or http:// to "
            f"this machine, for the emulator), not {base_url!r}.",
            parameter="base_url",
        )
    if parts.scheme.lower() != "http" or allow_insecure_http:
        return
    host = parts.hostname or ""
    if is_loopback_host(host):
        return
    raise InsecureBaseURLError(
        f"Refusing base_url {base_url!r}: plain http:// to {host!r}, which does not resolve "
        "only to this machine (127.0.0.0/8 or ::1), would send the API key and every prompt "
        "unencrypted. Use https://, "
        "or pass allow_insecure_http=True if the network is trusted (a private proxy, "
        "a container network)."
    )
