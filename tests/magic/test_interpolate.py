"""``{name}`` fields: filled from the namespace, everything else left exactly as written."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from grok_jupyter.notebook.interpolate import interpolate

NS = {
    "name": "Ada",
    "n": 42,
    "point": SimpleNamespace(x=1.5, label="origin"),
    "items": ["first", "second", "third"],
    "table": {"key": "value", 3: "three"},
    "In": ["", "x = 1", "print(x)", "df.describe()"],
    "Out": {3: "count 10"},
}


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Hello {name}!", "Hello Ada!"),
        ("{n} apples", "42 apples"),
        ("at {point.x} ({point.label})", "at 1.5 (origin)"),
        ("{items[0]} and {items[-1]}", "first and third"),
        ("{table['key']} {table[\"key\"]} {table[key]} {table[3]}", "value value value three"),
        ("cell 2 was {In[2]}, Out[3] was {Out[3]}", "cell 2 was print(x), Out[3] was count 10"),
    ],
)
def test_fields_come_from_the_namespace(prompt: str, expected: str) -> None:
    assert interpolate(prompt, NS) == expected


@pytest.mark.parametrize(
    "prompt",
    [
        "Hello {nobody}",  # unknown name
        "{point.missing} {items[7]} {table['nope']} {Out[9]} {In[99]}",  # lookups that fail
        '{"a": 1, "b": [1, 2]}',  # JSON
        '{"outer": {"inner": {"deep": true}}}',  # nested JSON ends in "}}}"
        "{'k': name}  {name: 1}  {1, 2}  {}  { name }",  # dict/set literals, spaces
        "def f(): return {x: y for x, y in pairs}",  # comprehension
        "template ${VAR} and {0} and {name!r} and {n:>5}",  # not our grammar
        "unbalanced { here and } there",
    ],
)
def test_everything_else_is_left_exactly_as_written(prompt: str) -> None:
    assert interpolate(prompt, NS) == prompt


def test_json_with_a_field_inside_stays_valid_json() -> None:
    out = interpolate('{"user": "{name}", "nested": {"count": {n}}}', NS)
    assert json.loads(out) == {"user": "Ada", "nested": {"count": 42}}


def test_double_braces_escape() -> None:
    assert interpolate("{{name}} is literal, {name} is not", NS) == "{name} is literal, Ada is not"
    assert interpolate("a lone }} closes", NS) == "a lone } closes"
    assert interpolate("{{ {name} }}", NS) == "{ Ada }"


def test_a_field_value_is_not_interpolated_again() -> None:
    assert interpolate("{x}", {"x": "{name}", "name": "Ada"}) == "{name}"


def test_a_property_that_raises_leaves_the_field() -> None:
    class Touchy:
        @property
        def value(self) -> str:
            raise RuntimeError("no")

    assert interpolate("{t.value}", {"t": Touchy()}) == "{t.value}"


def test_dataframe_becomes_a_compact_description_within_budget() -> None:
    from grok_jupyter.client._tokens import count_tokens

    df = pd.DataFrame(
        {"city": [f"city-{i}" for i in range(10_000)], "sales": np.arange(10_000) * 1.5}
    )
    out = interpolate("Data: {df}", {"df": df}, budget_tokens=300)
    assert "10,000 rows × 2 columns" in out
    assert "city (object)" in out or "city (str" in out
    assert "sales (float64)" in out
    assert "city-0" in out  # the head is there
    assert "city-9999" in out  # ... and the tail
    assert "city-5000" not in out  # the full repr is not
    assert "first 5 and last 5 of 10,000 rows; 9,990 rows left out" in out
    assert count_tokens(out) <= 300 + count_tokens("Data: ")


def test_big_plain_values_are_cut_to_the_budget() -> None:
    out = interpolate("{big}", {"big": list(range(100_000))}, budget_tokens=50)
    assert len(out) < 400
    assert "more characters" in out
