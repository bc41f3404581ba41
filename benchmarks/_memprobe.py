"""Child process for the memory figures: stream N tokens once, report RSS.

``python -m benchmarks._memprobe SUBJECT BASE_URL N`` prints
``<rss before stream, bytes> <peak rss, bytes> <chunks>``. The subject is made
and warmed up (a 10-chunk stream) before the "before" reading, so imports and
connection setup count in the peak but not in the growth.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack

from ._clients import STREAMERS, Expect


def _status(field: str) -> int:
    """A /proc/self/status figure in bytes. VmHWM, unlike ru_maxrss, is not
    inherited from the parent's high-water mark across fork+exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def main() -> None:
    subject, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warm_base = base.rsplit("/n/", 1)[0] + "/n/10/v1"
    factory = STREAMERS[subject]
    with ExitStack() as stack:
        factory(stack, warm_base, Expect(10))()
        run = factory(stack, base, Expect(n))
        before = _status("VmRSS")
        rate = run()
    peak = _status("VmHWM")
    print(before, peak, rate)


if __name__ == "__main__":
    main()
