"""The deterministic, honest responder: what the emulated model answers.

Pure functions of the request (no randomness, no clock), so the same request
always gets the same answer. It does what the prompt plainly asks: an exact
number of words, a quoted phrase, a tool call, a JSON instance for a schema,
facts about the images it was sent. The HTTP layer only encodes the reply.

One module per kind of answer: ``text``, ``tools``, ``structured`` and
``vision``; ``reply`` holds what they share. ``respond`` picks among them.
"""

from __future__ import annotations

import json

from .._validation import ChatPlan
from .agent import agent_reply, is_agent_request
from .reply import Reply, after_tool_results, last_user_text, tool_results_text
from .structured import json_keys, json_object, schema_answer
from .text import generate_words, limit_reply, reasoning_text, text_answer, token_logprobs
from .tools import plan_tool_calls

__all__ = ["Reply", "generate_words", "json_keys", "respond", "token_logprobs"]


def respond(plan: ChatPlan) -> Reply:
    body = plan.body
    if plan.tools and is_agent_request(plan.tools):  # grok_jupyter.agent's notebook tools
        reply = agent_reply(plan.messages, tools_allowed=body.get("tool_choice") != "none")
        if plan.info.reasoning and not reply.tool_calls:
            reply.reasoning = reasoning_text("", "I should answer from what ran.",
                                             body.get("reasoning_effort"))
        return reply
    prompt = last_user_text(plan.messages)
    fmt = body.get("response_format") or {}
    calls = [] if after_tool_results(plan.messages) else plan_tool_calls(plan, prompt)
    if calls:
        reply = Reply(content="", finish_reason="tool_calls", tool_calls=calls)
        action = "I should call " + ", ".join(c["function"]["name"] for c in calls) + "."
    else:
        text = text_answer(plan, prompt)
        if fmt.get("type") == "json_schema":
            schema = fmt["json_schema"]["schema"]
            instance = schema_answer(schema, prompt, tool_results_text(plan.messages))
            text = json.dumps(instance, ensure_ascii=False)
            action = "I should answer with JSON that fits the schema."
        elif fmt.get("type") == "json_object":
            text = json.dumps(json_object(plan.messages, prompt, text), ensure_ascii=False)
            action = "I should answer with a JSON object."
        else:
            action = "I should answer directly."
        reply = limit_reply(text, body)
    if plan.info.reasoning:
        reply.reasoning = reasoning_text(prompt, action, body.get("reasoning_effort"))
    return reply
