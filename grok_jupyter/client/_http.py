"""The HTTP library under the client.

``httpx2`` is the continuation of httpx 0.28 maintained by the pydantic
organisation (the openai SDK and langsmith run on it too). Same API, same
exception names, but its connection pool drops the per-request bookkeeping
that makes httpx 0.28's async pool slow under concurrency (encode/httpx#3215):
500 requests at concurrency 64 took about half the time in our measurements
(benchmarks/RESULTS.md). Everything in the client imports it from here, so
the choice is made once.
"""

from __future__ import annotations

import httpx2 as httpx

__all__ = ["httpx"]
