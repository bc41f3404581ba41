"""The panel's "Add variable" backend: a kernel variable described exactly as the magic's
``{name}`` interpolation sends it."""

from __future__ import annotations

import pytest

from grok_jupyter.client import InvalidRequestError
from grok_jupyter.notebook.interpolate import (
    UnknownVariableError,
    describe_variable,
    variable_names,
)
from tests.wire import last_body, user_text


def _sent_prompt(emu) -> str:
    return user_text(last_body(emu))  # whichever API carried the turn


def test_a_dataframe_is_described_as_the_magic_sends_it(ip, emu):
    ip.ok(
        "import pandas as pd\nsales = pd.DataFrame({'region': list('abcdefgh') * 50, "
        "'units': range(400)})"
    )
    ip.ok("%%grok\nSummarise {sales}")
    sent = _sent_prompt(emu)
    described = describe_variable(ip.shell, "sales")
    assert sent == f"Summarise {described}"
    assert "400 rows" in described  # the compact description, not the whole frame
    assert describe_variable(ip.shell, "sales", budget_tokens=ip.magics.context_budget) == described


def test_fields_and_plain_values(ip, emu):
    ip.ok("rows = [{'name': 'Ada'}, {'name': 'Grace'}]\nlong_text = 'word ' * 5000")
    assert describe_variable(ip.shell, "rows[1]") == "{'name': 'Grace'}"
    assert describe_variable(ip.shell, "{rows[0]}") == "{'name': 'Ada'}"
    cut = describe_variable(ip.shell, "long_text")
    # A str goes in as it is, as in the magic, up to 20,000 characters (issue 20: a 3 MB
    # string once went out whole); past that it is cut and the cut said.
    assert cut == ("word " * 5000)[:20_000] + "… [cut: 5,000 more characters]"
    ip.ok("%%grok\nCount {long_text}")
    assert _sent_prompt(emu) == "Count " + cut
    ip.ok("numbers = list(range(100000))")
    shortened = describe_variable(ip.shell, "numbers", budget_tokens=50)
    assert "[cut:" in shortened and len(shortened) < 400


def test_an_unknown_name_is_a_clear_error_with_close_names(ip, emu):
    ip.ok("revenue_2024 = 10\nrevenue_2025 = 12")
    with pytest.raises(UnknownVariableError) as info:
        describe_variable(ip.shell, "revenue_2026")
    message = str(info.value)
    assert "'revenue_2026' is not a variable" in message and "revenue_2025" in message
    assert isinstance(info.value, InvalidRequestError) and isinstance(info.value, ValueError)
    with pytest.raises(UnknownVariableError):
        describe_variable(ip.shell, "revenue_2024.missing_attribute")
    with pytest.raises(UnknownVariableError):
        describe_variable(ip.shell, "not a name")
    assert emu.requests == []


def test_the_variable_list_offers_the_users_own_names(ip, emu):
    ip.ok("import json\nmy_frame = 1\n_private = 2")
    names = variable_names(ip.shell)
    assert "my_frame" in names
    assert not {"json", "_private", "In", "Out", "exit", "get_ipython"} & set(names)
