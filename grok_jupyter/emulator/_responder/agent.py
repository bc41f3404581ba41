"""The deterministic notebook agent: what the emulated model does with the notebook tools.

When a request offers ``list_variables`` and ``run_code`` (grok_jupyter.agent's tools),
the model works like a careful agent, step by step within the turn:
1. it first asks to list the variables;
2. when the prompt holds a fenced Python block, it asks to run exactly that block;
3. when a tool result holds a traceback, it answers naming the error and its line;
4. otherwise it answers from the tool results, quoting the numbers they contain.
A user message the agent adds after a step (the plots it drew, as images) belongs to
the turn, not a new prompt.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from ...client._tokens import message_text
from .reply import Reply

AGENT_TOOLS = frozenset({"list_variables", "run_code"})
PLOTS_NOTE = "Plots drawn by the step above"  # grok_jupyter/agent/toolset.py's image message
_FENCE = re.compile(r"(?ms)^(`{3,})[ \t]*(?:python|py|ipython)?[ \t]*\n(.*?)^\1[ \t]*$")
_ERROR_LINE = re.compile(r"(?m)^(\w*(?:Error|Exception|Interrupt|Exit)\w*): ?(.*)$")
_LINE_NO = re.compile(r"(?:line |^-+> ?)(\d+)", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")
_MAX_NUMBERS = 12
_TIMED_OUT = re.compile(r"timed out after [0-9.]+ s")


def is_agent_request(tools: list[dict[str, Any]]) -> bool:
    return AGENT_TOOLS <= {t["function"]["name"] for t in tools}


def _turn(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The prompt, and the messages after it in this turn."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if message.get("role") == "user" and not message_text(message).startswith(PLOTS_NOTE):
            return message_text(message), messages[i + 1:]
    return "", messages


def fenced_block(prompt: str) -> str | None:
    match = _FENCE.search(prompt)
    return match.group(2).rstrip("\n") if match else None


def _call(name: str, arguments: dict[str, Any], seed: str) -> Reply:
    digits = zlib.crc32(f"{seed}|{name}".encode()) % 100_000_000
    call = {"id": f"call_{digits:08d}", "type": "function", "function": {
        "name": name, "arguments": json.dumps(arguments, ensure_ascii=False)}}
    return Reply(content="", finish_reason="tool_calls", tool_calls=[call])


def agent_reply(messages: list[dict[str, Any]], *, tools_allowed: bool) -> Reply:
    prompt, turn = _turn(messages)
    called = [c["function"]["name"] for m in turn for c in m.get("tool_calls") or []]
    seed = json.dumps(messages, sort_keys=True, default=str)
    if tools_allowed:
        if "list_variables" not in called:
            return _call("list_variables", {}, seed)
        block = fenced_block(prompt)
        if block is not None and "run_code" not in called:
            return _call("run_code", {"code": block}, seed)
    results = [message_text(m) for m in turn if m.get("role") in ("tool", "function")]
    return Reply(content=answer_from(results), finish_reason="stop")


def answer_from(results: list[str]) -> str:
    last = results[-1] if results else ""
    if "Traceback" in last or "Status: failed" in last:
        errors = _ERROR_LINE.findall(last)
        name, text = errors[-1] if errors else ("an error", "")
        lines = _LINE_NO.findall(last)
        where = f" at line {lines[-1]}" if lines else ""
        said = f"{name}: {text}".rstrip(": ") if errors else name
        return f"The code raised {said}{where}."
    timed_out = _TIMED_OUT.search(last)
    if timed_out:
        return f"The step {timed_out.group(0)}: it ran too long, so it was interrupted."
    if "skipped" in last.lower() and "did not run" in last:
        return "You skipped the step, so I did not run it."
    ran = [r.split("Output:", 1)[1] for r in results if "Output:" in r]
    source = ran[-1] if ran else "\n".join(results)
    numbers: list[str] = []
    for number in _NUMBER.findall(source):
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        return "I looked at the notebook; the results hold no numbers to report."
    shown = numbers[:_MAX_NUMBERS]
    listed = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    return f"From what ran: the results show {listed}."
