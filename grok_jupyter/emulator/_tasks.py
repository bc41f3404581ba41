"""Answers to common notebook asks: JSON like an example, code, HTML, table questions.

Like the rest of the responder these are pure functions of the request, and
honest: code is built only from what the prompt names, a table answer only
from the rows the prompt shows, and anything that cannot be derived says so.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from ._extract import extract_values

# --- JSON shaped like an example in the prompt ------------------------------

_PLACEHOLDERS = frozenset({"", "...", "…", "?", "string", "str", "text", "value", "xxx", "tbd"})
_PHRASE_STOP = frozenset(
    """a an the of for to in on at by with from about as like such and or is are was were be
    give return reply respond answer make produce create write show output me us please
    json object objects dict dictionary example format shape this that these those it its
    following same keys key fields field describing describe""".split()
)


def example_object(text: str) -> tuple[dict[str, Any], int, int] | None:
    """The first JSON (or Python) object literal written in ``text``, with its span."""
    for start in (m.start() for m in re.finditer(r"\{", text)):
        end = _matching_brace(text, start)
        if end is None:
            continue
        literal = text[start : end + 1]
        try:
            value = json.loads(literal)
        except ValueError:
            continue
        if isinstance(value, dict) and value:
            return value, start, end + 1
    return None


def _matching_brace(text: str, start: int) -> int | None:
    depth = 0
    quote = ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == "\\":
                continue
            if ch == quote:
                quote = ""
        elif ch == '"':
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _topic_phrase(text: str) -> str:
    """A few content words: "for the total of 719 units sold" -> "total units sold"."""
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    return " ".join([w for w in words if w.lower() not in _PHRASE_STOP][:5])


def fill_like_example(text: str, source: str | None = None) -> dict[str, Any] | None:
    """An object with the keys and value types of the example in ``text``, filled from
    ``source`` (the user's prompt, when the example is in a system message) or else
    from the rest of ``text``."""
    found = example_object(text)
    if found is None:
        return None
    example, start, end = found
    before, after = text[:start], text[end:]
    if source is not None:
        before, after = "", source
    # What the object is about usually follows the example ("... like {..} for X").
    phrase = _topic_phrase(after) or _topic_phrase(before)
    values = extract_values(before + " " + after, skip=tuple(example))
    phrases = [phrase] if phrase else []

    def fill(key: str, sample: Any) -> Any:
        if isinstance(sample, bool):
            return values.booleans[0] if values.booleans else sample
        if isinstance(sample, (int, float)):
            number = values.take_number(key)
            if number is None:
                return sample  # nothing in the prompt: the example's own number
            return int(number) if isinstance(sample, int) and number.is_integer() else number
        if isinstance(sample, str):
            taken = values.take_string(key) or (phrases.pop(0) if phrases else None)
            if taken:
                return taken
            return sample if sample.strip().lower() not in _PLACEHOLDERS else "unknown"
        if isinstance(sample, list):
            return [fill(key, sample[0])] if sample else []
        if isinstance(sample, dict):
            return {k: fill(k, v) for k, v in sample.items()}
        return sample

    return {key: fill(key, sample) for key, sample in example.items()}


# --- what kind of answer is asked for ---------------------------------------

_HTML_ASK_RE = re.compile(
    r"\b(?:in|as|with|using)\s+(?:an?\s+)?HTML\b|\bHTML\s+only\b|\bHTML\s+"
    r"(?:fragment|snippet|table|list|page|markup|code|element|answer)\b|\ban\s+HTML\b",
    re.IGNORECASE,
)
_CODE_VERB = r"(?:write|give|show|generate|create|implement|produce|make|need|want|provide)"
_CODE_NOUN = (
    r"(?:code|snippet|one-liner|script|function|class|method|lines?\s+of\s+\w+|python|pandas|"
    r"numpy|regex)"
)
_CODE_ASK_RE = re.compile(rf"\b{_CODE_VERB}\b[^.?!\n]{{0,60}}?\b{_CODE_NOUN}\b", re.IGNORECASE)
_CODE_SYSTEM_RE = re.compile(
    r"\bcode only\b|\bfenced code block\b|\banswer with (?:python )?code\b", re.IGNORECASE
)
_NO_PROSE_RE = re.compile(r"\bcode only\b|\bno prose\b|\bonly code\b", re.IGNORECASE)


def asks_for_html(prompt: str, system: str) -> bool:
    return bool(_HTML_ASK_RE.search(prompt) or _HTML_ASK_RE.search(system))


def asks_for_code(prompt: str, system: str) -> bool:
    return bool(_CODE_ASK_RE.search(prompt) or _CODE_SYSTEM_RE.search(system))


# --- code ------------------------------------------------------------------

_IDENT_RE = re.compile(r"`([A-Za-z_]\w*)`")
_AGGREGATES = (
    (r"\b(?:totals?|sum|sums|summing|add(?:s)? up)\b", "sum", "sums"),
    (r"\b(?:average|averages|mean|means)\b", "mean", "averages"),
    (r"\b(?:counts?|how many)\b", "count", "counts"),
    (r"\b(?:max|maximum|highest|largest)\b", "max", "takes the largest"),
    (r"\b(?:min|minimum|lowest|smallest)\b", "min", "takes the smallest"),
)
_FUNCTIONS = (
    # (what the prompt says, parameters, body): a few tasks simple enough to do honestly.
    (r"\badd|\bsum", "a, b", "return a + b"),
    (r"\bmultipl|\bproduct", "a, b", "return a * b"),
    (r"\brevers", "text", "return text[::-1]"),
    (r"\bsquare", "x", "return x * x"),
    (r"\beven\b", "n", "return n % 2 == 0"),
    (r"\bodd\b", "n", "return n % 2 == 1"),
    (
        r"\bfactorial",
        "n",
        "result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result",
    ),
    (r"\bpalindrome", "text", "cleaned = text.lower()\n    return cleaned == cleaned[::-1]"),
)
_NAME_STOP = frozenset("a an the that which to of for and in on with python function".split())


def code_answer(prompt: str, system: str) -> str:
    """A fenced Python block built from the names in the prompt, with one line of explanation."""
    explanation, code = _pandas_code(prompt) or _function_code(prompt)
    block = f"```python\n{code}\n```"
    # The magic's -f code hint asks for code only; a real model would leave the prose out.
    if _NO_PROSE_RE.search(system) or _NO_PROSE_RE.search(prompt):
        return block
    return f"{explanation}\n\n{block}"


def _named(prompt: str, pattern: str) -> str | None:
    m = re.search(pattern + r"\s+`([A-Za-z_]\w*)`", prompt, re.IGNORECASE)
    return m.group(1) if m else None


def _pandas_code(prompt: str) -> tuple[str, str] | None:
    idents = list(dict.fromkeys(_IDENT_RE.findall(prompt)))
    if not idents and not re.search(r"\b(?:pandas|dataframe)\b", prompt, re.IGNORECASE):
        return None
    # "in `sales`" names the frame more surely than "of `x`", which often names a column.
    frame = _named(prompt, r"\b(?:in|from|on)") or _named(prompt, r"\bof") or "df"
    group = _named(prompt, r"\b(?:by|per|for each)")
    agg = next(((f, v) for p, f, v in _AGGREGATES if re.search(p, prompt, re.IGNORECASE)), None)
    columns = [i for i in idents if i not in (frame, group)]
    if agg is None and group and re.search(r"\bsort", prompt, re.IGNORECASE):
        descending = bool(re.search(r"\bdesc|\blargest first|\bhighest first", prompt, re.I))
        extra = ", ascending=False" if descending else ""
        return f"This sorts `{frame}` by `{group}`:", f'{frame}.sort_values("{group}"{extra})'
    if agg is None or (not columns and not group):
        return None
    func, verb = agg
    target = f'["{columns[0]}"]' if columns else ""
    what = f"`{columns[0]}`" if columns else "every column"
    if group:
        code = f'{frame}.groupby("{group}"){target}.{func}()'
        return f"This groups `{frame}` by `{group}` and {verb} {what}:", code
    if not columns:
        return None
    return f"This {verb} {what} in `{frame}`:", f"{frame}{target}.{func}()"


def _function_code(prompt: str) -> tuple[str, str]:
    named = re.search(r"`([A-Za-z_]\w*)`|\b(?:called|named)\s+([A-Za-z_]\w*)", prompt)
    task = re.search(r"\b(?:that|which|to)\s+([^.?!\n]+)", prompt)
    words = [
        w.lower()
        for w in re.findall(r"[A-Za-z]+", task.group(1) if task else "")
        if w.lower() not in _NAME_STOP
    ][:3]
    if named:
        name = named.group(1) or named.group(2)
    elif words:
        name = "_".join([words[0][:-1] if words[0].endswith("s") else words[0], *words[1:]])
    else:
        name = "solve"
    about = " ".join((task.group(1) if task else "solve the task").split())
    known = next(
        (
            (args, body)
            for pattern, args, body in _FUNCTIONS
            if re.search(pattern, about, re.IGNORECASE)
        ),
        None,
    )
    doc = about[:1].upper() + about[1:].rstrip(".") + "."
    doc = doc.replace("\\", "/").replace('"""', "'''")
    if known:
        args, body = known
        code = f'def {name}({args}):\n    """{doc}"""\n    {body}'
        return f"Here is `{name}`:", code
    # Nothing this emulator can honestly implement: a valid stub that says so.
    code = (
        f'def {name}(*args, **kwargs):\n    """{doc}"""\n'
        '    raise NotImplementedError("written by the grok-jupyter emulator: fill in the logic")'
    )
    return f"Here is a stub for `{name}` (the emulator writes no real logic for this):", code


# --- HTML ------------------------------------------------------------------


def html_answer(text: str, table: Table | None = None) -> str:
    """A small HTML fragment: the answer as a paragraph, and the rows it was shown, if any."""
    parts = [f"<p>{html.escape(text)}</p>"]
    if table is not None:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
            for row in table.rows
        )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return '<div class="grok-emulator">' + "".join(parts) + "</div>"


# --- questions about a described DataFrame ----------------------------------


@dataclass
class Table:
    columns: list[str]
    dtypes: dict[str, str]
    rows: list[list[str]]
    total_rows: int

    def numeric(self, column: str) -> bool:
        return bool(re.match(r"(?:u?int|float|Int|Float)", self.dtypes.get(column, "")))


_FRAME_RE = re.compile(r"pandas DataFrame: ([\d,]+) rows × [\d,]+ columns")
_COLUMNS_RE = re.compile(r"^columns: (.*)$", re.MULTILINE)
# "first 5 rows:", "all 6 rows:", "first 5 and last 5 of 99 rows; 89 rows left out:".
_HEAD_RE = re.compile(r"^(?:first|all) [\d,]+ [^\n]*rows[^\n]*:\n", re.MULTILINE)


def parse_table(text: str) -> Table | None:
    """The head rows of the first DataFrame description (notebook.describe) in ``text``."""
    frame = _FRAME_RE.search(text)
    if not frame:
        return None
    cols = _COLUMNS_RE.search(text, frame.end())
    head = _HEAD_RE.search(text, frame.end())
    if not cols or not head:
        return None
    dtypes = dict(re.findall(r"([^,()]+?) \(([^)]+)\)", cols.group(1)))
    dtypes = {k.strip(): v for k, v in dtypes.items()}
    lines = text[head.end() :].split("\n")
    header = lines[0]
    names = header.split()
    # DataFrame.to_string right-aligns, so a cell ends where its column name ends.
    ends = [m.end() for m in re.finditer(r"\S+", header)]
    if not names or any(n not in dtypes for n in names):
        return None
    rows = []
    for line in lines[1:]:
        if not line.strip() or line.startswith("(") or line.rstrip().endswith(":"):
            break
        cells = []
        prev = 0
        for i, end in enumerate(ends):
            cell = line[prev:end].strip() if i < len(ends) - 1 else line[prev:].strip()
            if i == 0:
                cell = cell.split(maxsplit=1)[1] if len(cell.split(maxsplit=1)) == 2 else ""
            cells.append(cell)
            prev = end
        rows.append(cells)
    if not rows:
        return None
    return Table(names, dtypes, rows, int(frame.group(1).replace(",", "")))


_MOST = r"most|highest|largest|biggest|greatest|maximum|max|top|best"
_LEAST = r"least|lowest|smallest|fewest|minimum|min|worst"
_QUESTION_RE = re.compile(
    rf"\bwhich\s+(\w+)\s+(.{{0,40}}?)\b(?:the\s+)?({_MOST}|{_LEAST})\b\s*(\w+)?", re.IGNORECASE
)


def _column(table: Table, word: str | None, numeric: bool) -> str | None:
    if not word:
        return None
    w = word.lower()
    for c in table.columns:
        if table.numeric(c) == numeric and c.lower() in (w, w.rstrip("s"), w + "s"):
            return c
    return None


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"


def table_answer(prompt: str, table: Table) -> str | None:
    """ "Which region sold the most units?" answered from the rows the prompt shows."""
    q = _QUESTION_RE.search(prompt)
    if not q:
        return None
    label_word, middle, direction, measure_word = q.groups()
    label = _column(table, label_word, numeric=False) or next(
        (c for c in table.columns if not table.numeric(c)), None
    )
    measure = (
        _column(table, measure_word, numeric=True)
        or next(
            (
                c
                for c in table.columns
                if table.numeric(c) and re.search(rf"\b{re.escape(c)}\b", prompt, re.IGNORECASE)
            ),
            None,
        )
        or next((c for c in table.columns if table.numeric(c)), None)
    )
    if label is None or measure is None:
        return None
    li, mi = table.columns.index(label), table.columns.index(measure)
    groups: dict[str, list[float]] = {}
    for row in table.rows:
        value = _number(row[mi])
        if value is not None:
            groups.setdefault(row[li], []).append(value)
    if not groups:
        return None
    # A label seen on several rows is totalled when the measure is a count-like integer
    # ("which region sold the most units"); otherwise rows are compared one by one.
    total = table.dtypes.get(measure, "").lower().startswith(("int", "uint")) and any(
        len(v) > 1 for v in groups.values()
    )
    most = re.fullmatch(_MOST, direction, re.IGNORECASE) is not None
    pick = max if most else min
    scores = {k: sum(v) if total else pick(v) for k, v in groups.items()}
    best = pick(scores, key=lambda k: scores[k])
    verb = " ".join(middle.split()) or "has"
    noun = measure_word if measure_word and _column(table, measure_word, True) else measure
    answer = f"{best} {verb} the {direction.lower()} {noun}: {_fmt(scores[best])}"
    if total and len(groups[best]) > 1:
        answer += " (" + " + ".join(_fmt(v) for v in groups[best]) + ")"
    shown = len(table.rows)
    if shown < table.total_rows:
        answer += f", counting only the {shown} of {table.total_rows} rows shown to me"
    return answer + "."
