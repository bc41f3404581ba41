"""Plain-text answers: word counts, echoes, arithmetic, tables, code; limits and reasoning."""

from __future__ import annotations

import ast
import math
import operator
import re
import zlib
from typing import Any

from ...client._tokens import message_text, split_tokens
from .._tasks import (
    asks_for_code,
    asks_for_html,
    code_answer,
    html_answer,
    parse_table,
    table_answer,
)
from .._validation import ChatPlan
from .fix import fix_answer
from .reply import Reply, system_text, tool_results_text
from .vision import vision_answer

LEXICON = (
    "river stone light garden quiet morning signal window paper silver orbit harbor lantern "
    "meadow thunder pattern bridge compass winter echo forest candle market velvet summit "
    "canvas ember island journey marble needle ocean pepper quartz ribbon saddle timber "
    "valley whisper yellow zephyr anchor basket cedar delta falcon glacier hollow ivory jasmine "
    "kettle linen mosaic nectar opal prism rocket sparrow tundra umber vessel walnut amber"
).split()

# "300 words", "a 2,000-word essay", "a 1.5k-word post". Digits after a comma or a point
# are never a count of their own: "2,000-word" once read as 0 words, an empty answer.
_WORD_COUNT_RE = re.compile(
    r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d+)?\s*k|\d{1,6})\s*(?:-\s*)?words?\b",
    re.IGNORECASE,
)
# A long piece asked for without a length: "write an essay about ...", "in detail".
_LONG_TEXT_RE = re.compile(
    r"\b(?:write|compose|draft|produce|generate|give me)\b[^.?!]*?\b(?:essay|article|story|"
    r"report|chapter|blog post|long|lengthy|detailed|in-depth|comprehensive)\b"
    r"|\bin (?:great |full )?detail\b",
    re.IGNORECASE,
)
LONG_TEXT_WORDS = 800  # how long such an answer is [U]: a typical essay
_ECHO_RE = re.compile(
    r"\b(?:say|repeat|reply with|respond with|answer with|echo|print|output|return)\b"
    r"(?:\s+(?:the\s+)?(?:word|words|phrase|text|exactly|just|only))*\s*[:]?\s*"
    r"(?:\"([^\"]+)\"|'([^']+)'|“([^”]+)”)",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"\bmy name is ([A-Z][\w-]*)", re.IGNORECASE)
_ARITH_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:\s*(?:\*\*|[-+*/%^×÷])\s*-?\d+(?:\.\d+)?)+")
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def text_answer(plan: ChatPlan, prompt: str) -> str:
    results = tool_results_text(plan.messages)
    if results:
        return f"Based on the tool results: {results}."
    if plan.images:
        return vision_answer(plan.images)
    fixed = fix_answer(prompt)  # "Fix this notebook cell" (%grok fix): a corrected cell
    if fixed is not None:
        return fixed
    count = _WORD_COUNT_RE.search(prompt)
    if count:
        return generate_words(word_count(count.group(1)), prompt)
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
    system = system_text(plan.messages)
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
    if answer is None and not wants_html and _LONG_TEXT_RE.search(prompt):
        return generate_words(LONG_TEXT_WORDS, prompt)  # a long answer, never an empty one
    if answer is None:
        snippet = " ".join(prompt.split())
        if len(snippet) > 200:
            snippet = snippet[:200] + "…"
        answer = (
            f'You said: "{snippet}". This is the grok-jupyter emulator answering as '
            f"{plan.response_model}; the same request always gets this same reply."
        )
    return html_answer(answer, table) if wants_html else answer


def word_count(text: str) -> int:
    """``"2,000"`` -> 2000, ``"1.5k"`` -> 1500, ``"300"`` -> 300."""
    text = text.replace(",", "").replace(" ", "").lower()
    if text.endswith("k"):
        return round(float(text[:-1]) * 1000)
    return int(text)


def generate_words(n: int, seed: str) -> str:
    """Exactly ``n`` whitespace-separated words, in sentences of twelve, chosen by ``seed``."""
    h = zlib.crc32(seed.encode("utf-8"))
    words = []
    for i in range(n):
        word = LEXICON[(h + i * 7919 + (i * i) % 13) % len(LEXICON)]
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
            word = space + LEXICON[(h + k) % len(LEXICON)]
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


def limit_reply(text: str, body: dict[str, Any]) -> Reply:
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


def reasoning_text(prompt: str, action: str, effort: str | None) -> str:
    snippet = " ".join(prompt.split())[:160]
    text = f'The user wrote: "{snippet}". {action}'
    if effort == "high":
        text += " Let me check that plan once more, step by step, before I answer. It holds."
    return text
