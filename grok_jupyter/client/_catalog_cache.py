"""The live catalogue: the server's model lists, cached on disk for a day.

On first use against a real server the client calls ``ensure_live(self)``
(``aensure_live`` for the async client). That reads a fresh cache file, or
fetches ``/v1/language-models`` and ``/v1/image-generation-models`` in the
background and caches them. Any failure (offline, an error status, a corrupt
or unreadable cache) leaves the bundled catalogue in place, silently: a stale
price list must never stop a request. Nothing here runs at import or at
``%load_ext`` time.

The cache holds only the two model lists, never a header or the key. It
lives in ``platformdirs.user_cache_dir("grok-jupyter")``, or in
``$GROK_JUPYTER_CACHE_DIR``. ``GROK_JUPYTER_LIVE_CATALOG=0`` turns the lazy
refresh off; ``=1`` turns it on for loopback servers too (the emulator,
which serves the bundled list anyway, is skipped by default).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._settings import is_loopback_url

if TYPE_CHECKING:
    from ._catalog import Catalog

CACHE_DIR_ENV = "GROK_JUPYTER_CACHE_DIR"
LIVE_ENV = "GROK_JUPYTER_LIVE_CATALOG"
CACHE_TTL_S = 24 * 3600
_FORMAT = 1

log = logging.getLogger(__name__)

_attempted_lock = threading.Lock()
_attempted: weakref.WeakKeyDictionary[Catalog, set[str]] = weakref.WeakKeyDictionary()
_tasks: set[asyncio.Task[str]] = set()  # strong refs, so a background task is not collected


# --- where ----------------------------------------------------------------------


def cache_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """``directory``, else ``$GROK_JUPYTER_CACHE_DIR``, else the platform's user cache dir."""
    if directory is not None:
        return Path(directory)
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs  # only when a refresh really happens

    return Path(platformdirs.user_cache_dir("grok-jupyter"))


def _server_id(base_url: str) -> str:
    """The server's scheme, host, port and path: no user info, no query."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def cache_path(base_url: str, directory: str | os.PathLike[str] | None = None) -> Path:
    """One file per server, named by a hash of its URL."""
    digest = hashlib.sha256(_server_id(base_url).encode()).hexdigest()[:16]
    return cache_dir(directory) / f"models-{digest}.json"


@functools.lru_cache(maxsize=64)
def is_loopback(base_url: str) -> bool:
    """This machine by resolved address, as the client decides it (``_settings``); cached
    per URL, so a request never waits on a name lookup for this."""
    return is_loopback_url(base_url)


# --- the file -------------------------------------------------------------------


def load_cached(
    base_url: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    max_age_s: float = CACHE_TTL_S,
) -> dict[str, list[Any]] | None:
    """The cached listing if it is younger than ``max_age_s`` and readable, else None."""
    path = cache_path(base_url, directory)
    try:
        if time.time() - path.stat().st_mtime > max_age_s:
            return None
        raw = json.loads(path.read_text("utf-8"))
        return _parse(raw)
    except Exception as exc:  # missing, unreadable, corrupt: all mean "no cache"
        log.debug("model cache %s not used: %s", path, type(exc).__name__)
        return None


def _parse(raw: Any) -> dict[str, list[Any]]:
    from ._types import ImageGenerationModel, LanguageModel

    if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
        raise ValueError("not a grok-jupyter model cache")
    return {
        "language_models": [LanguageModel.model_validate(m) for m in raw["language_models"]],
        "image_models": [ImageGenerationModel.model_validate(m) for m in raw["image_models"]],
    }


def store_listing(
    client: Any,
    listing: dict[str, list[Any]],
    directory: str | os.PathLike[str] | None = None,
) -> bool:
    """Write ``listing`` atomically to the cache for ``client``'s server; False on failure."""
    body = {
        "format": _FORMAT,
        "fetched_at": int(time.time()),
        "server": _server_id(client.base_url),
        "language_models": [m.model_dump(mode="json") for m in listing["language_models"]],
        "image_models": [m.model_dump(mode="json") for m in listing["image_models"]],
    }
    text = json.dumps(body, indent=1)
    key = getattr(getattr(client, "settings", None), "api_key", None)
    if key and str.__str__(key) in text:  # a server that echoes the key: never store it
        return False
    path = cache_path(client.base_url, directory)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".models-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)  # replaces a corrupt file too
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception as exc:
        log.debug("model cache %s not written: %s", path, type(exc).__name__)
        return False
    return True


# --- fetching -------------------------------------------------------------------


def fetch_listing(client: Any) -> dict[str, list[Any]]:
    """Both model lists from ``client``'s server (a ``GrokClient``); errors raise."""
    return {
        "language_models": client.language_models(),
        "image_models": client.image_generation_models(),
    }


async def afetch_listing(client: Any) -> dict[str, list[Any]]:
    """``fetch_listing`` for an ``AsyncGrokClient``."""
    return {
        "language_models": await client.language_models(),
        "image_models": await client.image_generation_models(),
    }


def refresh_live(
    client: Any,
    *,
    catalog: Catalog | None = None,
    force: bool = False,
    directory: str | os.PathLike[str] | None = None,
) -> str:
    """Bring ``catalog`` (default ``client.catalog``) up to date with the server.

    A fresh cache is used as is unless ``force``; otherwise both lists are
    fetched and cached. Returns what the catalogue now reflects: ``"cache"``,
    ``"server"`` or ``"bundled"`` (something failed; nothing changed). Never raises.
    """
    catalog = catalog if catalog is not None else client.catalog
    try:
        if not force:
            cached = load_cached(client.base_url, directory)
            if cached is not None:
                catalog.apply_listing(cached)
                return "cache"
        listing = fetch_listing(client)
        catalog.apply_listing(listing)
    except Exception as exc:
        log.debug("live model list not used: %s", type(exc).__name__)
        return "bundled"
    store_listing(client, listing, directory)
    return "server"


async def arefresh_live(
    client: Any,
    *,
    catalog: Catalog | None = None,
    force: bool = False,
    directory: str | os.PathLike[str] | None = None,
) -> str:
    """``refresh_live`` for an ``AsyncGrokClient``."""
    catalog = catalog if catalog is not None else client.catalog
    try:
        if not force:
            cached = load_cached(client.base_url, directory)
            if cached is not None:
                catalog.apply_listing(cached)
                return "cache"
        listing = await afetch_listing(client)
        catalog.apply_listing(listing)
    except Exception as exc:
        log.debug("live model list not used: %s", type(exc).__name__)
        return "bundled"
    store_listing(client, listing, directory)
    return "server"


# --- the lazy hook ----------------------------------------------------------------


def _claim(client: Any, catalog: Catalog, allow_loopback: bool | None) -> bool:
    """True the first time ``catalog`` should be refreshed from ``client``'s server."""
    mode = os.environ.get(LIVE_ENV, "").strip().lower()
    if mode in ("0", "false", "no", "off"):
        return False
    if allow_loopback is None:
        allow_loopback = mode in ("1", "true", "yes", "on")
    if is_loopback(client.base_url) and not allow_loopback:
        return False
    server = _server_id(client.base_url)
    with _attempted_lock:
        seen = _attempted.setdefault(catalog, set())
        if server in seen:
            return False
        seen.add(server)
    return True


def ensure_live(
    client: Any,
    *,
    catalog: Catalog | None = None,
    background: bool = True,
    allow_loopback: bool | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> threading.Thread | None:
    """Refresh ``client.catalog`` once per server per process; cheap after the first call.

    A fresh cache is applied at once (one file read). Otherwise the fetch runs
    in a daemon thread (returned, so a caller may ``join`` it), or inline with
    ``background=False``. Loopback servers are skipped unless ``allow_loopback``.
    """
    catalog = catalog if catalog is not None else client.catalog
    if not _claim(client, catalog, allow_loopback):
        return None
    cached = load_cached(client.base_url, directory)
    if cached is not None:
        try:
            catalog.apply_listing(cached)
            return None
        except Exception:  # a cache that parses but does not apply: fetch anew
            pass
    kwargs = {"catalog": catalog, "force": True, "directory": directory}
    if not background:
        refresh_live(client, **kwargs)  # type: ignore[arg-type]
        return None
    thread = threading.Thread(
        target=refresh_live, args=(client,), kwargs=kwargs, name="grok-catalog-refresh", daemon=True
    )
    thread.start()
    return thread


def aensure_live(
    client: Any,
    *,
    catalog: Catalog | None = None,
    allow_loopback: bool | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> asyncio.Task[str] | None:
    """``ensure_live`` for an ``AsyncGrokClient``: the fetch runs as a task on the running loop."""
    catalog = catalog if catalog is not None else client.catalog
    if not _claim(client, catalog, allow_loopback):
        return None
    task = asyncio.get_running_loop().create_task(
        arefresh_live(client, catalog=catalog, directory=directory)
    )
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def forget_attempts() -> None:
    """Let ``ensure_live`` try again (tests; a user who changed networks)."""
    with _attempted_lock:
        _attempted.clear()
