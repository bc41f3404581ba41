"""ChatGrok over ``/v1/chat/completions``: invoke and stream, sync and async.

The calls ``_responses.wants_responses`` keeps on chat come here, through
``client.chat`` / ``client.stream`` (same ledger, retries and typed errors as the
magic and the panel).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_grok._convert import ChunkTranslator, completion_to_result
from langchain_grok._emit import aemit, emit
from langchain_grok._request import Request, build_request

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.messages import BaseMessage

    from grok_jupyter.client import Usage
    from langchain_grok.chat_models import ChatGrok

SOURCE = "langchain"


def _request(
    llm: ChatGrok, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> Request:
    return build_request(
        llm._default_params,
        model=llm.model,
        conversation_id=llm.conversation_id,
        stream_usage=llm.stream_usage,
        messages=messages,
        stop=stop,
        kwargs=kwargs,
    )


def _pricer(client: Any) -> Callable[[str, Usage | None], float | None]:
    from grok_jupyter.client import cost_usd

    return lambda model, usage: cost_usd(model, usage, client.catalog)


def generate(
    llm: ChatGrok, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> ChatResult:
    client = llm._get_client()
    request = _request(llm, messages, stop, kwargs)
    completion = client.chat(request.messages, source=SOURCE, **request.chat_kwargs())
    return completion_to_result(completion, _pricer(client)(completion.model, completion.usage))


async def agenerate(
    llm: ChatGrok, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> ChatResult:
    client = llm._get_async_client()
    request = _request(llm, messages, stop, kwargs)
    completion = await client.chat(request.messages, source=SOURCE, **request.chat_kwargs())
    return completion_to_result(completion, _pricer(client)(completion.model, completion.usage))


def stream(
    llm: ChatGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> Iterator[ChatGenerationChunk]:
    client = llm._get_client()
    request = _request(llm, messages, stop, kwargs)
    options = request.stream_kwargs()  # refuses n > 1 before anything is sent
    translator = ChunkTranslator(_pricer(client))
    # Leaving the ``with`` (a consumer that stops early, or an error)
    # closes the connection at once. A cut stream raises the client's
    # StreamInterruptedError here, after the text so far was yielded.
    with client.stream(request.messages, source=SOURCE, **options) as chunks:
        for chunk in chunks:
            yield from emit(translator.add(chunk), run_manager)
    yield from emit(translator.close(), run_manager)


async def astream(
    llm: ChatGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[ChatGenerationChunk]:
    client = llm._get_async_client()
    request = _request(llm, messages, stop, kwargs)
    options = request.stream_kwargs()
    translator = ChunkTranslator(_pricer(client))
    async with client.stream(request.messages, source=SOURCE, **options) as chunks:
        async for chunk in chunks:
            async for gen in aemit(translator.add(chunk), run_manager):
                yield gen
    async for gen in aemit(translator.close(), run_manager):
        yield gen
