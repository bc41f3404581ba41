"""The code sandbox is sealed: each attack a prompt tried, run through the real tool."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from grok_jupyter.emulator import _code_interpreter
from tests.emulator.emulator_helpers import KEY
from tests.emulator.responses_helpers import model, text_of

CODE = [{"type": "code_interpreter"}]
SECRET = "xai-made-up-secret-for-the-sandbox-test"


def ask(base_url: str, code: str, timeout: float = 60) -> str:
    r = httpx.post(
        f"{base_url}/responses",
        headers={"Authorization": f"Bearer {KEY}"},
        json=code_body(code),
        timeout=timeout,
    )
    assert r.status_code == 200, r.text
    return text_of(r.json())


def code_body(code: str) -> dict:
    """A Responses request that has the code tool run ``code``."""
    return {"model": model(reasoning=False), "input": f"```python\n{code}\n```", "tools": CODE}


@pytest.fixture
def run_code(http):
    """Run code through the in-process emulator's code tool: (the answer's text, seconds)."""

    def run(code: str, timeout: float = 60) -> tuple[str, float]:
        started = time.monotonic()
        text = text_of(http.post("/responses", json=code_body(code), timeout=timeout).json())
        return text, time.monotonic() - started

    return run


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


READ_PARENT_ENV = """
import os
try:
    data = open(f"/proc/{os.getppid()}/environ", "rb").read()
    print("READ", len(data), b"XAI_API_KEY" in data, data.count(b"xai-"))
except OSError as exc:
    print("DENIED", type(exc).__name__)
"""


@pytest.fixture(scope="module")
def emulator_process():
    """The emulator as users run it: its own process, with a key in its environment."""
    env = dict(os.environ, XAI_API_KEY=SECRET)
    proc = subprocess.Popen(
        [sys.executable, "-m", "grok_jupyter.emulator"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("XAI_BASE_URL="), line
    yield line.split("=", 1)[1]
    proc.terminate()
    proc.wait(timeout=10)


def test_code_cannot_read_the_emulators_environment(emulator_process):
    text = ask(emulator_process, READ_PARENT_ENV)
    assert SECRET not in text
    assert "DENIED" in text, text


def test_code_cannot_read_the_in_process_emulators_environment(run_code, monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", SECRET)
    text, _ = run_code(READ_PARENT_ENV)
    assert SECRET not in text and "DENIED" in text, text


NEW_SESSION_CHILD = """
import subprocess, sys
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                     start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("PID", p.pid)
"""

DOUBLE_FORK_DAEMON = """
import os, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, str(os.getpid()).encode())
        os.close(w)
        os.closerange(0, 3)
        time.sleep(300)
    os._exit(0)
os.close(w)
print("PID", os.read(r, 32).decode())
"""


@pytest.mark.parametrize("code", [NEW_SESSION_CHILD, DOUBLE_FORK_DAEMON], ids=["setsid", "daemon"])
def test_processes_the_code_started_die_with_the_request(run_code, code):
    text, _ = run_code(code)
    pid = int(re.search(r"PID (\d+)", text).group(1))
    deadline = time.monotonic() + 2
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"process {pid} outlived the request"


def test_a_grandchild_holding_stdout_does_not_hold_the_request(run_code, monkeypatch):
    monkeypatch.setattr(_code_interpreter, "TIMEOUT_SECONDS", 2.0)
    code = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True)\n"
        "print('parent done')\n"
    )
    text, seconds = run_code(code)
    assert seconds < 5
    assert "parent done" in text


def test_a_fork_bomb_is_bounded(run_code, monkeypatch):
    monkeypatch.setattr(_code_interpreter, "TIMEOUT_SECONDS", 10.0)
    code = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    for _ in range(100000):\n"
        "        pid = os.fork()\n"
        "        if pid == 0:\n"
        "            time.sleep(60)\n"
        "            os._exit(0)\n"
        "        print('PID', pid, flush=True)\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print('FORK REFUSED after', n, type(exc).__name__)\n"
        "time.sleep(60)\n"
    )
    text, seconds = run_code(code)
    assert seconds < 8
    # Refused by RLIMIT_NPROC (a dedicated uid), or stopped by the emulator's count (uid 0).
    refused = re.search(r"FORK REFUSED after (\d+)", text)
    assert refused or "started more than" in text, text
    pids = [int(pid) for pid in re.findall(r"PID (\d+)", text)]
    assert pids and not [pid for pid in pids if alive(pid)]


def test_the_memory_of_several_children_is_bounded_together(run_code, monkeypatch):
    monkeypatch.setattr(_code_interpreter, "TREE_MEMORY_BYTES", 400 * 1024**2)
    monkeypatch.setattr(_code_interpreter, "TIMEOUT_SECONDS", 15.0)
    code = (
        "import os, time\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(250 * 1024 ** 2)\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "time.sleep(30)\n"
        "print('ALL HELD')\n"
    )
    text, seconds = run_code(code)
    assert "ALL HELD" not in text
    assert "MemoryError" in text and "together" in text
    assert seconds < 12
