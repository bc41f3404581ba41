"""The code_interpreter tool: run the prompt's fenced Python block for real.

The code runs on this machine, as a notebook cell would, but fenced in: a
child ``python -I`` in a fresh temporary directory, with a stripped
environment (no API keys), CPU-time and address-space limits set through
``resource.setrlimit`` before it starts, and a wall-clock timeout.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
from dataclasses import dataclass

CPU_SECONDS = 10
MEMORY_BYTES = 1024 * 1024 * 1024  # address space; numpy and pandas fit
TIMEOUT_SECONDS = 20.0
OUTPUT_LIMIT = 20_000  # characters of stdout/stderr kept

_FENCE_RE = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.S | re.I)


def fenced_code(text: str) -> str | None:
    """The first fenced code block (```python or a bare fence), or None."""
    found = _FENCE_RE.search(text)
    return found.group(1) if found and found.group(1).strip() else None


@dataclass(frozen=True)
class CodeResult:
    stdout: str
    stderr: str
    returncode: int | None  # None: killed by the timeout

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _limits() -> None:  # runs in the child, before exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


async def run_code(code: str) -> CodeResult:
    with tempfile.TemporaryDirectory(prefix="grok-emulator-code-") as tmp:
        script = os.path.join(tmp, "main.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(code)
        env = {"PATH": os.defpath, "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"}
        env["PYTHONIOENCODING"] = "utf-8"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            script,
            cwd=tmp,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=_limits if os.name == "posix" else None,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT_SECONDS)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            note = f"\nTimeoutError: the code ran longer than {TIMEOUT_SECONDS:g} seconds."
            return CodeResult(_text(out), _text(err) + note, None)
        return CodeResult(_text(out), _text(err), proc.returncode)


def _text(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + "\n[output truncated]"


def describe(result: CodeResult) -> str:
    """The answer text: the real output, and the error if the code failed."""
    lines = ["I ran the code."]
    if result.stdout:
        lines.append("Its output:\n```\n" + result.stdout.rstrip("\n") + "\n```")
    elif result.ok:
        lines.append("It printed nothing.")
    if not result.ok:
        where = "was stopped" if result.returncode is None else f"exited with {result.returncode}"
        err = result.stderr.rstrip("\n")
        lines.append(f"It {where}:\n```\n{err}\n```" if err else f"It {where}.")
    return "\n".join(lines)
