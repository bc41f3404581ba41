"""Where a map's pace comes from, and how it hears every response.

The pace itself is ``grok_jupyter.pacing`` (a ``RequestPacer`` per map over the
account's ``PaceBook``). A map in this process uses the process-wide book of its
account (base URL and key), so two maps at once share the limit; a Dask or Ray
job passes the book its whole cluster shares (``cluster_pace``). The client's
send loop retries 429s itself, so the pacer would never see them in results:
it watches every response through ``client._observe``, scoped to the map's
tasks, and reads ``Retry-After`` as the client's own retry does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..client._errors import parse_retry_after
from ..pacing import RequestPacer, local_source
from .run import MapRun

# A job halted with this reason was stopped by its caller (Ctrl-C on a cluster's driver):
# its senders stop as interrupted, not as refused by the API.
STOPPED_BY_CALLER = "stopped by the caller (Ctrl-C)"


def pacer_for(run: MapRun) -> RequestPacer:
    """The map's pacer: its job's shared book if it has one, else this process's."""
    source = run.pace if run.pace is not None else local_source(run.owner.account)
    return RequestPacer(source, run.concurrency, run=run.run_id)


def response_observer(pacer: RequestPacer) -> Callable[[int, Any], None]:
    """``fn(status, headers)`` for ``client._observe.observe_responses``."""

    def observe(status: int, headers: Any) -> None:
        retry_after = parse_retry_after(headers) if status == 429 else None
        pacer.on_response(status, headers, retry_after)

    return observe
