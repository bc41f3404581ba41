"""Kernel functions as tools: schemas from signatures, calls run safely."""

from __future__ import annotations

import json
import threading
from typing import Literal

import pytest

from grok_jupyter.client import FunctionCall, ToolCall
from grok_jupyter.notebook.tools import KernelTools, ToolSchemaError, function_to_tool


def get_weather(city: str, unit: Literal["C", "F"] = "C", days: int = 1) -> dict:
    """Look up the weather forecast.

    Args:
        city: the city name, e.g. "Florence"
        unit: temperature unit
        days: how many days ahead
    """
    return {"city": city, "unit": unit, "days": days, "temp": 21}


def call(name: str, arguments: dict | str, call_id: str = "call_1") -> ToolCall:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCall(id=call_id, function=FunctionCall(name=name, arguments=args))


def test_schema_comes_from_signature_hints_and_docstring():
    tool = function_to_tool(get_weather)
    fn = tool.function
    assert fn.name == "get_weather"
    assert fn.description == "Look up the weather forecast."
    props = fn.parameters["properties"]
    assert props["city"] == {"type": "string", "description": 'the city name, e.g. "Florence"'}
    assert props["unit"]["enum"] == ["C", "F"]
    assert props["days"]["type"] == "integer" and props["days"]["default"] == 1
    assert fn.parameters["required"] == ["city"]


def test_sphinx_style_docstring_params_are_described():
    def area(width: float, height: float) -> float:
        """Area of a rectangle.

        :param width: in metres
        :param height: in metres
        """
        return width * height

    props = function_to_tool(area).function.parameters["properties"]
    assert props["width"]["description"] == "in metres"


@pytest.mark.parametrize(
    "func, fragment",
    [
        (lambda *args: None, "not allowed"),
        (print, "Tool 'print'"),  # *args on 3.11+, no signature at all on 3.10
    ],
)
def test_unschemable_callables_are_refused_with_a_reason(func, fragment):
    with pytest.raises(ToolSchemaError) as info:
        function_to_tool(func)
    assert fragment in str(info.value)


def test_varargs_and_positional_only_are_refused_clearly():
    def spread(*values: int) -> int:
        return sum(values)

    def pos(a: int, /) -> int:
        return a

    with pytest.raises(ToolSchemaError, match=r"\*values"):
        function_to_tool(spread)
    with pytest.raises(ToolSchemaError, match="positional-only"):
        function_to_tool(pos)


class Opaque:
    pass


def test_a_hint_pydantic_cannot_describe_is_refused():
    def use(thing: Opaque) -> str:
        return "x"

    with pytest.raises(ToolSchemaError, match="cannot become a JSON schema"):
        KernelTools([use])


def test_a_hint_that_cannot_be_resolved_is_refused():
    class Local:
        pass

    def use(thing: Local) -> str:  # a string annotation here (future import)
        return "x"

    with pytest.raises(ToolSchemaError, match="cannot be resolved"):
        KernelTools([use])


def test_not_a_function_is_refused():
    with pytest.raises(ToolSchemaError, match="not a function"):
        KernelTools([42])  # type: ignore[list-item]


def test_calls_are_validated_coerced_and_run():
    tools = KernelTools([get_weather])
    [result] = tools.run([call("get_weather", {"city": "Oslo", "days": "3"})])
    assert result.error is None
    assert result.value == {"city": "Oslo", "unit": "C", "days": 3, "temp": 21}
    assert json.loads(result.output)["days"] == 3
    [message] = tools.messages([result])
    assert message.role == "tool" and message.tool_call_id == "call_1"


def test_bad_arguments_and_unknown_tools_become_error_text_for_grok():
    tools = KernelTools([get_weather])
    bad_json, missing, unknown = tools.run(
        [
            call("get_weather", "{not json", "a"),
            call("get_weather", {"unit": "C"}, "b"),
            call("no_such_tool", {}, "c"),
        ]
    )
    assert "invalid arguments" in bad_json.error
    assert "city" in missing.error
    assert "no tool named 'no_such_tool'" in unknown.error and "get_weather" in unknown.error
    assert [r.call.id for r in (bad_json, missing, unknown)] == ["a", "b", "c"]


def test_a_tool_that_raises_reports_the_exception_instead_of_crashing():
    def divide(a: float, b: float) -> float:
        """Divide a by b."""
        return a / b

    [result] = KernelTools([divide]).run([call("divide", {"a": 1, "b": 0})])
    assert result.error == "ZeroDivisionError: float division by zero"
    assert json.loads(result.output) == {"error": "ZeroDivisionError: float division by zero"}


def test_a_result_that_is_not_json_is_sent_as_its_repr():
    def make_set() -> set:
        """A set."""
        return {1}

    [result] = KernelTools([make_set]).run([call("make_set", {})])
    assert result.error is None
    assert json.loads(result.output) == {"repr": "{1}", "note": "result was not JSON-serialisable"}


def test_several_calls_run_in_parallel():
    barrier = threading.Barrier(3, timeout=10)

    def wait_for_others(n: int) -> int:
        """Meet the other calls."""
        barrier.wait()  # deadlocks (BrokenBarrierError) unless all three run at once
        return n

    tools = KernelTools([wait_for_others])
    results = tools.run([call("wait_for_others", {"n": i}, f"c{i}") for i in range(3)])
    assert [r.value for r in results] == [0, 1, 2]
    assert all(r.error is None for r in results)


def test_duplicate_names_are_refused():
    with pytest.raises(ToolSchemaError, match="same name"):
        KernelTools([get_weather, get_weather])
