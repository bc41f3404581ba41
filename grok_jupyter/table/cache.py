"""The table map's SQLite store: one answer per row key, and the batches it submitted.

It lives in ``$GROK_JUPYTER_CACHE_DIR`` or ``platformdirs.user_cache_dir("grok-jupyter")``
(the same folder as the catalogue cache), file ``table_map.sqlite``. A row's key is
a sha256 of its model, messages and parameters (``plan.cache_key``), so a
re-run of the same map finds every finished row, whatever the input's kind. Only
answers, costs and the batch bookkeeping are stored: never the API key, headers or
the base URL. Each call opens its own connection (SQLite connections do not cross
threads), and WAL mode lets several kernels or Dask workers share the file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "table_map.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    answer TEXT NOT NULL,
    cost_usd REAL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    template TEXT NOT NULL,
    spec TEXT NOT NULL,
    keys TEXT NOT NULL,
    state TEXT NOT NULL,
    created REAL NOT NULL
);
"""


def default_path() -> Path:
    from ..client._catalog_cache import cache_dir

    return cache_dir() / FILE_NAME


@dataclass
class BatchEntry:
    """A batch this machine submitted: enough to map its results back after a restart."""

    batch_id: str
    model: str
    template: str
    spec: dict[str, Any]  # messages per key, params, schema: what the rows were
    keys: list[str]
    state: str  # "submitted" | "done" | "cancelled"
    created: float


_BUSY_TIMEOUT = 30.0  # seconds a connection waits for another process's write


def _set_up(conn: sqlite3.Connection) -> None:
    """WAL mode and the tables, once per cache object.

    Several processes opening a new cache file at once (Dask workers, Ray tasks) make
    SQLite answer "database is locked" straight away while one of them switches the
    journal mode: that step takes the file alone and does not wait on the busy
    timeout. So it is retried here, for as long as any other write would wait.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class MapCache:
    """Row answers by key, and remembered batches, in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MapCache({str(self.path)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT)
        try:
            if not self._ready:
                _set_up(conn)
                self._ready = True
            with conn:  # one transaction
                yield conn
        finally:
            conn.close()

    # --- row answers -----------------------------------------------------------

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[Any, float | None]]:
        """{key: (answer, cost it was bought for)} for the keys that are stored."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, tuple[Any, float | None]] = {}
        with self._connect() as conn:
            for start in range(0, len(wanted), 500):  # SQLite's variable limit
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, answer, cost in conn.execute(
                    f"SELECT key, answer, cost_usd FROM results WHERE key IN ({marks})", part
                ):
                    found[key] = (json.loads(answer), cost)
        return found

    def put_many(self, items: Iterable[tuple[str, str, Any, float | None]]) -> None:
        """Store (key, model, answer, cost) rows; an existing key keeps its first answer."""
        now = time.time()
        rows = [(k, m, json.dumps(a, ensure_ascii=False), c, now) for k, m, a, c in items]
        if not rows:
            return
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO results (key, model, answer, cost_usd, created) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def clear(self) -> None:
        """Forget every stored answer and batch."""
        with self._connect() as conn:
            conn.execute("DELETE FROM results")
            conn.execute("DELETE FROM batches")

    def __len__(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    # --- batches ---------------------------------------------------------------

    def remember_batch(self, entry: BatchEntry) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO batches "
                "(batch_id, model, template, spec, keys, state, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.batch_id,
                    entry.model,
                    entry.template,
                    json.dumps(entry.spec, ensure_ascii=False),
                    json.dumps(entry.keys),
                    entry.state,
                    entry.created,
                ),
            )

    def set_batch_state(self, batch_id: str, state: str) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE batches SET state = ? WHERE batch_id = ?", (state, batch_id))

    def batch(self, batch_id: str) -> BatchEntry | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT batch_id, model, template, spec, keys, state, created FROM batches "
                "WHERE batch_id = ?",
                (batch_id,),
            ).fetchone()
        return _entry(row) if row else None

    def batches(self) -> list[BatchEntry]:
        """Remembered batches, newest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT batch_id, model, template, spec, keys, state, created FROM batches "
                "ORDER BY created DESC"
            ).fetchall()
        return [_entry(r) for r in rows]


def _entry(row: tuple[Any, ...]) -> BatchEntry:
    batch_id, model, template, spec, keys, state, created = row
    return BatchEntry(batch_id, model, template, json.loads(spec), json.loads(keys), state, created)


def open_cache(cache: Any) -> MapCache | None:
    """``cache=`` of ``map_rows``: True (the default file), a path, a MapCache, or False."""
    if cache is True:
        return MapCache()
    if cache is False or cache is None:
        return None
    if isinstance(cache, MapCache):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return MapCache(cache)
    from .errors import MapInputError

    raise MapInputError(f"cache must be True, False or a file path, not {cache!r}.")
