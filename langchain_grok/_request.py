"""What one ChatGrok call sends: its fields and the call's keywords, as client arguments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_grok._kwargs import refuse_credentials_in_call

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from grok_jupyter.client import Message

# ChatGrok fields sent as request fields when set.
REQUEST_FIELDS = (
    "temperature",
    "max_tokens",
    "top_p",
    "n",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
)
# Keys LangChain passes down that are not request fields.
NOT_SENT = ("ls_structured_output_format", "structured_output_format", "stream")


@dataclass
class Request:
    """One call's client arguments: ``client.chat(messages, model=..., conv_id=..., **params)``."""

    messages: list[Message]
    model: str
    params: dict[str, Any]
    conv_id: str | None
    include_usage: bool

    def chat_kwargs(self) -> dict[str, Any]:
        kwargs = {"model": self.model, **self.params}
        if self.conv_id is not None:
            kwargs["conv_id"] = self.conv_id  # the client sends it as ``x-grok-conv-id``
        return kwargs

    def stream_kwargs(self) -> dict[str, Any]:
        self.refuse_choices()
        return {**self.chat_kwargs(), "include_usage": self.include_usage}

    def refuse_choices(self) -> None:
        """A LangChain stream carries one message: ``n > 1`` there would bill choices it drops."""
        n = self.params.get("n")
        if isinstance(n, int) and not isinstance(n, bool) and n > 1:
            from grok_jupyter.client import InvalidRequestError

            raise InvalidRequestError(
                f"n={n} asks for {n} choices, and a LangChain stream carries only one, so "
                "the others would be billed and lost. Call invoke() or generate() (with "
                "streaming=False) to get every choice, or stream with n=1."
            )


def call_params(defaults: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """ChatGrok's field values overridden by the call's keywords, without what LangChain
    passes down that is not a request field; a credential among them is refused."""
    refuse_credentials_in_call(kwargs)
    params = {**defaults, **kwargs}
    for key in NOT_SENT:
        params.pop(key, None)
    return params


def call_target(
    params: dict[str, Any], model: str, conversation_id: str | None
) -> tuple[str, str | None]:
    """The call's model and conversation id (a keyword overrides the field), taken out of
    ``params``: both travel apart from the request fields."""
    return params.pop("model", None) or model, params.pop("conversation_id", conversation_id)


def build_request(
    defaults: dict[str, Any],
    *,
    model: str,
    conversation_id: str | None,
    stream_usage: bool,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> Request:
    """The field values, overridden by the call's keywords (``model``, ``stop``, any field)."""
    from langchain_grok._convert import to_wire_messages

    params = call_params(defaults, kwargs)
    if stop is not None:
        params["stop"] = stop
    model, conv_id = call_target(params, model, conversation_id)
    return Request(
        messages=to_wire_messages(messages),
        model=model,
        conv_id=conv_id,
        include_usage=params.pop("stream_usage", stream_usage),
        params=params,
    )
