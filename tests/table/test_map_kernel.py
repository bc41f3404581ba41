"""map_rows in a real ipykernel (its event loop already runs): results, the bar, Ctrl-C."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests import kernels
from tests.kernels import started_kernel

KEY = "xai-map-kernel-key-Qw73"  # recognisable: no output may contain it

SETUP = """
import pandas as pd
from grok_jupyter import map_rows
df = pd.DataFrame({"n": list(range(10))})
"""


@pytest.fixture(scope="module")
def kernel(emulator_session) -> Iterator[Any]:
    cache = tempfile.mkdtemp(prefix="grok-map-kernel-")
    env = {
        "XAI_API_KEY": KEY,
        "XAI_BASE_URL": emulator_session.base_url,
        "GROK_JUPYTER_CACHE_DIR": cache,
    }
    with started_kernel(env, SETUP, secret=KEY) as started:
        yield started


def execute(kc: Any, code: str, timeout: float = 120) -> tuple[dict, list[dict]]:
    return kernels.execute(kc, code, secret=KEY, timeout=timeout)


def _text(messages: list[dict]) -> str:
    parts = []
    for m in messages:
        c = m["content"]
        if m["msg_type"] == "stream":
            parts.append(c["text"])
        elif m["msg_type"] in ("execute_result", "display_data"):
            parts.append(c["data"].get("text/plain", ""))
    return "".join(parts)


def test_map_rows_in_a_kernel_cell(kernel, emulator_session):
    emulator_session.reset()
    _, kc = kernel
    reply, messages = execute(
        kc,
        'out = map_rows(df, "Count to {n}", cache=False)\n'
        'print(list(out.columns), out.attrs["grok_map"].done)',
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    text = _text(messages)
    assert "['n', 'answer', '_cost_usd'] 10" in text
    assert "10 request(s)" in text  # the estimate, shown before sending
    assert len(emulator_session.chat_requests) == 10
    # the progress bar is a widget in the kernel (tqdm.auto), shown in this cell
    kinds = {m["msg_type"] for m in messages}
    assert {"comm_open", "comm_msg", "display_data"} <= kinds


def test_ctrl_c_in_a_kernel_keeps_the_finished_rows_and_books_the_one_in_flight(
    kernel, emulator_session
):
    emulator_session.reset()
    km, kc = kernel
    emulator_session.inject("slow_first_byte", times=40, delay=0.3)

    def interrupt_after_three() -> None:
        deadline = time.monotonic() + 60
        while len(emulator_session.chat_requests) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        km.interrupt_kernel()

    threading.Thread(target=interrupt_after_three, daemon=True).start()
    reply, messages = execute(
        kc,
        'part = map_rows(df, "Slowly count to {n}", concurrency=1, progress=False)\n'
        'r = part.attrs["grok_map"]\n'
        'print("interrupted", r.interrupted, r.done, list(part["_error"]).count("not done: '
        'interrupted"), r.in_flight_at_stop)\n'
        "from grok_jupyter.client import get_ledger\n"
        'print("estimated", sum(x.estimated for x in get_ledger().records))',
    )
    assert reply["content"]["status"] == "ok", reply["content"]  # the cell returns the table
    words = _text(messages).split()
    at = words.index("interrupted")
    assert words[at + 1] == "True"
    done, not_done, in_flight = int(words[at + 2]), int(words[at + 3]), int(words[at + 4])
    assert 3 <= done < 10 and done + not_done == 10
    # the request in flight at Ctrl-C (concurrency=1) is billed by the server: it is in the
    # ledger as an estimate, and its answer, arriving after the cell returned, is cached
    assert in_flight == 1
    assert words[words.index("estimated") + 1] == "1"
    time.sleep(0.5)  # the slow answer lands in the background
    emulator_session.reset()
    reply, messages = execute(
        kc,
        'again = map_rows(df, "Slowly count to {n}", progress=False)\n'
        'print("done", again.attrs["grok_map"].done, again.attrs["grok_map"].cached)',
    )
    assert f"done 10 {done + in_flight}" in _text(messages)
    # resumed from the cache: neither the finished rows nor the one in flight are paid again
    assert len(emulator_session.chat_requests) == 10 - done - in_flight
