"""A real ipykernel running ``%%grok --agent`` against the emulator, and a way to answer the
agent's questions on Jupyter's stdin channel as a user typing in the prompt box would."""

from __future__ import annotations

import queue
from collections.abc import Iterable
from typing import Any

KEY = "xai-agent-kernel-test-key-Qm47"  # recognisable, so the key scans mean something


def run(kc: Any, code: str, answers: Iterable[str] = (), timeout: float = 60,
        cell_id: str | None = None) -> dict[str, Any]:
    """Run ``code`` (from the cell ``cell_id``, when given), typing ``answers`` (in order)
    at each ``input()`` prompt. Returns what the user saw: ``text`` (everything printed in
    the cell), ``prompts`` (the questions asked), ``displays`` (display data bundles),
    ``reply`` (the execute reply), ``messages``."""
    typed = list(answers)
    if cell_id is None:
        msg_id = kc.execute(code, allow_stdin=True)
    else:  # as JupyterLab and Notebook 7 send it: the cell's id in the request's metadata
        content = {"code": code, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": True, "stop_on_error": True}
        msg = kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
        kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
    messages: list[dict] = []
    prompts: list[str] = []
    idle = False
    while not idle:
        try:
            request = kc.get_stdin_msg(timeout=0.02)
        except queue.Empty:
            request = None
        if request is not None and request["msg_type"] == "input_request":
            prompts.append(request["content"]["prompt"])
            assert typed, f"the agent asked {prompts[-1]!r} and the test had no answer left"
            kc.input(typed.pop(0))
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.02)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
                break
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    assert KEY not in repr(messages) + repr(reply)  # the key never reaches any output
    assert not typed, f"answers left unasked: {typed}"
    text = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
    text += "".join("\n".join(m["content"]["traceback"]) for m in messages
                    if m["msg_type"] == "error")
    displays = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    return {"text": text, "prompts": prompts, "displays": displays, "reply": reply,
            "messages": messages}


def next_input(reply: dict) -> str | None:
    for payload in reply["content"].get("payload") or []:
        if payload.get("source") == "set_next_input":
            return str(payload["text"])
    return None
