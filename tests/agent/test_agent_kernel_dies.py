"""The kernel dies in the middle of an agent turn (its second step calls ``os._exit``): after a
restart the named chat holds the first step with its output summary and the step that
killed the kernel, and says the turn was interrupted; the next turn goes on from there."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agent.kernel_agent import KEY, run
from tests.kernels import started_kernel

STEPS = [
    {"tool": "run_code", "arguments": {"code": "total = 41 + 1\nprint('total is', total)"}},
    {"tool": "run_code", "arguments": {"code": "import os\nos._exit(1)"}},
    "Never asked for: the kernel is gone.",
]
CELL = "%%grok --agent --approve auto --chat agent-dies\nTwo steps."
READ = """import json
from grok_jupyter.notebook.conversation import get_conversation
c = get_conversation('agent-dies')
print(json.dumps({"messages": [m.to_wire() for m in c.messages],
                  "interrupted": [t.interrupted for t in c.turns],
                  "cost": c.cost_usd}))"""


@pytest.fixture
def kernel(emulator_session, tmp_path) -> Iterator[tuple[Any, Any, Path]]:
    emulator_session.reset()
    chats = tmp_path / "chats"
    env = {"XAI_API_KEY": KEY, "XAI_BASE_URL": emulator_session.base_url,
           "GROK_JUPYTER_CHAT_DIR": str(chats)}
    with started_kernel(env, "%load_ext grok_jupyter", secret=KEY) as (km, kc):
        yield km, kc, chats
    emulator_session.reset()


def _die_in_step_two(km: Any, kc: Any, emulator_session: Any) -> None:
    emulator_session.script(STEPS)
    kc.execute(CELL, allow_stdin=False)
    deadline = time.monotonic() + 60
    while km.is_alive():
        assert time.monotonic() < deadline, "the second step did not end the kernel"
        time.sleep(0.1)
    km.restart_kernel(now=True)
    kc.wait_for_ready(timeout=60)
    run(kc, "%load_ext grok_jupyter")


def test_a_kernel_dying_mid_step_keeps_the_steps_done_and_says_so(kernel, emulator_session):
    km, kc, chats = kernel
    _die_in_step_two(km, kc, emulator_session)

    saved = json.loads(run(kc, READ)["text"])
    messages = saved["messages"]
    assert messages[0] == {"role": "user", "content": "Two steps."}
    wire = json.dumps(messages)
    assert "total = 41 + 1" in wire  # step 1's code ...
    results = [m["content"] for m in messages if m["role"] == "tool"]
    assert any("Status: ok" in r and "total is 42" in r for r in results)  # ... and output
    assert "os._exit(1)" in wire  # the step that killed the kernel, answered for the API
    assert results[-1].startswith("No result: the kernel stopped while this step ran")
    assert messages[-1]["role"] == "assistant"
    assert messages[-1]["content"].startswith("The kernel stopped during this turn")
    assert messages[-1]["content"].endswith("[interrupted]")
    assert saved["interrupted"] == [True]
    assert saved["cost"] > 0  # the rounds that were billed are counted
    assert "Never asked for" not in wire
    (saved_file,) = chats.glob("agent-dies*.json")
    assert KEY not in saved_file.read_text()

    # The next turn goes on from the kept steps, and the chat file holds no draft after it.
    emulator_session.reset()  # the scripted answer the dead kernel never asked for goes
    emulator_session.script(["Carrying on."])
    seen = run(kc, CELL.replace("Two steps.", "Go on."))
    assert "Carrying on." in seen["text"]
    assert "The last turn of 'agent-dies' ended when the kernel stopped; its steps are kept" \
        in seen["text"]
    sent = emulator_session.requests[-1].body
    assert "total is 42" in json.dumps(sent)
    doc = json.loads(saved_file.read_text())
    assert "draft" not in doc
    assert [m["role"] for m in doc["messages"]][-2:] == ["user", "assistant"]


# Step 1 queues an API failure for the turn's next requests (a 500 retried until the client
# gives up; a 400 refused at once): the turn ends with the error, and its draft goes.
FAIL_NEXT = ("import os, httpx\nhttpx.post(os.environ['XAI_BASE_URL'].rstrip('/').removesuffix"
             "('/v1') + '/_emulator/faults', json={fault!r})\nprint('queued')")


@pytest.mark.parametrize("fault", [{"fault": "server_error", "times": 10},
                                   {"fault": "json_error_200", "status": 400}])
def test_a_turn_that_fails_leaves_no_draft_behind(kernel, emulator_session, fault):
    _, kc, chats = kernel
    emulator_session.script([
        {"tool": "run_code", "arguments": {"code": FAIL_NEXT.format(fault=fault)}},
        "Never sent: the request fails.",
    ])
    seen = run(kc, CELL, timeout=120)
    assert "Step 1: ok" in seen["text"]
    (saved_file,) = chats.glob("agent-dies*.json")
    assert "draft" not in json.loads(saved_file.read_text())
    # Loaded again (as a restarted kernel would): no turn the kernel "stopped" in.
    run(kc, "from grok_jupyter.notebook.conversation import forget_conversation\n"
            "forget_conversation('agent-dies')")
    assert "The kernel stopped" not in run(kc, READ)["text"]
