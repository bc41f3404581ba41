"""The deterministic, honest responder: what the emulated model answers.

Pure functions of the request (no randomness, no clock), so the same request
always gets the same answer. It does what the prompt plainly asks: an exact
number of words, a quoted phrase, a tool call, a JSON instance for a schema,
facts about the images it was sent. The HTTP layer only encodes the reply.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from ..client._tokens import count_tokens, message_text, split_tokens
from ._extract import LiteralCall, PromptValues, extract_values, find_calls, name_words
from ._schema import instance_for
from ._tasks import (
    asks_for_code,
    asks_for_html,
    code_answer,
    fill_like_example,
    html_answer,
    parse_table,
    table_answer,
)
from ._validation import ChatPlan


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
            text = json.dumps(_json_object(plan.messages, prompt, text), ensure_ascii=False)
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
    system = _system_text(plan.messages)
    wants_html = asks_for_html(prompt, system)
    # "Write HTML code" is HTML, not Python.
    if not wants_html and asks_for_code(prompt, system):
        return code_answer(prompt, system)
    table = parse_table(prompt)
    answer = _arithmetic(prompt)
    if answer is None and table is not None:
        found = table_answer(prompt, table)
        if found:
            answer = (
                f"{found} (The grok-jupyter emulator, answering as {plan.response_model}, "
                "computed this from the rows in your prompt.)"
            )
    if answer is None:
        snippet = " ".join(prompt.split())
        if len(snippet) > 200:
            snippet = snippet[:200] + "…"
        answer = (
            f'You said: "{snippet}". This is the grok-jupyter emulator answering as '
            f"{plan.response_model}; the same request always gets this same reply."
        )
    return html_answer(answer, table) if wants_html else answer


def _system_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message_text(m) for m in messages if m.get("role") in ("system", "developer"))


_KEY_NOUN = r"(?:keys?|fields?|properties|attributes)"
_QUOTED_KEY = r"(?:\"\w+\"|'\w+'|`\w+`|“\w+”)"
_ANY_KEY = rf"(?:{_QUOTED_KEY}|\w+)"
_KEY_SEP = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)"


def _key_list(item: str) -> str:
    return rf"{item}(?:{_KEY_SEP}{item})*"


# Where a prompt names JSON keys: "with keys name and age", "with 'setup' and
# 'punchline' keys", "JSON with `setup` and `punchline`". Bare (unquoted) words
# count only right after "keys"; elsewhere only quoted names do, to stay conservative.
_KEYS_RES = (
    re.compile(
        rf"\b{_KEY_NOUN}\b\s*(?:named|called)?\s*:?\s*({_key_list(_ANY_KEY)})",
        re.I,
    ),
    re.compile(rf"({_key_list(_QUOTED_KEY)})\s+{_KEY_NOUN}\b", re.I),
    re.compile(rf"\bJSON(?:\s+object)?\s+with\s+(?:the\s+)?({_key_list(_QUOTED_KEY)})", re.I),
)
_NOT_KEYS = frozenset(
    "and or the a an in of to for that which are is with as should must only other than "
    "no not json object".split()
)
_NUMERIC_KEYS = re.compile(
    r"age|count|number|num|year|total|amount|price|population|size|qty", re.I
)


def json_keys(text: str) -> list[str]:
    """The JSON keys ``text`` names, in order of appearance, or ``[]``."""
    found: list[tuple[int, str]] = []
    for pattern in _KEYS_RES:
        for m in pattern.finditer(text):
            for k in re.finditer(r"([\"'`“])?(\w+)", m.group(1)):
                # A quoted name is always a key; a bare word only if it is no filler word.
                if k.group(1) or k.group(2).lower() not in _NOT_KEYS:
                    found.append((m.start(1) + k.start(), k.group(2)))
    return list(dict.fromkeys(k for _, k in sorted(found)))


def _json_object(messages: list[dict[str, Any]], prompt: str, text: str) -> dict[str, Any]:
    """JSON mode: shaped like an example object or with the keys the prompt (or else a
    system message) names, else an answer."""
    system = _system_text(messages)
    shaped = fill_like_example(prompt)
    if shaped is not None:
        return shaped
    keys = json_keys(prompt)
    if not keys:
        shaped = fill_like_example(system, prompt)
        if shaped is not None:
            return shaped
        keys = json_keys(system)
    if not keys:
        return {"answer": text}
    # The key names themselves (often quoted in the prompt) are not values.
    values = extract_values(prompt, skip=tuple(keys))
    out: dict[str, Any] = {}
    for key in keys:
        number = values.take_number(key) if _NUMERIC_KEYS.fullmatch(key) else None
        if number is not None:
            out[key] = int(number) if number.is_integer() else number
        else:
            # Nothing in the prompt for it: deterministic filler text, still a string.
            out[key] = values.take_string(key) or generate_words(6, f"{key}|{prompt}")
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


def token_logprobs(tokens: list[str], top: int) -> list[dict[str, Any]]:
    """One logprob entry per token, in the OpenAI-compatible shape xAI follows.

    Values come from a hash of the token and its position, so the same reply
    always carries the same numbers. The chosen token gets a probability in
    [0.4, 1) and leads its ``top_logprobs``; the alternatives share what is
    left, halving each time, so the chosen one is always the most likely and
    the probabilities never sum above one.
    """
    entries = []
    for i, token in enumerate(tokens):
        h = zlib.crc32(f"{i}|{token}".encode())
        p = 0.4 + 0.599 * (h / 0xFFFFFFFF)
        chosen = {"token": token, "logprob": math.log(p), "bytes": list(token.encode("utf-8"))}
        alternatives = [chosen] if top else []
        rest, space = 1.0 - p, " " if token.startswith(" ") else ""
        k = 0
        while len(alternatives) < top:
            word = space + _LEXICON[(h + k) % len(_LEXICON)]
            k += 1
            if word == token or any(a["token"] == word for a in alternatives):
                continue
            rest /= 2
            alternatives.append(
                {"token": word, "logprob": math.log(rest), "bytes": list(word.encode("utf-8"))}
            )
        entries.append({**chosen, "top_logprobs": alternatives})
    return entries


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
        elif not wanted:
            wanted = _topic_tools(prompt, plan.tools)
            if not wanted and (choice == "required" or _ASKS_TOOL_RE.search(prompt)):
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


# Words that say nothing about what a tool is for: verbs any tool could start
# with, filler, and words every tool name could contain.
_GENERIC_WORDS = frozenset(
    """get fetch lookup look up search find query call run make do set list retrieve read check
    show is has tool tools function func fn method api helper util data info information value
    values result results the a an of for to in on at by with from and or all any my your
    current latest given specified particular new no args arg input output one two three some
    this that it its""".split()
)
_DETERMINERS = frozenset("the a an this that some any".split())
_PREPOSITIONS = frozenset("at in on for of to from by with into about".split())


def _description_noun(description: str) -> str | None:
    """The key noun of a tool description: "Get the weather at a location." -> "weather"."""
    text = description.strip()
    if not text:
        return None
    if " " not in text:
        words = name_words(text)  # a name-like description such as "get_weather"
    else:
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
        if words and words[0] not in _DETERMINERS:
            words = words[1:]  # a sentence opens with its verb ("Apply", "Return")
    for word in words[:4]:
        if word in _PREPOSITIONS:
            break  # the noun comes before "at a location", "for a city"
        if len(word) >= 3 and word not in _GENERIC_WORDS:
            return word
    return None


def _word_position(prompt: str, word: str) -> int | None:
    stem = word[:-1] if word.endswith("s") and len(word) > 4 else word
    m = re.search(rf"(?<!\w){re.escape(stem)}(?:s|es)?(?!\w)", prompt, re.IGNORECASE)
    return m.start() if m else None


def _topic_tools(prompt: str, tools: list[dict[str, Any]]) -> list[str]:
    """Tools whose subject the prompt names ("the weather in Paris" -> get_weather).

    A distinctive word of the tool's name counts first; the key noun of its
    description only when no name matches. The best-matching tools win (most
    name words found, then fewest left unfound), in the order the prompt names them.
    """
    by_name: list[tuple[tuple[int, int], int, str]] = []
    by_noun: list[tuple[int, str]] = []
    for tool in tools:
        fn = tool["function"]
        words = {w for w in name_words(fn["name"]) if len(w) >= 3 and w not in _GENERIC_WORDS}
        hits = [p for w in words if (p := _word_position(prompt, w)) is not None]
        if hits:
            by_name.append(((len(hits), len(hits) - len(words)), min(hits), fn["name"]))
            continue
        noun = _description_noun(str(fn.get("description") or ""))
        at = _word_position(prompt, noun) if noun else None
        if at is not None:
            by_noun.append((at, fn["name"]))
    if by_name:
        best = max(score for score, _, _ in by_name)
        return [n for score, _, n in sorted(by_name, key=lambda t: t[1]) if score == best]
    return [n for _, n in sorted(by_noun)]


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
        # Quoted values, when there are any, are the list; other names are context.
        listed = values.quoted or len(values.strings)
        return max(1, listed // per_call)
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
