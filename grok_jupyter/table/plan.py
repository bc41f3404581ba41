"""Planning a table map: rows in, one rendered request and cache key per row out.

Everything that can be wrong with the input is found here, before a request
is sent: an empty table, a ``{field}`` that is no column, a schema that is
neither a pydantic model nor a JSON schema, a row that is neither a mapping
nor a string. Rows are read once into plain dicts, so a DataFrame, a Series
and a list of dicts or strings all plan the same way.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..notebook.template_safety import check_format_template
from .errors import MapInputError

TEXT = "text"  # the field a string row (or an unnamed Series) fills
ANSWER = "answer"  # the result column without a schema


@dataclass
class Schema:
    """What the model must answer: the JSON schema sent, the columns it gives, and a parser."""

    name: str
    json_schema: dict[str, Any]
    columns: list[str]
    model_class: Any = None  # a pydantic model class, when given one

    def response_format(self) -> dict[str, Any]:
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "schema": self.json_schema, "strict": True},
        }

    def parse(self, text: str) -> dict[str, Any]:
        """The answer's fields, validated by the pydantic model when there is one."""
        if self.model_class is not None:
            value = self.model_class.model_validate_json(text)
            return {c: getattr(value, c) for c in self.columns}
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        return {c: data.get(c) for c in self.columns}


@dataclass
class Plan:
    """The map, row by row: what is sent for each row and where its answer is kept."""

    kind: str  # "frame" | "series" | "dicts" | "strings"
    rows: list[dict[str, Any]]  # the row values as plain dicts (what the template fills)
    index: list[Any]  # DataFrame/Series index, else 0..n-1
    template: str
    model: str
    messages: list[list[dict[str, Any]]]  # per row, wire form
    keys: list[str]  # per row: the cache key (also the batch custom id)
    params: dict[str, Any]  # sent with every row (response_format included)
    schema: Schema | None
    source: Any = None  # the input object (DataFrame/Series), to build the output from
    series_column: str | None = None
    row_errors: dict[int, str] = field(default_factory=dict)  # found while planning (keep)

    @property
    def result_columns(self) -> list[str]:
        return list(self.schema.columns) if self.schema is not None else [ANSWER]


def template_fields(template: str) -> list[str]:
    """The ``{field}`` names of ``template`` (``str.format`` syntax), in order, once each."""
    if not isinstance(template, str) or not template.strip():
        raise MapInputError("template must be a non-empty string such as 'Label: {review}'.")
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise MapInputError(
            f"template {template!r} is not a valid format string ({exc}); write a literal "
            "brace as {{ or }}."
        ) from None
    # No field reads a private or dunder attribute ({obj.__init__.__globals__...} once put
    # the API key in a prompt): refused before any row is filled.
    check_format_template(template)
    for _, name, _, _ in parsed:
        if name is None:
            continue
        base = name.split(".", 1)[0].split("[", 1)[0]
        if not base:
            raise MapInputError(
                f"template {template!r} has an empty field {{}}; name a column, e.g. {{review}}."
            )
        if base not in names:
            names.append(base)
    return names


def read_rows(data: Any) -> tuple[str, list[dict[str, Any]], list[Any], str | None]:
    """(kind, rows as dicts, index, series column) for any accepted input."""
    module = type(data).__module__ or ""
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            columns = [str(c) for c in data.columns]
            rows = [
                dict(zip(columns, values, strict=True)) for values in data.itertuples(index=False)
            ]
            return "frame", rows, list(data.index), None
        if isinstance(data, pd.Series):
            column = str(data.name) if data.name is not None else TEXT
            rows = []
            for value in data.tolist():
                row = {TEXT: value}
                row[column] = value
                rows.append(row)
            return "series", rows, list(data.index), column
    if isinstance(data, (str, bytes, Mapping)):
        raise MapInputError(
            "map_rows takes a table: a DataFrame, a Series, or a list of dicts or strings; "
            f"got one {type(data).__name__}. Wrap a single row in a list."
        )
    if not isinstance(data, Iterable):
        raise MapInputError(
            "map_rows takes a DataFrame, a Series, or an iterable of dicts or strings, "
            f"not {type(data).__name__}."
        )
    rows = []
    kinds = set()
    for i, item in enumerate(data):
        if isinstance(item, Mapping):
            rows.append({str(k): v for k, v in item.items()})
            kinds.add("dicts")
        elif isinstance(item, str):
            rows.append({TEXT: item})
            kinds.add("strings")
        else:
            raise MapInputError(
                f"row {i} is a {type(item).__name__}; each row must be a dict (its keys fill "
                "the template's {fields}) or a string (it fills {text})."
            )
    kind = "strings" if kinds == {"strings"} else "dicts"
    return kind, rows, list(range(len(rows))), None


def read_schema(schema: Any) -> Schema | None:
    """A pydantic model class or a JSON-schema dict (an object with properties) -> Schema."""
    if schema is None:
        return None
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - pydantic is a dependency
        BaseModel = None  # type: ignore[assignment,misc]
    if BaseModel is not None and isinstance(schema, type) and issubclass(schema, BaseModel):
        json_schema = schema.model_json_schema()
        return Schema(
            name=schema.__name__,
            json_schema=json_schema,
            columns=list(schema.model_fields),
            model_class=schema,
        )
    if isinstance(schema, Mapping):
        props = schema.get("properties")
        if schema.get("type", "object") != "object" or not isinstance(props, Mapping) or not props:
            raise MapInputError(
                "schema must describe an object with properties (each becomes a column), "
                "e.g. {'type': 'object', 'properties': {'label': {'type': 'string'}}}."
            )
        name = str(schema.get("title") or "row_answer")
        safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in name)[:64] or "row_answer"
        return Schema(name=safe, json_schema=dict(schema), columns=[str(p) for p in props])
    raise MapInputError(
        f"schema must be a pydantic model class or a JSON-schema dict, not {schema!r}. "
        "Pass the class itself (schema=Sentiment), not an instance."
    )


def cache_key(model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """sha256 of what decides the answer: the model, the messages and the parameters."""
    canonical = json.dumps(
        {"model": model, "messages": messages, "params": params},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """A cell value as a template shows it: numpy scalars as Python ones, NaN as empty."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            value = item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and value != value:
        return ""
    return value


def make_plan(
    data: Any,
    template: str,
    *,
    schema: Any,
    model: str,
    system: str | None,
    params: dict[str, Any],
) -> Plan:
    """Read the input and render every row; raises ``MapInputError`` on bad input."""
    fields = template_fields(template)
    parsed_schema = read_schema(schema)
    kind, rows, index, series_column = read_rows(data)
    if not rows:
        raise MapInputError("the table is empty: there are no rows to map.")
    available = list(rows[0])
    if kind in ("frame", "series"):
        missing = [f for f in fields if f not in available]
    else:
        missing = sorted({f for row in rows for f in fields if f not in row}, key=fields.index)
    if missing:
        shown = ", ".join(available) if available else "none"
        hint = " (a string row fills {text})" if kind == "strings" else ""
        raise MapInputError(
            f"template field {{{missing[0]}}} is not a column of the table{hint}. Columns: {shown}."
        )
    params = dict(params)
    if parsed_schema is not None:
        if "response_format" in params:
            raise MapInputError("pass either schema= or response_format=, not both.")
        params["response_format"] = parsed_schema.response_format()
    messages: list[list[dict[str, Any]]] = []
    keys: list[str] = []
    for row in rows:
        values = {k: _plain(v) for k, v in row.items()}
        try:
            prompt = template.format_map(values)
        except (KeyError, IndexError, AttributeError, ValueError) as exc:
            raise MapInputError(
                f"template {template!r} cannot be filled from a row: {exc}"
            ) from None
        msgs = [{"role": "system", "content": system}] if system else []
        msgs.append({"role": "user", "content": prompt})
        messages.append(msgs)
        keys.append(cache_key(model, msgs, params))
    return Plan(
        kind=kind,
        rows=rows,
        index=index,
        template=template,
        model=model,
        messages=messages,
        keys=keys,
        params=params,
        schema=parsed_schema,
        source=data if kind in ("frame", "series") else None,
        series_column=series_column,
    )
