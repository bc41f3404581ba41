"""Python functions from the kernel, offered to Grok as tools and run for it.

The magic's ``--tools`` and the panel's ``tools=`` both use ``KernelTools``,
so a function behaves the same in either. Schemas come from the signature and
type hints (through pydantic, which already knows how to describe Python
types as JSON schema) and the docstring; calls Grok asks for are validated
against the same model, run (in parallel when there are several), and any
exception becomes text Grok can read, never a crash of the turn.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from ..client._errors import InvalidRequestError
from ..client._types import FunctionDefinition, Message, Tool, ToolCall
from .secrets import redact, warn_key_in_prompt

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PARAM_LINE_RE = re.compile(r"^\s*(?::param\s+)?\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.+)$")


class ToolSchemaError(InvalidRequestError):
    """A function that cannot be described to Grok as a tool."""


@dataclass
class ToolResult:
    call: ToolCall
    value: Any = field(repr=False)  # the function's own object, as it returned it
    output: str  # what is sent back to Grok and shown: every known API key redacted
    error: str | None = None
    interrupted: bool = False  # Ctrl-C came before this call finished


# Sent back for a call whose tool had not finished when the user pressed Ctrl-C: every
# tool_call id must have an answer, or the API refuses the conversation's next turn.
INTERRUPTED_OUTPUT = "[interrupted before this tool finished]"


class ToolsInterrupted(KeyboardInterrupt):
    """Ctrl-C while tools ran. ``results`` answers every call, in call order: the finished
    ones with their output, the others marked ``interrupted``."""

    def __init__(self, results: list[ToolResult]) -> None:
        super().__init__()
        self.results = results


def _docstring_parts(func: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The summary paragraph and per-parameter descriptions (Google, Sphinx or NumPy style)."""
    doc = inspect.getdoc(func) or ""
    summary = doc.split("\n\n", 1)[0].strip()
    params: dict[str, str] = {}
    in_section = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.lower().rstrip(":") in ("args", "arguments", "parameters", "params"):
            in_section = True
            continue
        if set(stripped) <= {"-"} and stripped:  # NumPy underline
            continue
        if stripped.lower().rstrip(":") in ("returns", "raises", "yields", "examples", "example"):
            in_section = False
            continue
        match = _PARAM_LINE_RE.match(line)
        if match and (in_section or stripped.startswith(":param")):
            params[match.group(1)] = match.group(2).strip()
    return summary, params


def _arguments_model(func: Callable[..., Any], name: str) -> type[BaseModel]:
    try:
        signature = inspect.signature(func)
        hints = _type_hints(func)
    except (TypeError, ValueError) as exc:
        raise ToolSchemaError(f"Tool {name!r}: cannot read its signature ({exc}).") from None
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            stars = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise ToolSchemaError(
                f"Tool {name!r}: {stars}{param.name} cannot be described as a JSON schema. "
                "Give the function named parameters with type hints."
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise ToolSchemaError(
                f"Tool {name!r}: positional-only parameter {param.name!r} cannot be passed by "
                "name. Remove the '/' from its signature."
            )
        annotation = hints.get(param.name, Any)
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (annotation, default)
    try:
        return create_model(  # type: ignore[call-overload,no-any-return]
            f"{name}_arguments", __config__=ConfigDict(arbitrary_types_allowed=False), **fields
        )
    except Exception as exc:
        raise _unschemable(name, exc) from None


def _unschemable(name: str, exc: Exception) -> ToolSchemaError:
    reason = str(exc).splitlines()[0]
    return ToolSchemaError(
        f"Tool {name!r}: its type hints cannot become a JSON schema ({reason}). Use plain "
        "types (str, int, float, bool, list, dict, Literal, pydantic models)."
    )


def _type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(func)
    except NameError as exc:
        # A hint naming a class defined inside a function cannot be looked up later.
        raise ToolSchemaError(
            f"Tool {getattr(func, '__name__', func)!r}: a type hint cannot be resolved ({exc}). "
            "Define the types it uses at the top level of the notebook or module."
        ) from None


def function_to_tool(func: Callable[..., Any]) -> Tool:
    """The xAI tool definition of ``func``; raises ``ToolSchemaError`` if it has none."""
    return _KernelTool(func).tool


class _KernelTool:
    def __init__(self, func: Callable[..., Any]) -> None:
        if not callable(func):
            raise ToolSchemaError(f"{func!r} is not a function, so it cannot be a tool.")
        name = getattr(func, "__name__", "")
        if not _NAME_RE.match(name):
            raise ToolSchemaError(
                f"Tool name {name!r} is not allowed: use a def'd function whose name has only "
                "letters, digits, '_' or '-' (at most 64)."
            )
        self.func = func
        self.name = name
        self.arguments_model = _arguments_model(func, name)
        summary, param_docs = _docstring_parts(func)
        try:
            schema = self.arguments_model.model_json_schema()
        except Exception as exc:
            raise _unschemable(name, exc) from None
        schema.pop("title", None)
        for prop_name, prop in schema.get("properties", {}).items():
            prop.pop("title", None)
            if prop_name in param_docs:
                prop.setdefault("description", param_docs[prop_name])
        self.tool = Tool(
            function=FunctionDefinition(
                name=name, description=summary or f"Call the Python function {name}.",
                parameters=schema,
            )
        )

    def __call__(self, call: ToolCall) -> ToolResult:
        try:
            raw = json.loads(call.function.arguments or "{}")
            if not isinstance(raw, dict):
                raise ValueError("the arguments are not a JSON object")
            arguments = self.arguments_model.model_validate(raw)
        except (ValueError, ValidationError) as exc:
            return _failed(call, f"invalid arguments for {self.name}: {exc}")
        kwargs = {field: getattr(arguments, field) for field in type(arguments).model_fields}
        try:
            value = self.func(**kwargs)
        except Exception as exc:  # the tool's failure is information for Grok, not a crash
            return _failed(call, f"{type(exc).__name__}: {exc}")
        return ToolResult(call=call, value=value, output=_to_text(value))


def _failed(call: ToolCall, error: str) -> ToolResult:
    return ToolResult(call=call, value=None, output=json.dumps({"error": error}), error=error)


def _without_keys(result: ToolResult) -> ToolResult:
    """``result`` with every known API key out of its output and error, which are shown (the
    magic's tool lines, the panel, ``TurnResult.tool_results``) and sent back to Grok; one
    ``KeyInPromptWarning`` when there was one."""
    output = redact(result.output)
    error = redact(result.error) if result.error else result.error
    if output == result.output and error == result.error:
        return result
    warn_key_in_prompt("A tool's output")
    return replace(result, output=output, error=error)


def _interrupted(call: ToolCall) -> ToolResult:
    return ToolResult(call=call, value=None, output=INTERRUPTED_OUTPUT,
                      error="interrupted", interrupted=True)


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        # Not JSON-serialisable: Grok still gets something it can read.
        return json.dumps({"repr": repr(value), "note": "result was not JSON-serialisable"})


class KernelTools:
    """A set of kernel functions offered as tools, and the runner of Grok's calls to them."""

    def __init__(self, functions: Sequence[Callable[..., Any]], *, max_workers: int = 8) -> None:
        self._tools = {tool.name: tool for tool in map(_KernelTool, functions)}
        if len(self._tools) != len(functions):
            raise ToolSchemaError("Two tools have the same name; tool names must be unique.")
        self.max_workers = max_workers

    def __repr__(self) -> str:
        return f"KernelTools({self.names!r})"

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    @property
    def tools(self) -> list[Tool]:
        return [t.tool for t in self._tools.values()]

    def run(self, calls: Sequence[ToolCall]) -> list[ToolResult]:
        """Run Grok's calls, in parallel when there are several; results keep the call order."""
        if len(calls) <= 1:
            try:
                return [self._run_one(call) for call in calls]
            except KeyboardInterrupt:
                raise ToolsInterrupted([_interrupted(call) for call in calls]) from None
        # No ``with``: leaving it waits for every thread, and Ctrl-C must return at once.
        pool = ThreadPoolExecutor(max_workers=min(self.max_workers, len(calls)))
        futures = [pool.submit(self._run_one, call) for call in calls]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
        except KeyboardInterrupt:
            # The running tools cannot be killed; they finish in the background, unseen.
            pool.shutdown(wait=False, cancel_futures=True)
            raise ToolsInterrupted([
                f.result() if f.done() and not f.cancelled() and f.exception() is None
                else _interrupted(call)
                for f, call in zip(futures, calls, strict=True)
            ]) from None
        pool.shutdown(wait=False)
        return [f.result() for f in futures]

    def _run_one(self, call: ToolCall) -> ToolResult:
        tool = self._tools.get(call.function.name)
        if tool is None:
            return _failed(
                call, f"no tool named {call.function.name!r}; available: {', '.join(self.names)}"
            )
        return _without_keys(tool(call))

    @staticmethod
    def messages(results: Sequence[ToolResult]) -> list[Message]:
        return [Message.tool(r.call.id, r.output) for r in results]
