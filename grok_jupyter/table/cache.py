"""The table map's SQLite store: one answer per row key, the requests in flight, and batches.

It lives in ``$GROK_JUPYTER_CACHE_DIR`` or ``platformdirs.user_cache_dir("grok-jupyter")``
(the same folder as the catalogue cache), file ``table_map.sqlite``. A row's key is
a sha256 of its model, messages and parameters (``plan.cache_key``), so a
re-run of the same map finds every finished row, whatever the input's kind. Only
answers, costs, ledger records and the batch bookkeeping are stored: never the
API key, headers or the base URL.

Durability: each answer is committed on its own the moment it arrives (WAL mode,
``synchronous=NORMAL``: a killed process loses no committed answer), so a map
killed mid-run pays again only for the requests it had in flight. Those are
written down before they are sent (``inflight``: key, run, host, pid), so the
next attempt of the same job can book what a dead process spent. WAL mode lets
several kernels, Dask workers or Ray tasks share the file.

Every SQLite or JSON failure becomes a ``MapCacheError`` naming the file, what
went wrong (corrupt, locked, disk full, unwritable) and what to do.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MapCacheError

FILE_NAME = "table_map.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    answer TEXT NOT NULL,
    cost_usd REAL,
    created REAL NOT NULL,
    record TEXT,
    run_id TEXT
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    template TEXT NOT NULL,
    spec TEXT NOT NULL,
    keys TEXT NOT NULL,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    added INTEGER NOT NULL DEFAULT -1
);
CREATE TABLE IF NOT EXISTS inflight (
    marker_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    created REAL NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS inflight_key ON inflight (key);
"""
# Columns added since the first release; a file made before gains them on open.
_ADDED_COLUMNS = {
    "results": {"record": "TEXT", "run_id": "TEXT"},
    "batches": {"added": "INTEGER NOT NULL DEFAULT -1"},  # -1: before the count was kept
    "inflight": {"sent": "INTEGER NOT NULL DEFAULT 0"},
}
_BUSY_TIMEOUT = 30.0  # seconds a connection waits for another process's write


def default_path() -> Path:
    from ..client._catalog_cache import cache_dir

    return cache_dir() / FILE_NAME


@dataclass
class Cached:
    """One stored answer: what it cost when bought, its ledger record, and which run bought it."""

    answer: Any
    cost_usd: float | None
    record: dict[str, Any] | None
    run_id: str | None


@dataclass
class Marker:
    """A request written down before it was sent, and not answered yet."""

    marker_id: str
    key: str
    run_id: str
    host: str
    pid: int
    created: float
    booked: bool  # its spend is already in a ledger (as an estimate)
    sent: bool  # its body went out whole: the server got it


@dataclass
class BatchEntry:
    """A batch this machine created: enough to map its results back after a restart."""

    batch_id: str
    model: str
    template: str
    spec: dict[str, Any]  # params and row count: what the rows were
    keys: list[str]
    state: str  # "adding" | "submitted" | "done" | "cancelled"
    created: float
    added: int = -1  # requests added so far (all of them once "submitted"; -1: unknown)


def _set_up(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """WAL mode, the tables and any missing columns, once per connection.

    Several processes opening a new cache file at once (Dask workers, Ray tasks) make
    SQLite answer "database is locked" straight away while one of them switches the
    journal mode: that step takes the file alone and does not wait on the busy
    timeout. So it is retried here, for as long as any other write would wait.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a process crash loses no commit
            conn.executescript(_SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns.items():
                    if name not in have:
                        try:
                            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                        except sqlite3.OperationalError as exc:
                            if "duplicate column" not in str(exc):  # another process's
                                raise
            conn.commit()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def cache_error(path: Path, exc: BaseException, doing: str) -> MapCacheError:
    """A ``MapCacheError`` that names the file, the cause and the fix."""
    text = str(exc).lower()
    other = "pass cache=<another file> (or cache=False to map without one)"
    if "full" in text or getattr(exc, "errno", None) == 28:
        why, fix = "the disk is full", f"free some space on that disk, or {other}"
    elif "locked" in text or "busy" in text:
        why, fix = (
            "another process holds it locked",
            f"close the other kernel or program using it, or {other}",
        )
    elif isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)) or any(
        w in text for w in ("not a database", "malformed", "corrupt", "no such column")
    ):
        why, fix = "it is corrupt", f"delete it (only cached answers are lost) or {other}"
    elif any(w in text for w in ("readonly", "read-only", "permission", "unable to open")):
        why, fix = (
            "it cannot be opened for writing",
            f"check the folder's permissions, set GROK_JUPYTER_CACHE_DIR, or {other}",
        )
    elif "disk i/o" in text or "file too large" in text:
        why, fix = (
            "the disk refused the write (full, or over a file-size limit)",
            f"free some space, or {other}",
        )
    else:
        why, fix = "SQLite refused it", other
    return MapCacheError(
        f"The map's cache {path} cannot be {doing}: {why} ({type(exc).__name__}: {exc}). "
        f"Fix: {fix}.",
        path=str(path),
    )


class MapCache:
    """Row answers by key, requests in flight, and remembered batches, in one SQLite file.

    ``busy_timeout``: seconds to wait for another process's write before giving up with
    a ``MapCacheError`` ("locked").
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, busy_timeout: float = _BUSY_TIMEOUT
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = busy_timeout
        self._local = threading.local()  # SQLite connections do not cross threads

    def __repr__(self) -> str:
        return f"MapCache({str(self.path)!r})"

    def __reduce__(self) -> Any:  # a Dask or Ray job carries the path, never a connection
        return (_rebuild_cache, (str(self.path), self.busy_timeout))

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout)
            try:
                _set_up(conn, self.busy_timeout)
            except BaseException:
                conn.close()
                raise
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One transaction; any failure becomes a ``MapCacheError``."""
        try:
            conn = self._conn()
            with conn:
                yield conn
        except MapCacheError:
            raise
        except (sqlite3.Error, OSError, ValueError) as exc:  # ValueError: JSON, encodings
            self.close()  # a connection that failed is not reused
            raise cache_error(self.path, exc, doing) from exc

    def check(self) -> None:
        """Open the file (creating it) and fail now, typed, if it is unusable."""
        with self._tx("opened") as conn:
            conn.execute("SELECT COUNT(*) FROM results").fetchone()

    def close(self) -> None:
        """Close this thread's connection (the next call opens a new one)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    # --- row answers -----------------------------------------------------------

    def get_many(self, keys: Iterable[str]) -> dict[str, Cached]:
        """The stored answers among ``keys``."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Cached] = {}
        with self._tx("read") as conn:
            for start in range(0, len(wanted), 500):  # SQLite's variable limit
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, answer, cost, record, run_id in conn.execute(
                    "SELECT key, answer, cost_usd, record, run_id FROM results "
                    f"WHERE key IN ({marks})",
                    part,
                ):
                    found[key] = Cached(
                        json.loads(answer), cost, json.loads(record) if record else None, run_id
                    )
        return found

    def put(
        self,
        key: str,
        model: str,
        answer: Any,
        cost: float | None,
        *,
        record: dict[str, Any] | None = None,
        run_id: str | None = None,
        marker_id: str | None = None,
    ) -> None:
        """Commit one answer now (an existing key keeps its first), and drop its marker."""
        row = (key, model, json.dumps(answer, ensure_ascii=False), cost, time.time(),
               json.dumps(record) if record is not None else None, run_id)  # fmt: skip
        with self._tx("written") as conn:
            conn.execute(
                "INSERT OR IGNORE INTO results (key, model, answer, cost_usd, created, record, "
                "run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            if marker_id is not None:
                conn.execute("DELETE FROM inflight WHERE marker_id = ?", (marker_id,))

    def put_many(self, items: Iterable[tuple[str, str, Any, float | None]]) -> None:
        """Store (key, model, answer, cost) rows in one transaction (batch results)."""
        now = time.time()
        rows = [(k, m, json.dumps(a, ensure_ascii=False), c, now) for k, m, a, c in items]
        if not rows:
            return
        with self._tx("written") as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO results (key, model, answer, cost_usd, created) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def clear(self) -> None:
        """Forget every stored answer, marker and batch."""
        with self._tx("cleared") as conn:
            for table in ("results", "batches", "inflight"):
                conn.execute(f"DELETE FROM {table}")

    def __len__(self) -> int:
        with self._tx("read") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    # --- requests in flight --------------------------------------------------------

    def mark(self, key: str, run_id: str, host: str, pid: int, *, sent: bool = False) -> str:
        """Write down (committed) that ``key`` is about to be sent; returns the marker's id.

        ``sent``: already count it as received by the server (when the send itself cannot
        be watched, see ``mark_sent``).
        """
        marker_id = uuid.uuid4().hex
        with self._tx("written") as conn:
            conn.execute(
                "INSERT INTO inflight (marker_id, key, run_id, host, pid, created, booked, sent) "
                "VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (marker_id, key, run_id, host, pid, time.time(), int(sent)),
            )
        return marker_id

    def mark_sent(self, marker_id: str) -> None:
        """The request's body went out whole: a process that dies now has paid for it."""
        with self._tx("written") as conn:
            conn.execute("UPDATE inflight SET sent = 1 WHERE marker_id = ?", (marker_id,))

    def unmark(self, marker_id: str) -> None:
        with self._tx("written") as conn:
            conn.execute("DELETE FROM inflight WHERE marker_id = ?", (marker_id,))

    def set_booked(self, marker_ids: Iterable[str]) -> None:
        """These requests' spend is in a ledger now (estimated): never book them again."""
        with self._tx("written") as conn:
            conn.executemany(
                "UPDATE inflight SET booked = 1 WHERE marker_id = ?", [(m,) for m in marker_ids]
            )

    def markers(self, keys: Iterable[str]) -> list[Marker]:
        wanted = list(dict.fromkeys(keys))
        out: list[Marker] = []
        with self._tx("read") as conn:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for row in conn.execute(
                    "SELECT marker_id, key, run_id, host, pid, created, booked, sent "
                    f"FROM inflight WHERE key IN ({marks})",
                    part,
                ):
                    out.append(Marker(*row[:6], bool(row[6]), bool(row[7])))  # type: ignore[arg-type]
        return out

    def claim(self, marker_id: str) -> bool:
        """Take a dead process's marker away, once: True for the one caller that got it."""
        with self._tx("written") as conn:
            return (
                conn.execute("DELETE FROM inflight WHERE marker_id = ?", (marker_id,)).rowcount == 1
            )

    # --- batches ---------------------------------------------------------------

    def remember_batch(self, entry: BatchEntry) -> None:
        with self._tx("written") as conn:
            conn.execute(
                "INSERT OR REPLACE INTO batches "
                "(batch_id, model, template, spec, keys, state, created, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.batch_id, entry.model, entry.template,
                 json.dumps(entry.spec, ensure_ascii=False), json.dumps(entry.keys),
                 entry.state, entry.created, entry.added),
            )  # fmt: skip

    def set_batch_state(self, batch_id: str, state: str, added: int | None = None) -> None:
        with self._tx("written") as conn:
            if added is None:
                conn.execute("UPDATE batches SET state = ? WHERE batch_id = ?", (state, batch_id))
            else:
                conn.execute(
                    "UPDATE batches SET state = ?, added = ? WHERE batch_id = ?",
                    (state, added, batch_id),
                )

    def batch(self, batch_id: str) -> BatchEntry | None:
        with self._tx("read") as conn:
            row = conn.execute(
                "SELECT batch_id, model, template, spec, keys, state, created, added "
                "FROM batches WHERE batch_id = ?",
                (batch_id,),
            ).fetchone()
            return _entry(row) if row else None

    def batches(self) -> list[BatchEntry]:
        """Remembered batches, newest first."""
        with self._tx("read") as conn:
            rows = conn.execute(
                "SELECT batch_id, model, template, spec, keys, state, created, added "
                "FROM batches ORDER BY created DESC"
            ).fetchall()
            return [_entry(r) for r in rows]


def _rebuild_cache(path: str, busy_timeout: float) -> MapCache:
    return MapCache(path, busy_timeout=busy_timeout)


def _entry(row: tuple[Any, ...]) -> BatchEntry:
    batch_id, model, template, spec, keys, state, created, added = row
    return BatchEntry(
        batch_id, model, template, json.loads(spec), json.loads(keys), state, created,
        -1 if added is None else int(added),
    )  # fmt: skip


def open_cache(cache: Any) -> MapCache | None:
    """``cache=`` of ``map_rows``: True (the default file), a path, a MapCache, or False.

    The file is opened here, so a corrupt, locked or unwritable cache is refused
    (``MapCacheError``) before anything is sent.
    """
    if cache is False or cache is None:
        return None
    if cache is True:
        store = MapCache()
    elif isinstance(cache, MapCache):
        store = cache
    elif isinstance(cache, (str, os.PathLike)):
        store = MapCache(cache)
    else:
        from .errors import MapInputError

        raise MapInputError(f"cache must be True, False or a file path, not {cache!r}.")
    store.check()
    return store
