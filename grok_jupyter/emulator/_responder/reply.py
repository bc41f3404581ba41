"""What every kind of answer shares: the ``Reply`` and the reading of the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...client._tokens import count_tokens, message_text, split_tokens


@dataclass
class Reply:
    content: str
    finish_reason: str
    reasoning: str = ""  # hidden unless the model streams reasoning_content
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def content_tokens(self) -> list[str]:
        return split_tokens(self.content)

    @property
    def reasoning_tokens(self) -> list[str]:
        return split_tokens(self.reasoning)

    @property
    def completion_tokens(self) -> int:
        calls = sum(
            count_tokens(c["function"]["name"]) + count_tokens(c["function"]["arguments"])
            for c in self.tool_calls
        )
        return count_tokens(self.content) + calls


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return message_text(messages[-1])


def after_tool_results(messages: list[dict[str, Any]]) -> bool:
    # Once results are back the model answers, even under tool_choice "required",
    # so an agent loop driven by the emulator always ends.
    return messages[-1].get("role") in ("tool", "function")


def tool_results_text(messages: list[dict[str, Any]]) -> str:
    if not after_tool_results(messages):
        return ""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            names[call.get("id", "")] = (call.get("function") or {}).get("name", "tool")
    results = []
    for message in reversed(messages):
        if message.get("role") not in ("tool", "function"):
            break
        name = names.get(message.get("tool_call_id", ""), message.get("name") or "the tool")
        results.append(f"{name} returned {message_text(message)}")
    return "; ".join(reversed(results))


def system_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message_text(m) for m in messages if m.get("role") in ("system", "developer"))
