"""How the code_interpreter's child process is sealed off, with what Linux offers.

- The emulator process is made non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``), so a
  child with the same uid cannot read its ``/proc/<pid>/environ`` or memory.
- The emulator becomes a child subreaper (``PR_SET_CHILD_SUBREAPER``), so a
  double-forked daemon is re-parented to it instead of init and can be found and killed.
- Running as root, the child drops to ``nobody`` when ``nobody`` can run this Python;
  otherwise (e.g. a venv under ``/root``) it stays uid 0 with every capability dropped
  from its bounding set and ``no_new_privs`` set: without ``CAP_SYS_PTRACE`` it cannot
  read a non-dumpable process's /proc files, and it can never regain a capability.
- Limits: ``RLIMIT_NPROC`` (processes per uid), ``RLIMIT_AS`` (address space per
  process), ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, no core files. The tree's total memory is
  bounded by nproc x AS, and a watchdog (``tree_rss``) kills the tree past a total RSS.

Not contained: the network, and files the child's uid may read or write. cgroups and
namespaces are not used (not available to an unprivileged emulator).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
_CAP_VERSION_3 = 0x20080522
NOBODY = 65534
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True)


@cache
def seal_emulator_process() -> None:
    """Once per process: non-dumpable, and the reaper of orphaned code processes."""
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


@cache
def nobody_can_run_python() -> bool:
    """Whether uid ``nobody`` can start this interpreter (not if it lives under /root)."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", "pass"],
            user=NOBODY,
            group=NOBODY,
            extra_groups=[],
            env={"PATH": os.defpath},
            cwd="/",
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class SandboxPlan:
    """Who the child runs as and its per-process limits."""

    uid: int | None  # drop to this uid (None: keep ours)
    drop_capabilities: bool
    nproc: int
    cpu_seconds: int
    memory_bytes: int
    file_bytes: int


def plan(nproc: int, cpu_seconds: int, memory_bytes: int, file_bytes: int) -> SandboxPlan:
    root = os.name == "posix" and os.geteuid() == 0
    uid = NOBODY if root and nobody_can_run_python() else None
    own = os.geteuid() if os.name == "posix" else 0
    # RLIMIT_NPROC counts every process of the uid: a shared uid starts from its count.
    base = 0 if uid is not None else len(processes_of_uid(own))
    return SandboxPlan(
        uid, root and uid is None, base + nproc, cpu_seconds, memory_bytes, file_bytes
    )


def child_setup(p: SandboxPlan) -> None:
    """Runs in the child between fork and exec."""
    import resource

    for name, value in (
        ("RLIMIT_CPU", p.cpu_seconds),
        ("RLIMIT_AS", p.memory_bytes),
        ("RLIMIT_FSIZE", p.file_bytes),
        ("RLIMIT_CORE", 0),
        ("RLIMIT_NPROC", p.nproc),
    ):
        if hasattr(resource, name):
            resource.setrlimit(getattr(resource, name), (value, value))
    libc = _libc()
    if libc is None:
        return
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if p.drop_capabilities:
        for cap in range(64):  # past the last capability prctl says EINVAL: harmless
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable x 2: all empty
        libc.capset(header, data)


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, pgid) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[2])
    except (OSError, IndexError, ValueError):
        return None


def _pids() -> list[int]:
    try:
        return [int(n) for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return []


def processes_of_uid(uid: int) -> list[int]:
    found = []
    for pid in _pids():
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                found.append(pid)
        except OSError:
            pass
    return found


def _caps_dropped(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(line.split() == ["CapBnd:", "0000000000000000"] for line in f)
    except OSError:
        return False


def tree(child: int, p: SandboxPlan) -> list[int]:
    """The code's processes: the child's group and descendants, and the orphans the
    emulator adopted as subreaper that carry the sandbox's mark (its uid, or no caps)."""
    me = os.getpid()
    parents: dict[int, int] = {}
    found: set[int] = set()
    for pid in _pids():
        st = _stat(pid)
        if st is None or pid == me:
            continue
        parents[pid] = st[0]
        if st[1] == child or pid == child:
            found.add(pid)
    for pid in parents:
        chain, cur = [], pid
        while cur in parents and cur not in found and len(chain) < 64:
            chain.append(cur)
            cur = parents[cur]
        if cur in found:
            found.update(chain)
        elif cur == me and _marked(pid, p):
            found.update(chain)
    return sorted(found)


def _marked(pid: int, p: SandboxPlan) -> bool:
    if p.uid is not None:
        try:
            return os.stat(f"/proc/{pid}").st_uid == p.uid
        except OSError:
            return False
    return p.drop_capabilities and _caps_dropped(pid)


def tree_rss(pids: list[int]) -> int:
    """Resident bytes of these processes together."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def kill_tree(child: int, p: SandboxPlan) -> None:
    """SIGKILL the child's group and every process of the code; reap adopted orphans."""
    for _ in range(5):  # a forking process may add to the tree while it dies
        try:
            os.killpg(child, signal.SIGKILL)
        except OSError:
            pass
        pids = [pid for pid in tree(child, p) if pid != child]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for pid in tree(child, p):  # orphans re-parented to us: reap them, asyncio won't
        if pid == child:
            continue
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
