"""Check a chat request the way the real API does, and plan what to answer.

Every rule here is one the real server enforces (shared/xai-api.md sections
1.2, 1.3, 4 and 6); the error texts are the recorded ones where known.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client._catalog import Catalog, ModelInfo
from ..client._tokens import count_prompt_tokens
from ._errors import EmulatorError, bad_request, unknown_model, unprocessable
from ._model_rules import takes_chat
from ._responses_request import refuse_server_side_tools_on_chat
from ._vision import ImageFacts, inspect_image

ROLES = frozenset({"system", "user", "assistant", "tool", "function", "developer"})
# Checked in this order, so the error names the same parameter every time.
_CHECKED_PARAMS = ("reasoning_effort", "presence_penalty", "frequency_penalty", "stop")

SEARCH_GONE = (
    "Live search is deprecated. Please switch to the Agent Tools API: "
    "https://docs.x.ai/docs/guides/tools/overview"
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


@dataclass
class ChatPlan:
    """A valid chat request, with what the responder needs to know about it."""

    body: dict[str, Any]
    info: ModelInfo
    response_model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    images: list[ImageFacts] = field(default_factory=list)
    prompt_tokens: int = 0
    image_tokens: int = 0
    # The effort that applies: the request's, else a redirect's implied one, else the
    # model's default (None for a model that takes no effort).
    effort: str | None = None
    service_tier: str = "default"
    cached_tokens: int = 0  # the prompt prefix the chat route found in the cache

    @property
    def reasons(self) -> bool:
        """Whether the answer carries reasoning: a reasoning model not set to ``none``."""
        return self.info.reasoning and self.effort != "none"

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def include_usage(self) -> bool:
        options = self.body.get("stream_options") or {}
        return bool(options.get("include_usage"))

    @property
    def top_logprobs(self) -> int | None:
        """How many alternatives each logprob entry lists, or None without ``logprobs``."""
        if self.body.get("logprobs") is not True:
            return None
        if "logprobs" in self.info.ignored_parameters:
            return None  # grok-4.20: "it will be ignored" (2026 §4.2 [V]): 200, no key
        return int(self.body.get("top_logprobs") or 0)


def resolve_model(catalog: Catalog, name: Any, *, kind: str = "chat") -> ModelInfo:
    if not isinstance(name, str) or not name:
        raise unprocessable("missing field `model`")
    info = catalog.resolve(name)
    if info is None or name in catalog.retired_aliases or info.kind != kind:
        raise unknown_model(name)
    return info


def answering_model(catalog: Catalog, name: Any, retired: str) -> tuple[ModelInfo, str | None]:
    """The model that answers ``name`` and the effort a redirect implies (2026 §1.3).

    ``retired="redirect"`` (the default, as the API does since 2026-05-15): a retired id
    is answered and priced by its target. ``"error"``: the OLD §4 404 text, which no
    source records for retired ids [U].
    """
    info = resolve_model(catalog, name)
    if not info.is_retired:
        return info, None
    redirect = catalog.redirect_target(name)
    if retired == "error" or redirect is None:
        raise unknown_model(name)
    return redirect


def plan_chat(
    body: Any,
    catalog: Catalog,
    local_image: Callable[[str], bytes | None],
    *,
    retired: str = "redirect",
    api: str = "chat",
) -> ChatPlan:
    """Check ``body`` (a chat request) and plan its answer. ``api``: the route it came
    in on, ``"chat"`` or ``"responses"`` (which converts its body to a chat one)."""
    if not isinstance(body, dict):
        raise unprocessable("expected a JSON object")
    if body.get("search_parameters") is not None:
        raise EmulatorError(410, SEARCH_GONE, None)
    if "messages" not in body:
        raise unprocessable("missing field `messages`")
    info, implied = answering_model(catalog, body.get("model"), retired)
    if api == "chat" and not takes_chat(info):
        # The model exists but Chat Completions does not serve it (the real text is [U]).
        raise bad_request(
            f"Model {info.id} is available only on the Responses API: "
            "send the request to POST /v1/responses instead of /v1/chat/completions."
        )
    for param in _CHECKED_PARAMS:
        if body.get(param) is not None and param in info.rejected_parameters:
            raise bad_request(f"Model {info.id} does not support parameter {camel(param)}.")
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in info.reasoning_efforts:
        raise bad_request(
            f"Invalid reasoning effort {effort!r}; "
            f"expected one of: {', '.join(info.reasoning_efforts)}."
        )
    _check_params(body)
    tools = _check_tools(body)
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise bad_request("The conversation must contain at least one message.")

    limits = catalog.image_input_limits
    images: list[ImageFacts] = []
    facts_of: dict[int, ImageFacts] = {}  # id(part) -> what inspecting it found
    for message in messages:
        _check_message(message)
        for part in message.get("content") if isinstance(message.get("content"), list) else []:
            if part.get("type") != "image_url":
                continue
            if not info.supports_images:
                raise bad_request(
                    f"Model {info.id} does not support image inputs. "
                    "Use a model with image input, e.g. grok-4.3."
                )
            image_url = part.get("image_url") or {}
            url = image_url.get("url") if isinstance(image_url, dict) else None
            if not isinstance(url, str):
                raise bad_request("An image_url content part needs an image_url.url string.")
            facts = inspect_image(
                url,
                image_url.get("detail"),
                max_bytes=int(limits.get("max_bytes", 10 * 1024 * 1024)),
                local_image=local_image,
            )
            images.append(facts)
            facts_of[id(part)] = facts
    # The client's shared rule, with the exact image costs we just measured.
    prompt_tokens = count_prompt_tokens(
        messages, tools, image_tokens_of=lambda part: facts_of[id(part)].tokens
    )
    image_tokens = sum(f.tokens for f in images)
    if info.context_window is not None and prompt_tokens > info.context_window:
        raise bad_request(
            f"This model's maximum prompt length is {info.context_window} but the request "
            f"contains {prompt_tokens} tokens."
        )
    if effort is None:
        effort = implied or info.default_reasoning_effort
    # Echoed in bodies and chunks (2026 §4.2 [V]); anything but "priority" ran as default.
    tier = "priority" if body.get("service_tier") == "priority" else "default"
    # The real API echoes grok-3-mini's effort in the model name (FAN thinking.yaml).
    response_model = (
        f"{info.id}-high" if effort == "high" and info.id.startswith("grok-3-mini") else info.id
    )
    if effort is not None and body.get("reasoning_effort") != effort:
        # The responder reads the effort from the body: give it the one that applies.
        body = {**body, "reasoning_effort": effort}
    return ChatPlan(
        body=body,
        info=info,
        response_model=response_model,
        messages=messages,
        tools=tools,
        images=images,
        prompt_tokens=prompt_tokens,
        image_tokens=image_tokens,
        effort=effort,
        service_tier=tier,
    )


def _check_params(body: dict[str, Any]) -> None:
    stop = body.get("stop")
    if stop is not None:
        if isinstance(stop, str):
            stop = [stop]
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop) or len(stop) > 4:
            raise bad_request("stop must be a string or a list of at most 4 strings.")
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise bad_request(f"{key} must be a non-negative integer.")
    _check_logprobs(body)
    _check_bounds(body)
    fmt = body.get("response_format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind not in ("text", "json_object", "json_schema"):
            raise bad_request("response_format.type must be one of text, json_object, json_schema.")
        if kind == "json_schema":
            spec = fmt.get("json_schema")
            if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
                raise bad_request(
                    "response_format json_schema needs json_schema.schema, an object."
                )


# The documented ranges (shared/xai-api.md section 1.1, [V] from the OAS): (low, high,
# low inclusive). n has no upper bound there, so none is applied. The error wording
# for a value out of range is not recorded: [U], in the 400 style of section 4.
_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    "temperature": (0.0, 2.0, True),
    "top_p": (0.0, 1.0, False),
    "frequency_penalty": (-2.0, 2.0, True),
    "presence_penalty": (-2.0, 2.0, True),
    "n": (1, None, True),
}


def _check_bounds(body: dict[str, Any]) -> None:
    for key, (low, high, inclusive) in _BOUNDS.items():
        value = body.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue  # absent, or a type error the deserialiser answers with 422
        below = value < low if inclusive else value <= low
        if below or (high is not None and value > high):
            if high is None:
                rule = f"at least {low:g}"
            else:
                lowest = "" if inclusive else "greater than "
                rule = f"between {lowest}{low:g} and {high:g}"
            raise bad_request(f"Invalid value for {key}: {value!r}; it must be {rule}.")


def _check_logprobs(body: dict[str, Any]) -> None:
    logprobs = body.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        raise bad_request("logprobs must be a boolean.")
    top = body.get("top_logprobs")
    if top is None:
        return
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= 8:
        raise bad_request(f"top_logprobs must be an integer between 0 and 8, got {top!r}.")
    if logprobs is not True:
        # OAS ChatRequest: top_logprobs "requires logprobs:true".
        raise bad_request("top_logprobs requires logprobs to be true; set logprobs: true.")


def _check_tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools") or []
    if not isinstance(tools, list) or len(tools) > 128:
        raise bad_request("tools must be a list of at most 128 tools.")
    refuse_server_side_tools_on_chat(tools)
    names = []
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise bad_request("Each tool needs function.name.")
        names.append(fn["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        if wanted not in names:
            raise bad_request(
                f"tool_choice names function {wanted!r}, which is not among the tools."
            )
    elif choice is not None and choice not in ("none", "auto", "required"):
        raise bad_request("tool_choice must be none, auto, required or a function.")
    if choice == "required" and not tools:
        raise bad_request("tool_choice is 'required' but no tools were given.")
    return [t for t in tools if isinstance(t, dict)]


def _check_message(message: Any) -> None:
    """Validate one message (its tokens are counted by ``count_prompt_tokens``)."""
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        role = message.get("role") if isinstance(message, dict) else None
        raise bad_request(f"Unknown message role {role!r}.")
    role = message["role"]
    if message.get("name") is not None and role != "user":
        raise bad_request("Only messages of role 'user' can have a name.")
    content = message.get("content")
    tool_calls = message.get("tool_calls") or []
    empty = content is None or content == "" or content == []
    # An assistant turn that only calls tools may have "" content (what the API itself
    # sends); null content there is refused (langchain-ai/langchain#34140).
    if empty and not (role == "assistant" and content == "" and tool_calls):
        raise bad_request(
            "Invalid request content: Each message must have at least one content element."
        )
    if not isinstance(content, (str, list)):
        raise bad_request("Message content must be a string or a list of content parts.")
    if isinstance(content, list):
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in ("text", "image_url", "file", "text_file"):
                raise bad_request(f"Unknown content part type {kind!r}.")
            if kind == "text" and not isinstance(part.get("text"), str):
                raise bad_request("A text content part needs a text string.")
    for call in tool_calls:
        fn = call.get("function") or {}
        arguments = fn.get("arguments", "")
        try:
            json.loads(arguments)
        except (TypeError, ValueError) as exc:
            raise bad_request(
                f"The arguments to a tool_call with ID '{call.get('id')}' are not a valid JSON "
                f"string. Parsing error: {exc}"
            ) from None
