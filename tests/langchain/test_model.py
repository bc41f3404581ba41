"""ChatGrok's construction, tool and structured-output wiring, without a server."""

from __future__ import annotations

import subprocess
import sys

import pytest
from langchain_core.load import dumpd
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_grok import ChatGrok
from langchain_grok._tools import format_tool_choice, format_tools

SECRET = "xai-not-a-real-key-Zq81"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def mul(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


class Person(BaseModel):
    """A person."""

    name: str = Field(description="full name")
    age: int


class PersonDict(TypedDict):
    name: str
    age: int


def bound_kwargs(runnable):
    """The request kwargs a bound runnable will send (first step of a chain)."""
    first = runnable.first if hasattr(runnable, "first") else runnable
    return first.kwargs


def test_fields_aliases_and_env(monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", SECRET)
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:9/v1")
    llm = ChatGrok(model_name="grok-4.3", stop_sequences=["END"], request_timeout=5, logit_bias={})
    assert llm.model == "grok-4.3"
    assert llm.stop == ["END"]
    assert llm.timeout == 5
    assert llm.api_key.get_secret_value() == SECRET
    assert llm.base_url == "http://127.0.0.1:9/v1"
    assert llm.stream_usage is True
    # unknown arguments are request fields, sent as they are
    assert llm.model_kwargs == {"logit_bias": {}}
    assert SECRET not in repr(llm)


def test_default_model_is_the_catalogue_default():
    from grok_jupyter.client._catalog import get_catalog

    assert ChatGrok().model == get_catalog().default_chat_model


def test_ls_params_honour_a_per_call_model():
    llm = ChatGrok(model="grok-4.3", temperature=0.2, max_tokens=5, stop=["x"])
    assert llm._get_ls_params() == {
        "ls_provider": "xai",
        "ls_model_name": "grok-4.3",
        "ls_model_type": "chat",
        "ls_temperature": 0.2,
        "ls_max_tokens": 5,
        "ls_stop": ["x"],
    }
    assert (
        llm._get_ls_params(model="grok-4.20-0309-reasoning")["ls_model_name"]
        == "grok-4.20-0309-reasoning"
    )


def test_serialisation_never_holds_the_key():
    llm = ChatGrok(api_key=SECRET, model="grok-4.3")
    data = dumpd(llm)
    assert SECRET not in str(data)
    assert data["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["XAI_API_KEY"]}
    assert data["id"] == ["langchain_grok", "chat_models", "ChatGrok"]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),  # two tools bound: some tool must be called
        ("mul", {"type": "function", "function": {"name": "mul"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_tool_choice_spellings(choice, wire):
    assert format_tool_choice(choice, format_tools([add, mul])) == wire


def test_tool_choice_true_with_one_tool_forces_it():
    assert format_tool_choice(True, format_tools([add])) == {
        "type": "function",
        "function": {"name": "add"},
    }


def test_tool_choice_naming_an_unbound_tool_is_an_error():
    with pytest.raises(ValueError, match="not one of the bound tools"):
        ChatGrok().bind_tools([add], tool_choice="divide")


def test_bind_tools_sends_wire_tools():
    bound = ChatGrok().bind_tools(
        [add, Person], tool_choice="any", parallel_tool_calls=False, strict=True
    )
    kw = bound.kwargs
    assert [t["function"]["name"] for t in kw["tools"]] == ["add", "Person"]
    assert kw["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    assert kw["tools"][0]["function"]["strict"] is True
    assert kw["tool_choice"] == "required"
    assert kw["parallel_tool_calls"] is False


@pytest.mark.parametrize("schema", [Person, PersonDict, Person.model_json_schema()])
def test_structured_output_methods_build_the_right_request(schema):
    llm = ChatGrok()
    fc = bound_kwargs(llm.with_structured_output(schema))
    assert fc["tool_choice"] == {
        "type": "function",
        "function": {"name": fc["tools"][0]["function"]["name"]},
    }
    assert fc["parallel_tool_calls"] is False
    js = bound_kwargs(llm.with_structured_output(schema, method="json_schema", strict=True))
    assert js["response_format"]["type"] == "json_schema"
    assert js["response_format"]["json_schema"]["strict"] is True
    assert set(js["response_format"]["json_schema"]["schema"]["properties"]) == {"name", "age"}
    jm = bound_kwargs(llm.with_structured_output(schema, method="json_mode"))
    assert jm["response_format"] == {"type": "json_object"}


def test_structured_output_rejects_unknown_method():
    with pytest.raises(ValueError, match="method must be"):
        ChatGrok().with_structured_output(Person, method="xml")


def test_import_is_light():
    code = (
        "import sys, langchain_grok; from langchain_grok import ChatGrok; "
        "print(sorted(m for m in ('IPython', 'ipywidgets', 'httpx', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # httpx (via the client) is loaded on the first request, not at import
    assert out.stdout.strip() == "[]"


def test_serialisation_round_trip(monkeypatch):
    from langchain_core.load import load

    monkeypatch.setenv("XAI_API_KEY", SECRET)
    llm = ChatGrok(model="grok-4.3", temperature=0.5, stop=["x"], api_key=SECRET)
    loaded = load(
        dumpd(llm),
        valid_namespaces=["langchain_grok"],
        allowed_objects=[ChatGrok],
        secrets_from_env=True,
    )
    assert isinstance(loaded, ChatGrok)
    assert loaded.dict() == llm.dict()
    assert loaded.api_key.get_secret_value() == SECRET


def test_loads_takes_chatgrok_when_the_allowlist_names_it():
    # langchain-core's load allowlist ('all') holds only classes in its own mapping.
    from langchain_core.load import dumps, loads

    text = dumps(ChatGrok(model="grok-4.3", temperature=0.5))
    with pytest.raises(ValueError, match="not allowed"):
        loads(text, valid_namespaces=["langchain_grok"], allowed_objects="all")
    loaded = loads(text, valid_namespaces=["langchain_grok"], allowed_objects=[ChatGrok])
    assert isinstance(loaded, ChatGrok) and loaded.temperature == 0.5
