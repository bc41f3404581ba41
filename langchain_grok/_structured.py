"""``with_structured_output``: a schema becomes a bound request plus a parser.

Three ways to ask Grok for structure, all honoured by the real API:
``function_calling`` (a forced tool call), ``json_schema`` (a
``response_format`` with the schema) and ``json_mode`` (``json_object``;
the schema is only used to parse).

It takes the model as any ``BaseChatModel`` with ``bind_tools``, so this
module and ``chat_models`` do not import each other.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Literal

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

Method = Literal["function_calling", "json_schema", "json_mode"]


def structured_runnable(
    llm: BaseChatModel,
    schema: dict[str, Any] | type,
    *,
    method: Method = "function_calling",
    include_raw: bool = False,
    strict: bool | None = None,
    **kwargs: Any,
) -> Runnable:
    if kwargs:
        raise TypeError(f"unexpected arguments: {sorted(kwargs)}")
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    trace = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    if method == "function_calling":
        tool = convert_to_openai_tool(schema, strict=strict)
        name = tool["function"]["name"]
        bound = llm.bind_tools(
            [schema],
            tool_choice=name,
            parallel_tool_calls=False,
            strict=strict,
            ls_structured_output_format=trace,
        )
        parser: Runnable = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method == "json_schema":
        json_schema = convert_to_json_schema(schema)
        response_format = {
            "type": "json_schema",
            "json_schema": {
                "name": json_schema.get("title") or "response",
                "schema": json_schema,
                "strict": bool(strict),
            },
        }
        bound = llm.bind(response_format=response_format, ls_structured_output_format=trace)
        parser = _json_parser(schema, is_pydantic)
    elif method == "json_mode":
        bound = llm.bind(response_format={"type": "json_object"}, ls_structured_output_format=trace)
        parser = _json_parser(schema, is_pydantic)
    else:
        raise ValueError(
            f"method must be 'function_calling', 'json_schema' or 'json_mode', not {method!r}"
        )
    if not include_raw:
        return bound | parser
    # ``include_raw``: keep the raw message, and report a parsing error
    # instead of raising it, as LangChain's other chat models do.
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
    with_fallback = parsed.with_fallbacks([no_parse], exception_key="parsing_error")
    return RunnableMap(raw=bound) | with_fallback


def _json_parser(schema: dict[str, Any] | type, is_pydantic: bool) -> Runnable:
    if is_pydantic:
        return PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
    return JsonOutputParser()
