"""A key given under another package's spelling stays secret (issue 23, item 16).

A user coming from langchain-openai wrote ``ChatGrok(openai_api_key=...)``. Unknown
keywords are request fields (``model_kwargs``), so the key showed in ``repr()``, in
``dumps()`` (what tracers receive) and in every request body.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps

from grok_jupyter.client import InvalidRequestError
from langchain_grok import ChatGrok
from tests.conftest import TEST_API_KEY

pytestmark = pytest.mark.enable_socket


class Tracer(BaseCallbackHandler):
    """Everything a tracer is handed when a chat model starts."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append(repr((serialized, kwargs)))


@pytest.mark.parametrize("spelling", ["api_key", "xai_api_key", "openai_api_key"])
def test_every_spelling_of_the_key_is_the_secret_key(emu, monkeypatch, spelling):
    monkeypatch.delenv("XAI_API_KEY")  # only the keyword can authorise the call
    llm = ChatGrok(model="grok-4.3", base_url=emu.base_url, **{spelling: TEST_API_KEY})
    tracer = Tracer()
    answer = llm.invoke("Say hi.", config={"callbacks": [tracer]})
    assert answer.content  # the key authorised the call
    assert llm.api_key.get_secret_value() == TEST_API_KEY
    assert llm.model_kwargs == {}
    shown = [repr(llm), str(llm), dumps(llm), *tracer.seen, *(repr(r.body) for r in emu.requests)]
    assert not [s for s in shown if TEST_API_KEY in s]
    assert "api_key" not in emu.requests[-1].body


@pytest.mark.parametrize(
    "name", ["access_token", "secret", "x_api_key", "xaiApiKey", "password", "auth_token", "token"]
)
def test_a_credential_looking_keyword_is_refused_naming_it_not_its_value(name):
    with pytest.raises(TypeError, match=rf"{name}=\.\.\., which looks like a credential") as info:
        ChatGrok(**{name: TEST_API_KEY})
    assert TEST_API_KEY not in str(info.value)
    with pytest.raises(TypeError, match="looks like a credential"):
        ChatGrok(model_kwargs={name: TEST_API_KEY})


def test_request_fields_that_mention_tokens_or_keys_are_sent_as_before():
    llm = ChatGrok(max_completion_tokens=5, max_output_tokens=6, prompt_cache_key="conv-1",
                   model_kwargs={"top_logprobs": 2})  # fmt: skip
    assert llm.model_kwargs == {"max_completion_tokens": 5, "max_output_tokens": 6,
                                "prompt_cache_key": "conv-1", "top_logprobs": 2}  # fmt: skip


def test_the_key_twice_is_refused():
    with pytest.raises(TypeError, match="twice"):
        ChatGrok(api_key=TEST_API_KEY, openai_api_key=TEST_API_KEY)


@pytest.mark.parametrize("api_on", [None, False])
def test_a_key_passed_to_a_call_is_refused_before_sending(emu, api_on):
    llm = ChatGrok(model="grok-4.3", use_responses_api=api_on)
    with pytest.raises(InvalidRequestError, match="looks like a credential") as info:
        llm.invoke("Say hi.", openai_api_key=TEST_API_KEY)
    assert TEST_API_KEY not in str(info.value)
    assert emu.requests == []
