"""The emulator's batches (``/v1/batches``): queued requests, answered after a delay.

Shapes follow shared/xai-api-2026.md section 6 and section 8 item 16: a batch
has counters and no status field; results are paged JSON in the order the
requests were added. A request is answered once, the first time the batch is
read at least ``delay`` seconds (``serve(batch_delay=...)``) after it was
added, so nothing runs in the background and every answer is reproducible.
Answering is the route's job (``answer``): this module only keeps the queue.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ._file_store import seq_page

DEFAULT_DELAY = 0.5  # seconds between adding a request and its answer
EXPIRY = timedelta(days=1)  # "typically complete within 24 h" [V]; the expiry itself is [U]

Answer = Callable[[Any], dict[str, Any]]  # a batch_request -> its batch_result


def rest_time(moment: datetime) -> str:
    # LLM: RFC 3339 over gRPC but "a bare YYYY-MM-DD over REST" [V comment, U if still so].
    return moment.strftime("%Y-%m-%d")


@dataclass
class QueuedRequest:
    batch_request_id: str
    batch_request: Any
    added_at: float  # time.monotonic()
    state: str = "pending"  # "pending" | "success" | "error" | "cancelled"
    result: dict[str, Any] | None = None  # the batch_result, once answered

    def to_json(self) -> dict[str, Any]:
        return {"batch_request_id": self.batch_request_id, "batch_result": self.result}


@dataclass
class StoredBatch:
    batch_id: str
    name: str
    created: datetime
    seq: int
    input_file_id: str | None = None
    requests: list[QueuedRequest] = field(default_factory=list)
    cancel_time: str | None = None
    cancel_by_xai_message: str | None = None

    def count(self, state: str) -> int:
        return sum(1 for r in self.requests if r.state == state)

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "name": self.name,
            "create_time": rest_time(self.created),
            "expire_time": rest_time(self.created + EXPIRY),
            "cancel_time": self.cancel_time,
            "cancel_by_xai_message": self.cancel_by_xai_message,
            "input_file_id": self.input_file_id,
            "state": {
                "num_requests": len(self.requests),
                "num_pending": self.count("pending"),
                "num_success": self.count("success"),
                "num_error": self.count("error"),
                "num_cancelled": self.count("cancelled"),
            },
        }


class BatchRunner:
    """Every batch of one emulator; one lock, so each request is answered exactly once."""

    def __init__(self, delay: float = DEFAULT_DELAY) -> None:
        self._lock = threading.Lock()
        self.delay = delay
        self._batches: dict[str, StoredBatch] = {}
        self._seq = 0

    def create(self, name: str, input_file_id: str | None = None) -> StoredBatch:
        with self._lock:
            self._seq += 1
            batch = StoredBatch(
                batch_id=f"batch_{uuid.uuid4()}",  # the prefix is [V LLM]
                name=name,
                created=datetime.now(timezone.utc),
                seq=self._seq,
                input_file_id=input_file_id,
            )
            self._batches[batch.batch_id] = batch
            return batch

    def get(self, batch_id: str) -> StoredBatch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def add(self, batch: StoredBatch, items: list[tuple[str, Any]]) -> None:
        """Queue ``(batch_request_id, batch_request)`` pairs (checked by the caller)."""
        now = time.monotonic()
        with self._lock:
            batch.requests.extend(QueuedRequest(rid, req, now) for rid, req in items)

    def fail(self, batch: StoredBatch, message: str) -> None:
        """The server cancels the batch: "failed" once ``cancel_by_xai_message`` is set."""
        with self._lock:
            batch.cancel_time = rest_time(datetime.now(timezone.utc))
            batch.cancel_by_xai_message = message

    def run_due(self, batch: StoredBatch, answer: Answer) -> None:
        """Answer, in order, every pending request whose delay has passed."""
        with self._lock:
            now = time.monotonic()
            for request in batch.requests:
                if request.state != "pending" or request.added_at + self.delay > now:
                    continue
                request.result = answer(request.batch_request)
                request.state = "error" if "error" in request.result else "success"

    def cancel(self, batch: StoredBatch) -> None:
        """Pending requests become cancelled; answered ones keep their results."""
        with self._lock:
            if batch.cancel_time is None:
                batch.cancel_time = rest_time(datetime.now(timezone.utc))
            for request in batch.requests:
                if request.state == "pending":
                    request.state = "cancelled"

    def results(self, batch: StoredBatch, start: int, limit: int) -> tuple[list[Any], int | None]:
        """Answered requests from position ``start`` (in adding order), and the next start."""
        with self._lock:
            done = [r for r in batch.requests if r.state in ("success", "error")]
        page = done[start : start + limit]
        following = start + limit
        return [r.to_json() for r in page], (following if following < len(done) else None)

    def page(self, start_seq: int, limit: int) -> tuple[list[StoredBatch], str | None]:
        with self._lock:
            batches = list(self._batches.values())
        return seq_page(batches, start_seq, limit)  # the same paging as /v1/files

    def clear(self) -> None:
        with self._lock:
            self._batches.clear()
