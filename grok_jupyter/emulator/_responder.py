"""The deterministic, honest responder: what the emulated model answers.

Pure functions of the request (no randomness, no clock), so the same request
always gets the same answer. It does what the prompt plainly asks: an exact
number of words, a quoted phrase, a tool call, a JSON instance for a schema,
facts about the images it was sent. The HTTP layer only encodes the reply.
"""

from __future__ import annotations

import ast
import json
import operator
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from ..client._tokens import count_tokens, split_tokens
from ._extract import LiteralCall, PromptValues, extract_values, find_calls
from ._schema import instance_for
from ._validation import ChatPlan, message_text


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


_LEXICON = (
    "river stone light garden quiet morning signal window paper silver orbit harbor lantern "
    "meadow thunder pattern bridge compass winter echo forest candle market velvet summit "
    "canvas ember island journey marble needle ocean pepper quartz ribbon saddle timber "
    "valley whisper yellow zephyr anchor basket cedar delta falcon glacier hollow ivory jasmine "
    "kettle linen mosaic nectar opal prism rocket sparrow tundra umber vessel walnut amber"
).split()

_WORD_COUNT_RE = re.compile(r"\b(\d{1,6})\s*(?:-\s*)?words?\b", re.IGNORECASE)
_ECHO_RE = re.compile(
    r"\b(?:say|repeat|reply with|respond with|answer with|echo|print|output|return)\b"
    r"(?:\s+(?:the\s+)?(?:word|words|phrase|text|exactly|just|only))*\s*[:]?\s*"
    r"(?:\"([^\"]+)\"|'([^']+)'|“([^”]+)”)",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"\bmy name is ([A-Z][\w-]*)", re.IGNORECASE)
_ASKS_TOOL_RE = re.compile(
    r"\b(?:use|call|invoke|run)\b[^.?!]{0,40}\b(?:tool|tools|function|functions)\b", re.IGNORECASE
)
_ALL_TOOLS_RE = re.compile(r"\b(?:all|each|both|every)\b[^.?!]{0,20}\b(?:tools|functions)\b", re.I)
_SEVERAL_RE = re.compile(r"\b(?:each|both|separately|in parallel|parallel|for every)\b", re.I)
_TIMES = {"once": 1, "twice": 2, "two times": 2, "three times": 3, "thrice": 3, "four times": 4}
_ARITH_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:\s*(?:\*\*|[-+*/%^×÷])\s*-?\d+(?:\.\d+)?)+")
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def respond(plan: ChatPlan) -> Reply:
    body = plan.body
    prompt = _last_user_text(plan.messages)
    fmt = body.get("response_format") or {}
    calls = [] if _after_tool_results(plan.messages) else _plan_tool_calls(plan, prompt)
    if calls:
        reply = Reply(content="", finish_reason="tool_calls", tool_calls=calls)
        action = "I should call " + ", ".join(c["function"]["name"] for c in calls) + "."
    else:
        text = _text_answer(plan, prompt)
        if fmt.get("type") == "json_schema":
            values = extract_values(prompt + "\n" + _tool_results_text(plan.messages))
            schema = fmt["json_schema"]["schema"]
            text = json.dumps(instance_for(schema, values), ensure_ascii=False)
            action = "I should answer with JSON that fits the schema."
        elif fmt.get("type") == "json_object":
            text = json.dumps(_json_object(prompt, text), ensure_ascii=False)
            action = "I should answer with a JSON object."
        else:
            action = "I should answer directly."
        reply = _limit(text, body)
    if plan.info.reasoning:
        reply.reasoning = _reasoning(prompt, action, body.get("reasoning_effort"))
    return reply


# --- text ------------------------------------------------------------------


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return message_text(messages[-1])


def _after_tool_results(messages: list[dict[str, Any]]) -> bool:
    # Once results are back the model answers, even under tool_choice "required",
    # so an agent loop driven by the emulator always ends.
    return messages[-1].get("role") in ("tool", "function")


def _tool_results_text(messages: list[dict[str, Any]]) -> str:
    if not _after_tool_results(messages):
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


def _text_answer(plan: ChatPlan, prompt: str) -> str:
    results = _tool_results_text(plan.messages)
    if results:
        return f"Based on the tool results: {results}."
    if plan.images:
        return " ".join(f.describe() for f in plan.images)
    count = _WORD_COUNT_RE.search(prompt)
    if count:
        return generate_words(int(count.group(1)), prompt)
    echo = _ECHO_RE.search(prompt)
    if echo:
        return next(g for g in echo.groups() if g is not None)
    if re.search(r"\bwhat(?:'s| is) my name\b", prompt, re.IGNORECASE):
        for message in plan.messages:
            found = (
                _NAME_RE.search(message_text(message)) if message.get("role") == "user" else None
            )
            if found:
                return f"Your name is {found.group(1)}."
    arithmetic = _arithmetic(prompt)
    if arithmetic:
        return arithmetic
    snippet = " ".join(prompt.split())
    if len(snippet) > 200:
        snippet = snippet[:200] + "…"
    return (
        f'You said: "{snippet}". This is the grok-jupyter emulator answering as '
        f"{plan.response_model}; the same request always gets this same reply."
    )


_KEYS_RE = re.compile(r"\bkeys?\s+((?:[\"'`]?\w+[\"'`]?(?:\s*,\s*(?:and\s+)?|\s+and\s+)?)+)", re.I)
_NUMERIC_KEYS = re.compile(
    r"age|count|number|num|year|total|amount|price|population|size|qty", re.I
)


def _json_object(prompt: str, text: str) -> dict[str, Any]:
    """JSON mode: the keys the prompt names ("with keys name and age"), else an answer."""
    found = _KEYS_RE.search(prompt)
    if not found:
        return {"answer": text}
    keys = [k for k in re.findall(r"\w+", found.group(1)) if k.lower() != "and"]
    values = extract_values(prompt)
    out: dict[str, Any] = {}
    for key in keys:
        number = values.take_number(key) if _NUMERIC_KEYS.fullmatch(key) else None
        if number is not None:
            out[key] = int(number) if number.is_integer() else number
        else:
            out[key] = values.take_string(key) or key
    return out


def generate_words(n: int, seed: str) -> str:
    """Exactly ``n`` whitespace-separated words, in sentences of twelve, chosen by ``seed``."""
    h = zlib.crc32(seed.encode("utf-8"))
    words = []
    for i in range(n):
        word = _LEXICON[(h + i * 7919 + (i * i) % 13) % len(_LEXICON)]
        if i % 12 == 0:
            word = word.capitalize()
        if i % 12 == 11 or i == n - 1:
            word += "."
        words.append(word)
    return " ".join(words)


def _arithmetic(prompt: str) -> str | None:
    match = _ARITH_RE.search(prompt)
    if not match:
        return None
    expr = match.group(0)
    try:
        value = _eval(
            ast.parse(expr.replace("^", "**").replace("×", "*").replace("÷", "/"), mode="eval").body
        )
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{' '.join(expr.split())} = {value}"


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        right = _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        return _OPS[type(node.op)](_eval(node.left), right)
    raise ValueError("not arithmetic")


def _limit(text: str, body: dict[str, Any]) -> Reply:
    """Apply ``stop`` sequences, then the token limit."""
    finish = "stop"
    stop = body.get("stop")
    for seq in [stop] if isinstance(stop, str) else stop or []:
        at = text.find(seq) if seq else -1
        if at >= 0:
            text = text[:at]
    limit = body.get("max_completion_tokens")
    if limit is None:
        limit = body.get("max_tokens")
    if limit is not None:
        tokens = split_tokens(text)
        if len(tokens) > limit:
            text = "".join(tokens[:limit])
            finish = "length"
    return Reply(content=text, finish_reason=finish)


def _reasoning(prompt: str, action: str, effort: str | None) -> str:
    snippet = " ".join(prompt.split())[:160]
    text = f'The user wrote: "{snippet}". {action}'
    if effort == "high":
        text += " Let me check that plan once more, step by step, before I answer. It holds."
    return text


# --- tools -----------------------------------------------------------------


def _plan_tool_calls(plan: ChatPlan, prompt: str) -> list[dict[str, Any]]:
    body = plan.body
    choice = body.get("tool_choice")
    if not plan.tools or choice == "none":
        return []
    schemas = {t["function"]["name"]: t["function"].get("parameters") or {} for t in plan.tools}
    names = list(schemas)
    forced = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
    literal = find_calls(prompt, [forced] if forced else names)
    chosen: list[tuple[str, LiteralCall | None]] = [(c.name, c) for c in literal]
    if chosen and not forced:
        # Tools named in prose beside the literal calls are called too, in prompt order.
        written = {c.name for c in literal}
        extra = [
            (pos, n)
            for n in names
            if n not in written and (pos := _position(prompt, n)) is not None
        ]
        placed = sorted(
            [(c.start, i, (c.name, c)) for i, c in enumerate(literal)]
            + [(p, -1, (n, None)) for p, n in extra]
        )
        chosen = [item for _, _, item in placed]
    if not chosen:
        mentioned = sorted((pos, n) for n in names if (pos := _position(prompt, n)) is not None)
        wanted = [n for _, n in mentioned]
        if forced:
            wanted = [forced]
        elif not wanted and _ALL_TOOLS_RE.search(prompt):
            wanted = names
        elif not wanted and (choice == "required" or _ASKS_TOOL_RE.search(prompt)):
            wanted = names[:1]
        repeat = _repeat_count(prompt, wanted, schemas)
        chosen = [(n, None) for n in wanted for _ in range(repeat)]
    if body.get("parallel_tool_calls") is False:
        chosen = chosen[:1]
    values = extract_values(prompt, skip=tuple(names))
    seed = json.dumps(plan.messages, sort_keys=True, default=str)
    calls = []
    for i, (name, lit) in enumerate(chosen):
        args = _arguments(schemas[name], lit, values)
        digits = zlib.crc32(f"{seed}|{i}".encode()) % 100_000_000
        calls.append(
            {
                "id": f"call_{digits:08d}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": json.dumps(args, ensure_ascii=False, separators=(",", ":")),
                },
            }
        )
    return calls


def _position(prompt: str, name: str) -> int | None:
    for form in (name, name.replace("_", " ")):
        m = re.search(rf"(?<!\w){re.escape(form)}(?!\w)", prompt, re.IGNORECASE)
        if m:
            return m.start()
    return None


def _repeat_count(prompt: str, wanted: list[str], schemas: dict[str, Any]) -> int:
    lowered = prompt.lower()
    for phrase, n in _TIMES.items():
        if re.search(rf"\b{phrase}\b", lowered):
            return n
    m = re.search(r"\b(\d)\s+(?:times|calls)\b", lowered)
    if m:
        return max(1, int(m.group(1)))
    if len(wanted) == 1 and _SEVERAL_RE.search(prompt):
        # "weather in 'Paris' and 'London', each": one call per value the prompt lists.
        schema = schemas[wanted[0]]
        required = set(schema.get("required") or [])
        props = [p for k, p in (schema.get("properties") or {}).items() if k in required]
        per_call = max(1, sum(1 for p in props if p.get("type") == "string" and "enum" not in p))
        values = extract_values(prompt, skip=tuple(schemas))
        return max(1, len(values.strings) // per_call)
    return 1


def _arguments(
    schema: dict[str, Any], lit: LiteralCall | None, values: PromptValues
) -> dict[str, Any]:
    schema = schema if schema.get("type", "object") == "object" else {"type": "object"}
    props: dict[str, Any] = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    args: dict[str, Any] = {}
    if lit is not None:
        for key, value in zip(props, lit.args, strict=False):
            args[key] = _coerce(value, props[key])
        for key, value in lit.kwargs.items():
            args[key] = _coerce(value, props.get(key, {}))
    else:
        for key in props:
            if key in values.keyed or key in required or _mentioned_enum(props[key], values):
                args[key] = instance_for(_required_only(props[key]), values, key, root=schema)
    for key in required:
        if key not in args:
            args[key] = instance_for(_required_only(props.get(key, {})), values, key, root=schema)
    return args


def _mentioned_enum(schema: Any, values: PromptValues) -> bool:
    options = schema.get("enum") if isinstance(schema, dict) else None
    return bool(options) and any(isinstance(o, str) and values.mentions(o) for o in options)


def _required_only(schema: Any) -> Any:
    """Tool arguments carry only what is asked for; optional nested fields stay out."""
    if isinstance(schema, dict) and schema.get("type") == "object" and "properties" in schema:
        keep = set(schema.get("required") or [])
        return {
            **schema,
            "properties": {k: v for k, v in schema["properties"].items() if k in keep},
        }
    return schema


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((t for t in kind if t != "null"), None)
    try:
        if kind == "integer":
            return int(float(value))
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() else number
        if kind == "boolean":
            return value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "1")
    except (TypeError, ValueError):
        return instance_for(schema)
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    if kind == "array" and not isinstance(value, list):
        return [value]
    if kind == "object" and not isinstance(value, dict):
        return instance_for(schema)
    return value
