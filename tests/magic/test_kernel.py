"""The magic in a real ipykernel: in-place display updates, Ctrl-C, payloads, config, no key leaks.

One kernel is shared by the module (kernels are slow to start).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import kernels
from tests.kernels import started_kernel

KEY = "xai-kernel-test-key-Zr81"  # recognisable, so the scans below mean something


@pytest.fixture(scope="module")
def kernel(emulator_session) -> Iterator[Any]:
    env = {"XAI_API_KEY": KEY, "XAI_BASE_URL": emulator_session.base_url}
    with started_kernel(env, "%load_ext grok_jupyter", secret=KEY) as started:
        yield started


@pytest.fixture
def kc(kernel, emulator_session) -> Any:
    emulator_session.reset()
    _, client = kernel
    execute(client, "%grok reset")
    return client


def execute(kc: Any, code: str, **kwargs: Any) -> tuple:
    """Run ``code``; returns (execute_reply, iopub messages of that request)."""
    return kernels.execute(kc, code, secret=KEY, **kwargs)


def of_type(messages: list, *types: str) -> list:
    return [m for m in messages if m["msg_type"] in types]


def test_answer_updates_one_display_in_place(kc, emulator_session) -> None:
    reply, messages = execute(kc, "%%grok\nWrite 400 words about lighthouses.")
    assert reply["content"]["status"] == "ok"
    (first,) = of_type(messages, "display_data")
    display_id = first["content"]["transient"]["display_id"]
    updates = of_type(messages, "update_display_data")
    assert updates and {u["content"]["transient"]["display_id"] for u in updates} == {display_id}
    final = updates[-1]["content"]["data"]["text/markdown"]
    assert len(final.split()) > 400 and "grok-4.3" in final
    assert not of_type(messages, "stream", "error")  # nothing else in the cell


def test_code_format_offers_the_next_cell(kc) -> None:
    reply, _ = execute(kc, '%%grok -f code\nSay "import math"')
    payloads = reply["content"]["payload"]
    assert {"source": "set_next_input", "text": "import math", "replace": False} in payloads


def test_config_persists_in_the_kernel(kc, emulator_session) -> None:
    execute(kc, '%config GrokMagics.model = "grok-3-mini"')
    try:
        execute(kc, '%%grok\nSay "hi"')
        assert emulator_session.chat_requests[-1].body["model"] == "grok-3-mini"
        _, messages = execute(kc, "%grok config")
        shown = of_type(messages, "display_data")[0]["content"]["data"]["text/plain"]
        assert "'grok-3-mini'" in shown and "XAI_API_KEY" in shown
    finally:
        execute(kc, '%config GrokMagics.model = ""')


def test_ctrl_c_stops_the_stream_and_keeps_the_partial_answer(kernel, kc, emulator_session) -> None:
    km, _ = kernel
    emulator_session.inject("slow_chunks", delay=0.05)  # 2,000 words would take minutes
    interrupted = []

    def interrupt_once_text_shows(msg: dict) -> None:
        if interrupted or msg["msg_type"] != "update_display_data":
            return
        shown = msg["content"]["data"].get("text/markdown", "")
        answer = shown.split("</details>")[-1]  # the answer, after grok-4.3's reasoning block
        if len(answer.split()) > 3:  # streamed: md only
            km.interrupt_kernel()
            interrupted.append(True)

    reply, messages = execute(
        kc, "%%grok\nWrite 2000 words about the sea.", on_message=interrupt_once_text_shows
    )
    assert interrupted
    content = reply["content"]
    assert content["status"] == "error" and content["ename"] == "UsageError"
    assert content["evalue"].startswith("grok: interrupted")
    final = of_type(messages, "update_display_data")[-1]["content"]["data"]
    assert "⏹ interrupted" in final["text/markdown"]
    # The partial answer is in the conversation, marked, and the kernel is fine.
    _, messages = execute(kc, "%grok history")
    history = of_type(messages, "display_data")[0]["content"]["data"]["text/plain"]
    assert "You: Write 2000 words about the sea." in history
    assert history.rstrip().endswith("[interrupted]")
    words = history.split("Grok: ", 1)[1].split()
    assert 3 < len(words) < 2000
    reply, _ = execute(kc, '%%grok\nSay "still here"')
    assert reply["content"]["status"] == "ok"


def test_errors_are_one_line_in_the_kernel(kc, emulator_session) -> None:
    reply, messages = execute(kc, "%%grok --image nowhere\nWhat is this?")
    content = reply["content"]
    assert content["ename"] == "UsageError"
    assert content["evalue"] == "grok: --image nowhere: no variable or file named 'nowhere'."
    assert emulator_session.requests == []
    shown = "".join(m["content"].get("text", "") for m in of_type(messages, "stream", "error"))
    # What the user sees: one line, no stack of frames.
    assert shown.strip().splitlines() == [f"UsageError: {content['evalue']}"]
