"""code_interpreter: the prompt's fenced Python block runs for real, fenced in."""

from __future__ import annotations

import json

import httpx
import pytest

from grok_jupyter.emulator import _code_interpreter, serve
from tests.emulator.emulator_helpers import KEY
from tests.emulator.responses_helpers import events, model, text_of

CODE = [{"type": "code_interpreter"}]


@pytest.fixture
def run(http):
    def post(code: str, **fields):
        prompt = f"Run this:\n```python\n{code}\n```"
        body = {"model": model(reasoning=False), "input": prompt, "tools": CODE, **fields}
        r = http.post("/responses", json=body)
        assert r.status_code == 200, r.text
        return r if fields.get("stream") else r.json()

    return post


def test_code_runs_and_its_real_output_is_in_the_answer(run):
    body = run("print(sum(i * i for i in range(10)))")
    call = body["output"][0]
    assert call["type"] == "code_interpreter_call" and call["name"] == "code_execution"
    assert json.loads(call["arguments"]) == {"code": "print(sum(i * i for i in range(10)))\n"}
    assert call["id"] == f"fc_{body['id']}_0" and call["status"] == "completed"
    assert "```\n285\n```" in text_of(body)
    usage = body["usage"]
    assert usage["server_side_tool_usage_details"]["code_interpreter_calls"] == 1
    assert usage["num_server_side_tools_used"] == 1
    assert usage["cost_in_usd_ticks"] > 50_000_000


def test_errors_come_back_as_the_real_traceback(run):
    text = text_of(run("raise ValueError('boom at line one')"))
    assert "ValueError: boom at line one" in text and "exited with 1" in text


def test_environment_is_stripped_and_cwd_is_a_temp_dir(run, monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", "xai-secret-never-shown-123")
    text = text_of(run("import os; print(sorted(os.environ)); print(os.getcwd())"))
    assert "XAI_API_KEY" not in text and "xai-secret" not in text
    assert "grok-emulator-code-" in text


def test_memory_limit(run):
    text = text_of(run("x = bytearray(4 * 1024 ** 3)"))
    assert "MemoryError" in text


def test_cpu_limit_and_timeout(run, monkeypatch):
    monkeypatch.setattr(_code_interpreter, "CPU_SECONDS", 1)
    assert "exited with -" in text_of(run("while True:\n    pass"))
    monkeypatch.setattr(_code_interpreter, "TIMEOUT_SECONDS", 0.5)
    text = text_of(run("import time\ntime.sleep(30)"))
    assert "was stopped" in text and "TimeoutError" in text


def test_without_a_fenced_block_nothing_runs(http):
    body = http.post(
        "/responses",
        json={"model": model(reasoning=False), "input": 'Say "no code"', "tools": CODE},
    ).json()
    assert [i["type"] for i in body["output"]] == ["message"] and text_of(body) == "no code"


def test_streamed_code_call(run):
    evs = events(run("print('streamed')", stream=True))
    added = next(e for e in evs if e["type"] == "response.output_item.added")
    assert added["item"]["type"] == "code_interpreter_call"
    assert "streamed" in evs[-1]["response"]["output"][-1]["content"][0]["text"]


def test_serve_code_execution_off_refuses_the_tool():
    with serve(code_execution="off") as emu:
        r = httpx.post(
            f"{emu.base_url}/responses",
            headers={"Authorization": f"Bearer {KEY}"},
            json={
                "model": model(reasoning=False),
                "input": "```python\nprint(1)\n```",
                "tools": CODE,
            },
        )
    assert r.status_code == 400 and "code_execution='off'" in r.json()["error"]
