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

    from grok_jupyter.client import Usage
    from langchain_grok._call import Call

SOURCE = "langchain"


def _request(call: Call) -> Request:
    llm = call.llm
    return build_request(
        llm._default_params, stream_usage=llm.stream_usage, **call.request_fields()
    )


def _pricer(client: Any) -> Callable[[str, Usage | None], float | None]:
    from grok_jupyter.client import cost_usd

    return lambda model, usage: cost_usd(model, usage, client.catalog)


def generate(call: Call) -> ChatResult:
    client = call.llm._get_client()
    request = _request(call)
    completion = client.chat(request.messages, source=SOURCE, **request.chat_kwargs())
    return completion_to_result(completion, _pricer(client)(completion.model, completion.usage))


async def agenerate(call: Call) -> ChatResult:
    client = call.llm._get_async_client()
    request = _request(call)
    completion = await client.chat(request.messages, source=SOURCE, **request.chat_kwargs())
    return completion_to_result(completion, _pricer(client)(completion.model, completion.usage))


def stream(
    call: Call, run_manager: CallbackManagerForLLMRun | None
) -> Iterator[ChatGenerationChunk]:
    client = call.llm._get_client()
    request = _request(call)
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
    call: Call, run_manager: AsyncCallbackManagerForLLMRun | None
) -> AsyncIterator[ChatGenerationChunk]:
    client = call.llm._get_async_client()
    request = _request(call)
    options = request.stream_kwargs()
    translator = ChunkTranslator(_pricer(client))
    async with client.stream(request.messages, source=SOURCE, **options) as chunks:
        async for chunk in chunks:
            async for gen in aemit(translator.add(chunk), run_manager):
                yield gen
    async for gen in aemit(translator.close(), run_manager):
        yield gen
