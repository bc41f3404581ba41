"""Values a prompt mentions, for tool arguments and structured output.

The responder is honest rather than clever: it takes quoted strings,
numbers, proper nouns and non-Latin text from the prompt, in order, and
hands them out to the fields that want them. Quoted strings come first; a
capitalised word that only opens a sentence, or that is part of a tool's
name, is not a value.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

_QUOTED_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<![\w])'([^']+)'(?![\w])")
_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*[A-Za-z_])")
_PROPER_RE = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")
# Runs of letters outside Latin script (CJK, Cyrillic, Arabic, ...), spaces allowed inside.
_NON_LATIN_RE = re.compile(r"[^\W\d_A-Za-z\u00C0-\u024F]+(?:\s+[^\W\d_A-Za-z\u00C0-\u024F]+)*")
_KEYED_RE = re.compile(r"\b([A-Za-z_][\w]*)\s*[:=]\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)")

# Capitalised words that start sentences and questions rather than name things.
_NOT_NAMES = frozenset(
    """A An And Answer Are As At Be Call Can Could Do Does Extract Fill For From Get Give Hello
    Hi How I If In Is It Its Let Make My Now Of On Or Please Reply Respond Return Say Show So
    Tell That The Then There These This Those To Use Using Was We What When Where Which Who
    Why Will With Write Would Yes No You Your Describe Find Look Check Compute Calculate Run
    Invoke Thanks Thank Ok Okay Only Just""".split()
)


@dataclass
class PromptValues:
    strings: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    keyed: dict[str, str] = field(default_factory=dict)
    booleans: list[bool] = field(default_factory=list)
    text: str = ""
    quoted: int = 0  # how many of ``strings`` (the first ones) were quoted in the prompt

    def __post_init__(self) -> None:
        self._next_string = 0
        self._next_number = 0

    def take_string(self, name: str | None = None) -> str | None:
        if name and name in self.keyed:
            return _unquote(self.keyed[name])
        if self._next_string < len(self.strings):
            self._next_string += 1
            return self.strings[self._next_string - 1]
        return None

    def take_number(self, name: str | None = None) -> float | None:
        if name and name in self.keyed:
            try:
                return float(self.keyed[name])
            except ValueError:
                pass
        if self._next_number < len(self.numbers):
            self._next_number += 1
            return self.numbers[self._next_number - 1]
        return None

    def take_boolean(self) -> bool:
        return self.booleans[0] if self.booleans else True

    def mentions(self, word: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", self.text, re.IGNORECASE) is not None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def name_words(name: str) -> list[str]:
    """``get_weather`` / ``getWeather`` / ``GetWeather`` -> ``["get", "weather"]``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [w.lower() for w in re.split(r"[\W_]+", spaced) if w]


# A capitalised word opening a sentence is read as a name only when a verb
# follows it ("Alice is 30"), never when it merely starts the sentence ("Weather in ...").
_SUBJECT_VERB_RE = re.compile(
    r"(?:'s|’s|\s+(?:is|was|has|had|and|lives|lived|works|worked|likes|said|says|wants|"
    r"needs|are|were|will|would|can)\b)"
)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in ".?!\n"


def extract_values(text: str, *, skip: tuple[str, ...] = ()) -> PromptValues:
    """Strings (quoted, then non-Latin, then proper nouns) and numbers in order of appearance.

    ``skip`` holds names not to treat as values (tool names, JSON keys): a quoted
    string equal to one, or a proper noun containing one of their words, is left out.
    """
    skip_names = {s.lower() for s in skip}
    skip_words = skip_names | {w for s in skip for w in name_words(s)}
    quoted: list[str] = []
    for m in _QUOTED_RE.finditer(text):
        value = next(g for g in m.groups() if g is not None)
        if value.lower() not in skip_names:
            quoted.append(value)
    rest = _QUOTED_RE.sub(" ", text)
    non_latin = [m.group(0).strip() for m in _NON_LATIN_RE.finditer(rest)]
    proper = []
    for m in _PROPER_RE.finditer(rest):
        words = m.group(0).split()
        if words[0] in _NOT_NAMES or any(w.lower() in skip_words for w in words):
            continue
        if (
            len(words) == 1
            and _sentence_initial(rest, m.start())
            and not _SUBJECT_VERB_RE.match(rest, m.end())
        ):
            continue
        proper.append(m.group(0))
    numbers = [float(m.group(0)) for m in _NUMBER_RE.finditer(rest)]
    keyed = {m.group(1): m.group(2) for m in _KEYED_RE.finditer(text)}
    booleans = [
        w.lower() in ("true", "yes") for w in re.findall(r"\b(true|false|yes|no)\b", text, re.I)
    ]
    seen: set[str] = set()
    strings = [s for s in quoted + non_latin + proper if not (s in seen or seen.add(s))]
    return PromptValues(
        strings=strings,
        numbers=numbers,
        keyed=keyed,
        booleans=booleans,
        text=text,
        quoted=len(set(quoted)),
    )


@dataclass(frozen=True)
class LiteralCall:
    """``name(args)`` written in the prompt."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    start: int = 0  # where the call is written in the prompt


def find_calls(text: str, names: list[str]) -> list[LiteralCall]:
    """Literal calls of the given names, in order, e.g. ``magic_function(3)``."""
    if not names:
        return []
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\s*\(")
    calls = []
    for m in pattern.finditer(text):
        close = _matching_paren(text, m.end() - 1)
        if close is None:
            continue
        inner = text[m.end() : close]
        args, kwargs = _parse_args(inner)
        calls.append(LiteralCall(m.group(1), args, kwargs, m.start()))
    return calls


def _matching_paren(text: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _parse_args(inner: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    try:
        call = ast.parse(f"f({inner})", mode="eval").body
        assert isinstance(call, ast.Call)
        args = tuple(_literal(a) for a in call.args)
        kwargs = {k.arg: _literal(k.value) for k in call.keywords if k.arg}
        return args, kwargs
    except (SyntaxError, AssertionError):
        # Not Python (e.g. JSON-ish or prose): split on commas and keep the pieces.
        pieces = [p.strip() for p in inner.split(",") if p.strip()]
        return tuple(_loose(p) for p in pieces), {}


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)  # a bare name like ``Paris``: keep it as text


def _loose(piece: str) -> Any:
    key, sep, value = piece.partition(":")
    piece = value.strip() if sep and re.fullmatch(r"\s*\"?\w+\"?\s*", key) else piece
    try:
        return ast.literal_eval(piece)
    except (ValueError, SyntaxError):
        return _unquote(piece)
