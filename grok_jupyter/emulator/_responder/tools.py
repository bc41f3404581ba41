"""Tool calls: which tools the prompt asks for, how often, and with what arguments."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from .._extract import LiteralCall, PromptValues, extract_values, find_calls, name_words
from .._schema import instance_for
from .._validation import ChatPlan

_ASKS_TOOL_RE = re.compile(
    r"\b(?:use|call|invoke|run)\b[^.?!]{0,40}\b(?:tool|tools|function|functions)\b", re.IGNORECASE
)
_ALL_TOOLS_RE = re.compile(r"\b(?:all|each|both|every)\b[^.?!]{0,20}\b(?:tools|functions)\b", re.I)
_SEVERAL_RE = re.compile(r"\b(?:each|both|separately|in parallel|parallel|for every)\b", re.I)
_TIMES = {"once": 1, "twice": 2, "two times": 2, "three times": 3, "thrice": 3, "four times": 4}


def plan_tool_calls(plan: ChatPlan, prompt: str) -> list[dict[str, Any]]:
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
