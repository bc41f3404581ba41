"""The emulator's deterministic notebook agent and its scripted turns, over real HTTP, on
both APIs: what a test, a demo or a user's CI can rely on."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx2
import pytest

from grok_jupyter.client import GrokClient

TOOLS = [
    {"type": "function", "function": {"name": "list_variables", "description": "List.",
                                      "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {
        "name": "run_code", "description": "Run.",
        "parameters": {"type": "object", "properties": {"code": {"type": "string"}},
                       "required": ["code"]}}},
]
PROMPT = "Add them:\n```python\nx = 2 + 3\nprint(x)\n```"


def _call(message) -> tuple[str, dict]:
    (call,) = message.tool_calls
    return call.function.name, json.loads(call.function.arguments)


def test_chat_agent_lists_then_runs_the_block_then_quotes_the_numbers(emu) -> None:
    client = GrokClient(api_key="xai-test", base_url=emu)
    messages: list = [{"role": "user", "content": PROMPT}]
    first = client.chat(messages, tools=TOOLS).choices[0].message
    assert _call(first) == ("list_variables", {})
    messages += [first.to_wire(), {"role": "tool", "tool_call_id": first.tool_calls[0].id,
                                   "content": "df: DataFrame (3 × 2)"}]
    second = client.chat(messages, tools=TOOLS).choices[0].message
    assert _call(second) == ("run_code", {"code": "x = 2 + 3\nprint(x)"})
    messages += [second.to_wire(), {"role": "tool", "tool_call_id": second.tool_calls[0].id,
                                    "content": "Status: ok — approved (Run).\nOutput:\n5"}]
    answer = client.chat(messages, tools=TOOLS).choices[0].message.content
    assert answer == "From what ran: the results show 5."


def test_a_traceback_is_named_with_its_line(emu) -> None:
    client = GrokClient(api_key="xai-test", base_url=emu)
    traceback = ("Status: failed — approved (Run).\nTraceback (most recent call last)\n"
                 "Cell In[1], line 3\n----> 3 y = x / 0\nZeroDivisionError: division by zero")
    messages = [{"role": "user", "content": PROMPT},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "c1", "type": "function",
                     "function": {"name": "list_variables", "arguments": "{}"}},
                    {"id": "c2", "type": "function",
                     "function": {"name": "run_code", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "none"},
                {"role": "tool", "tool_call_id": "c2", "content": traceback}]
    answer = client.chat(messages, tools=TOOLS).choices[0].message.content
    assert answer == "The code raised ZeroDivisionError: division by zero at line 3."


def test_responses_agent_asks_for_the_variables_first(emu) -> None:
    client = GrokClient(api_key="xai-test", base_url=emu)
    flat = [{"type": "function", **t["function"]} for t in TOOLS]
    response = client.responses.create(input=PROMPT, tools=flat)
    calls = [item for item in response.output if item.type == "function_call"]
    assert [(c.name, c.arguments) for c in calls] == [("list_variables", "{}")]


def test_script_queues_exact_turns_on_both_apis_and_reset_clears_them(emu) -> None:
    client = GrokClient(api_key="xai-test", base_url=emu)
    assert emu.script([{"tool": "run_code", "arguments": {"code": "1 + 1"}}, "Done."]) == 2
    first = client.chat("Anything", tools=TOOLS).choices[0].message
    assert _call(first) == ("run_code", {"code": "1 + 1"})
    assert client.responses.create(input="Anything").output_text == "Done."
    assert client.chat("Say 'plain'").text == "plain"  # the queue is empty: back to rules
    emu.script(["never taken"])
    emu.reset()
    assert client.chat("Say 'plain'").text == "plain"


def test_a_bad_script_item_is_refused_whole(emu) -> None:
    with pytest.raises(ValueError, match='an item is text'):
        emu.script(["fine", {"tool_calls": []}])
    root = emu.base_url.removesuffix("/v1")
    reply = httpx2.post(f"{root}/_emulator/script", json={"turns": [42]})
    assert reply.status_code == 400 and "bad script" in reply.json()["error"]
    reply = httpx2.post(f"{root}/_emulator/script", json={"turns": ["From HTTP."]})
    assert reply.json() == {"queued": 1}
    assert GrokClient(api_key="xai-test", base_url=emu).chat("Hi").text == "From HTTP."


def test_the_cli_queues_a_script_file(tmp_path) -> None:
    script = tmp_path / "turns.json"
    script.write_text(json.dumps(["From the file."]))
    proc = subprocess.Popen([sys.executable, "-m", "grok_jupyter.emulator", "--script",
                             str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip().split("=", 1)[1]
        assert GrokClient(api_key="xai-test", base_url=base_url).chat("Hi").text == "From the file."
    finally:
        proc.terminate()
        proc.wait(10)
