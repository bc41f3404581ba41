"""The code_interpreter tool: run the prompt's fenced Python block for real.

The code runs on this machine, as a notebook cell would, but fenced in: a
child ``python -I`` in a fresh temporary directory with a clean environment (no
API keys), in its own process group, sealed off from the emulator and limited as
``_sandbox`` describes, with a wall-clock timeout. When the code ends or the time
is up, every process it started is killed and the pipes are closed.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
from dataclasses import dataclass

from . import _sandbox

CPU_SECONDS = 10
MEMORY_BYTES = 1024 * 1024 * 1024  # address space per process; numpy and pandas fit
TREE_MEMORY_BYTES = 1024 * 1024 * 1024  # resident memory of all its processes together
MAX_PROCESSES = 16  # RLIMIT_NPROC: so the tree's address space is at most 16 x 1 GiB
FILE_BYTES = 100 * 1024 * 1024  # RLIMIT_FSIZE: largest file it may write
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


_lock = asyncio.Lock()  # one run at a time: the sandbox's uid and NPROC are shared


async def run_code(code: str) -> CodeResult:
    """Run ``code`` sealed off (see ``_sandbox``); every process it starts dies with it."""
    async with _lock:
        return await _run(code)


async def _run(code: str) -> CodeResult:
    _sandbox.seal_emulator_process()
    p = _sandbox.plan(MAX_PROCESSES, CPU_SECONDS, MEMORY_BYTES, FILE_BYTES)
    with tempfile.TemporaryDirectory(prefix="grok-emulator-code-") as tmp:
        script = os.path.join(tmp, "main.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(code)
        if p.uid is not None:
            os.chown(tmp, p.uid, p.uid)
        # A clean environment: nothing of the emulator's (no XAI_API_KEY) is inherited.
        env = {"PATH": os.defpath, "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"}
        env.update(PYTHONIOENCODING="utf-8", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        posix = os.name == "posix"
        drop = {"user": p.uid, "group": p.uid, "extra_groups": []} if p.uid is not None else {}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            script,
            cwd=tmp,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=posix,  # its own group, killed as one
            preexec_fn=(lambda: _sandbox.child_setup(p)) if posix else None,
            **drop,
        )
        out, err = bytearray(), bytearray()
        readers = [
            asyncio.ensure_future(_drain(proc.stdout, out)),
            asyncio.ensure_future(_drain(proc.stderr, err)),
        ]
        note = await _watch(proc, p)
        if posix:
            _sandbox.kill_tree(proc.pid, p)
        else:
            proc.kill()
        # A process that escaped the kill may still hold the pipes: do not wait for it.
        await asyncio.wait(readers, timeout=1.0)
        for reader in readers:
            reader.cancel()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None and hasattr(pipe, "_transport"):
                pipe._transport.close()  # our end; StreamReader has no public close
        if proc.returncode is None:
            await proc.wait()
        if note:
            return CodeResult(_text(out), _text(err) + note, None)
        return CodeResult(_text(out), _text(err), proc.returncode)


async def _drain(stream: asyncio.StreamReader | None, into: bytearray) -> None:
    while stream is not None and (chunk := await stream.read(65536)):
        if len(into) < OUTPUT_LIMIT * 4:
            into.extend(chunk)


async def _watch(proc: asyncio.subprocess.Process, p: _sandbox.SandboxPlan) -> str:
    """Wait for the child to end; '' when it did, else why it was stopped."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return f"\nTimeoutError: the code ran longer than {TIMEOUT_SECONDS:g} seconds."
        try:
            await asyncio.wait_for(proc.wait(), min(left, 0.05))
            return ""
        except TimeoutError:
            pass
        if os.name != "posix":
            continue
        pids = _sandbox.tree(proc.pid, p)
        # RLIMIT_NPROC does not bind uid 0 (the kernel exempts root): count them here too.
        if len(pids) > MAX_PROCESSES:
            return f"\nBlockingIOError: the code started more than {MAX_PROCESSES} processes."
        if _sandbox.tree_rss(pids) > TREE_MEMORY_BYTES:
            limit = TREE_MEMORY_BYTES // 1024**2
            return f"\nMemoryError: the code's processes together used more than {limit} MiB."


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
