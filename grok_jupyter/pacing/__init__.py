"""Pacing request starts at an account's rate limit, for one process or a whole cluster.

``book`` holds the account's pace (``PaceBook``: pure state, learned from rate
headers and 429s); ``pacer`` starts one sender's requests by it
(``RequestPacer``) and keeps the books of this process (``local_source``).
Nothing here imports the rest of grok_jupyter, so any layer may use it: the
table map does, and the client does when made with ``pace_requests=True``
(``client/_pace.py``; ``ChatGrok(pace_requests=True)`` for ``abatch`` / ``batch``).
"""

from __future__ import annotations

from .book import PaceBook, limits_from_headers, parse_duration
from .pacer import LocalPaceSource, PaceSource, RequestPacer, grant, local_source

__all__ = [
    "LocalPaceSource",
    "PaceBook",
    "PaceSource",
    "RequestPacer",
    "grant",
    "limits_from_headers",
    "local_source",
    "parse_duration",
]
