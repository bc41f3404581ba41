"""Run a snippet in a fresh interpreter: what importing something pulls in can only be
seen where nothing was imported before."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def python_prints(code: str) -> str:
    """What ``code`` (dedented) prints in a new Python process; fails the test on an error."""
    argv = [sys.executable, "-c", textwrap.dedent(code)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
