"""A real ipykernel for the tests that run cells the way Jupyter does (jupyter_client).

Kernels are slow to start, so a test module shares one (a module-scoped fixture built on
``started_kernel``). Every message a cell produces is scanned for the module's API key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jupyter_client.manager import start_new_kernel


@contextmanager
def started_kernel(env: dict[str, str], setup: str, *, secret: str) -> Iterator[tuple[Any, Any]]:
    """A python3 kernel with ``env`` added to this process's environment, ``setup`` run in
    it (it must succeed); yields (manager, client) and shuts the kernel down on exit."""
    km, kc = start_new_kernel(
        kernel_name="python3", env={**os.environ, **env}, extra_arguments=["--log-level=ERROR"]
    )
    try:
        reply, _ = execute(kc, setup, secret=secret)
        assert reply["content"]["status"] == "ok", reply["content"]
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def execute(
    kc: Any,
    code: str,
    *,
    secret: str,
    on_message: Callable[[dict], Any] | None = None,
    timeout: float = 60,
) -> tuple[dict, list[dict]]:
    """Run ``code``; returns (execute_reply, iopub messages of that request). ``secret``
    (the kernel's API key) must appear in none of them."""
    msg_id = kc.execute(code)
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if on_message is not None:
            on_message(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    assert secret not in repr(messages) + repr(reply)  # the key never reaches any output
    return reply, messages
