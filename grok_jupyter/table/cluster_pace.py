"""One pace for a whole cluster: the account's ``PaceBook`` where every worker reaches it.

Each worker's map has its own ``RequestPacer`` (``grok_jupyter.pacing``), and
all of them take their start times from one book, so together they keep to the
account's limit instead of each using all of it. The book is kept with the
engine's own primitives, nothing of ours:

* **Dask** (``DaskPaceSource``): in the scheduler's metadata
  (``Client.set_metadata``), each change made under a ``distributed.Lock`` of
  the same name. Both live on the scheduler, so the book outlives any worker
  (a killed worker's lock lease times out).
* **Ray** (``RayPaceSource``): a named, detached actor that takes no CPU
  (``get_if_exists``), one per account, in the ``grok_jupyter`` namespace.

A book is named after the account's base URL; a job's halt (a refused key) is
kept per ``run_id``, so one job's refusal does not stop another's. If the book
cannot be reached (the scheduler or the actor is gone), a worker falls back to
its own process's book, and says so once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import warnings
from typing import Any

from ..pacing import PaceBook, grant, local_source

NAMESPACE = "grok_jupyter"
_METADATA_KEY = "grok_jupyter_pace"


def book_name(base_url: str) -> str:
    return "grok-pace-" + hashlib.sha256(base_url.encode("utf-8")).hexdigest()[:16]


class _Fallback:
    """The worker's own book, once the shared one is out of reach."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.local: Any = None

    async def reserve(
        self, exc: BaseException, n: int, observations: list[dict[str, Any]], run: str | None
    ) -> dict[str, Any]:
        if self.local is None:
            warnings.warn(
                f"grok map: the cluster's shared rate limit ({self.name}) cannot be reached "
                f"({type(exc).__name__}: {exc}); this worker paces on its own from now on.",
                RuntimeWarning,
                stacklevel=2,
            )
            self.local = local_source(f"fallback:{self.name}")
        return await self.local.reserve(n, observations, run)


class DaskPaceSource:
    """The account's book in a Dask scheduler's metadata, changed under a Lock."""

    def __init__(self, base_url: str) -> None:
        self.name = book_name(base_url)
        self._client: Any = None
        self._lock: Any = None
        self._fallback = _Fallback(self.name)

    def __repr__(self) -> str:
        return f"DaskPaceSource({self.name!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name}  # no client, no lock: each worker binds its own

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self._client = self._lock = None
        self._fallback = _Fallback(self.name)

    def bind(self) -> None:
        """Take the worker's (or driver's) Dask client; call in a task's own thread."""
        from distributed import Lock, get_client

        self._client = get_client()
        self._lock = Lock(self.name)
        _ = self._lock.loop  # binds the lock to this client now, in this thread

    async def reserve(
        self, n: int, observations: list[dict[str, Any]], run: str | None
    ) -> dict[str, Any]:
        if self._fallback.local is None:
            try:
                return await asyncio.to_thread(self._reserve, n, observations, run)
            except Exception as exc:  # the scheduler is gone or unreachable
                return await self._fallback.reserve(exc, n, observations, run)
        return await self._fallback.reserve(RuntimeError(), n, observations, run)

    def halt(self, run: str, reason: str) -> None:
        """Stop every partition of job ``run`` at its next ask (from the driver's thread)."""
        self._reserve(0, [{"kind": "halt", "run": run, "reason": reason}], run)

    def _reserve(self, n: int, observations: list[dict[str, Any]], run: str | None) -> Any:
        if self._client is None:
            self.bind()
        key = [_METADATA_KEY, self.name]
        if not self._lock.acquire(timeout=30):
            raise TimeoutError("the pace lock was not free within 30 s")
        try:
            book = PaceBook.from_dict(self._client.get_metadata(key, default=None))
            answer = grant(book, n, observations, run, time.time())
            self._client.set_metadata(key, book.as_dict())
        finally:
            self._lock.release()
        return answer


class PaceActor:
    """The Ray actor behind ``RayPaceSource``: one book, changed one call at a time."""

    def __init__(self) -> None:
        self.book = PaceBook()

    def reserve(self, n: int, observations: list[dict[str, Any]], run: str | None) -> Any:
        return grant(self.book, n, observations, run, time.time())


class RayPaceSource:
    """The account's book in a named Ray actor every worker finds by its name."""

    def __init__(self, base_url: str) -> None:
        self.name = book_name(base_url)
        self._actor: Any = None
        self._fallback = _Fallback(self.name)

    def __repr__(self) -> str:
        return f"RayPaceSource({self.name!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self._actor = None
        self._fallback = _Fallback(self.name)

    def actor(self) -> Any:
        """The actor, made on first use by whoever comes first (it outlives them all)."""
        if self._actor is None:
            import ray

            remote = ray.remote(num_cpus=0, max_restarts=-1)(PaceActor)
            self._actor = remote.options(
                name=self.name, namespace=NAMESPACE, lifetime="detached", get_if_exists=True
            ).remote()
        return self._actor

    async def reserve(
        self, n: int, observations: list[dict[str, Any]], run: str | None
    ) -> dict[str, Any]:
        if self._fallback.local is None:
            try:
                return await self.actor().reserve.remote(n, observations, run)
            except Exception as exc:  # the actor died and could not be restarted
                return await self._fallback.reserve(exc, n, observations, run)
        return await self._fallback.reserve(RuntimeError(), n, observations, run)
