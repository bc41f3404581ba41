"""Answers to what the demo notebooks ask: JSON like an example, code, HTML, tables."""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser

import pandas as pd

from grok_jupyter.magic.formats import FORMAT_HINTS as _FORMAT_HINTS
from grok_jupyter.notebook.describe import describe_dataframe

JSON_MODE = {"type": "json_object"}
FENCE = re.compile(r"```python\n(.*?)\n```", re.DOTALL)


def _content(response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


def _with_system(system: str, prompt: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]


# --- JSON shaped like an example --------------------------------------------


def test_json_object_follows_an_example_object_in_the_prompt(chat):
    prompt = (
        'Give a JSON object like {"metric": "...", "value": 0} for the total of 719 units sold.'
    )
    first = _content(chat(prompt, response_format=JSON_MODE))
    assert json.loads(first) == {"metric": "total units sold", "value": 719}
    assert _content(chat(prompt, response_format=JSON_MODE)) == first


def test_json_example_value_types_are_kept_and_prompt_values_used(chat):
    prompt = (
        'Answer like {"city": "", "population": 0.0, "capital": false, "tags": ["x"]} '
        "about Lyon, population 522.2 thousand."
    )
    data = json.loads(_content(chat(prompt, response_format=JSON_MODE)))
    assert list(data) == ["city", "population", "capital", "tags"]
    assert data["city"] == "Lyon" and data["population"] == 522.2
    assert data["capital"] is False and isinstance(data["tags"], list)
    assert all(isinstance(t, str) for t in data["tags"])


def test_json_example_in_the_system_message_shapes_the_answer(chat):
    messages = _with_system('Reply with JSON like {"answer": "...", "count": 1}.', "Count 12 cats.")
    data = json.loads(_content(chat(messages=messages, response_format=JSON_MODE)))
    assert set(data) == {"answer", "count"} and data["count"] == 12


# --- code --------------------------------------------------------------------


def _code(answer: str) -> str:
    match = FENCE.search(answer)
    assert match, answer
    ast.parse(match.group(1))  # valid Python
    return match.group(1)


def test_pandas_one_liner_uses_the_names_in_the_prompt(chat):
    prompt = "Write one line of pandas that totals `units` by `region` in `sales`."
    answer = _content(chat(prompt))
    assert _code(answer) == 'sales.groupby("region")["units"].sum()'
    assert not answer.startswith("```")  # a line of explanation first
    assert _content(chat(prompt)) == answer


def test_pandas_code_runs_and_gives_the_asked_result(chat):
    answer = _content(chat("Give me pandas code for the average `price` of `orders`."))
    orders = pd.DataFrame({"price": [2.0, 4.0]})
    assert eval(_code(answer), {"orders": orders}) == 3.0


def test_the_magic_code_hint_gets_only_a_fenced_block(chat):
    messages = _with_system(_FORMAT_HINTS["code"], "Totals of `units` by `region` in `sales`")
    answer = _content(chat(messages=messages))
    assert answer.startswith("```python\n") and answer.endswith("\n```")
    assert _code(answer) == 'sales.groupby("region")["units"].sum()'


def test_a_python_function_is_valid_and_works_when_the_task_is_simple(chat):
    code = _code(_content(chat("Write a Python function that reverses a string.")))
    scope: dict = {}
    exec(code, scope)  # the emulator's own deterministic output
    (func,) = [v for k, v in scope.items() if callable(v) and not k.startswith("__")]
    assert func("abc") == "cba"


def test_an_unknown_function_is_an_honest_valid_stub(chat):
    answer = _content(chat("Write a Python function `forecast_sales` that predicts next month."))
    code = _code(answer)
    assert "def forecast_sales(" in code and "NotImplementedError" in code
    assert "emulator" in answer


def test_echo_still_wins_over_the_code_hint(chat):
    messages = _with_system(_FORMAT_HINTS["code"], 'Say "import math"')
    assert _content(chat(messages=messages)) == "import math"


# --- HTML --------------------------------------------------------------------


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.open.append(tag)
        self.tags.append(tag)

    def handle_endtag(self, tag) -> None:
        assert self.open and self.open.pop() == tag

    def check(self, text: str) -> list[str]:
        self.feed(text)
        self.close()
        assert not self.open
        return self.tags


def test_the_magic_html_hint_gets_a_valid_html_fragment(chat):
    messages = _with_system(_FORMAT_HINTS["html"], "Tell me about <rivers> & lakes")
    answer = _content(chat(messages=messages))
    assert answer.startswith("<") and "```" not in answer
    assert "p" in _Checker().check(answer)
    assert "&lt;rivers&gt; &amp; lakes" in answer and "emulator" in answer


def test_html_with_a_table_in_the_prompt_shows_its_rows(chat):
    messages = _with_system(_FORMAT_HINTS["html"], "Here is my data:\n" + _sales_description())
    answer = _content(chat(messages=messages))
    tags = _Checker().check(answer)
    # A frame this small is described whole (issue 11 item 8): a header row and all six.
    assert tags.count("tr") == 1 + 6 and "<td>East</td>" in answer


# --- questions about a described DataFrame -----------------------------------


def _sales_description(units: tuple[int, ...] = (120, 95, 143, 80, 131, 150)) -> str:
    frame = pd.DataFrame(
        {
            "region": ["North", "South", "East", "West", "North", "East"][: len(units)],
            "units": list(units),
            "price": [9.5, 11.0, 8.75, 12.0, 9.5, 8.75][: len(units)],
        }
    )
    return describe_dataframe(frame)


def test_which_most_is_computed_from_the_rows_shown(chat):
    prompt = f"Here is my sales data: {_sales_description()} Which region sold the most units?"
    answer = _content(chat(prompt))
    # All six rows are shown (the frame fits the budget), so East's 143 + 150 wins.
    assert answer.startswith("East sold the most units: 293 (143 + 150)")
    assert "of 6 rows" not in answer and "emulator" in answer


def test_which_least_and_per_row_measures(chat):
    table = _sales_description((120, 95, 143, 80))
    assert _content(chat(f"{table}\nWhich region sold the fewest units?")).startswith(
        "West sold the fewest units: 80."
    )
    # A price is not totalled: the highest single row wins.
    assert _content(chat(f"{table}\nWhich region has the highest price?")).startswith(
        "West has the highest price: 12."
    )


def test_other_prompts_keep_the_marked_emulator_answer(chat):
    answer = _content(chat("In one sentence, what does a Jupyter kernel do?"))
    assert "grok-jupyter emulator answering" in answer
