"""JSON answers: an object with the keys the prompt names, or an instance of a schema."""

from __future__ import annotations

import re
from typing import Any

from .._extract import extract_values
from .._schema import instance_for
from .._tasks import fill_like_example
from .reply import system_text
from .text import generate_words

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


def json_object(messages: list[dict[str, Any]], prompt: str, text: str) -> dict[str, Any]:
    """JSON mode: shaped like an example object or with the keys the prompt (or else a
    system message) names, else an answer."""
    system = system_text(messages)
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


def schema_answer(schema: dict[str, Any], prompt: str, results: str) -> Any:
    """An instance of ``schema`` filled with what the prompt and the tool results say."""
    return instance_for(schema, extract_values(prompt + "\n" + results))
