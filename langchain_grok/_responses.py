"""ChatGrok over ``/v1/responses``: invoke and stream, sync and async.

Used when ``use_responses_api`` is True, or when it is None and a server-side
tool (web_search, x_search, code_interpreter, mcp) is bound or a message carries
a ``file`` block (inline bytes are uploaded through ``client.files`` first). The calls go
through ``client.responses`` so retries, typed errors and the ledger (tool
calls priced apart) are the client's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_grok._compaction import acompact_first, compact_first, noted
from langchain_grok._file_blocks import (
    aupload_file_blocks,
    has_file_block,
    upload_file_blocks,
)
from langchain_grok._responses_request import (
    ResponsesRequest,
    build_responses_request,
    has_server_tool,
)

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.messages import BaseMessage

    from grok_jupyter.client._responses_types import Response
    from langchain_grok.chat_models import ChatGrok

SOURCE = "langchain"


def wants_responses(
    llm: ChatGrok, kwargs: dict[str, Any], messages: Sequence[BaseMessage] = ()
) -> bool:
    if llm.use_responses_api is not None:
        return llm.use_responses_api
    # Server-side tools and file blocks (input_file parts) exist only on /v1/responses.
    return has_server_tool(kwargs.get("tools")) or has_file_block(messages)


def _request(
    llm: ChatGrok, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> ResponsesRequest:
    return build_responses_request(
        llm._default_params,
        model=llm.model,
        conversation_id=llm.conversation_id,
        messages=messages,
        stop=stop,
        kwargs=kwargs,
        use_previous_response_id=llm.use_previous_response_id,
    )


def _pricer(client: Any) -> Any:
    def price(response: Response) -> float | None:
        from grok_jupyter.client._responses_request import chat_usage
        from grok_jupyter.client._usage import USD_TICKS_PER_USD, cost_usd

        usage = response.usage
        if usage is None:
            return None
        if usage.cost_in_usd_ticks is not None:  # the server's own figure, tools included
            return usage.cost_in_usd_ticks / USD_TICKS_PER_USD
        return cost_usd(response.model, chat_usage(usage), client.catalog)

    return price


def _v1(llm: ChatGrok) -> bool:
    return llm.output_version == "v1"


def generate(
    llm: ChatGrok, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> ChatResult:
    from langchain_grok._responses_convert import response_to_result

    client = llm._get_client()
    messages = upload_file_blocks(client, messages)
    request = _request(llm, messages, stop, kwargs)
    note = compact_first(client, messages, request, _pricer(client), SOURCE)
    response = client.responses.create(request.input, source=SOURCE, **request.kwargs())
    return noted(response_to_result(response, _pricer(client)(response), v1=_v1(llm)), note)


async def agenerate(
    llm: ChatGrok, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> ChatResult:
    from langchain_grok._responses_convert import response_to_result

    client = llm._get_async_client()
    messages = await aupload_file_blocks(client, messages)
    request = _request(llm, messages, stop, kwargs)
    note = await acompact_first(client, messages, request, _pricer(client), SOURCE)
    response = await client.responses.create(request.input, source=SOURCE, **request.kwargs())
    return noted(response_to_result(response, _pricer(client)(response), v1=_v1(llm)), note)


def stream(
    llm: ChatGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> Iterator[ChatGenerationChunk]:
    from langchain_grok._responses_convert import ResponseChunkTranslator

    client = llm._get_client()
    messages = upload_file_blocks(client, messages)
    request = _request(llm, messages, stop, kwargs)
    note = compact_first(client, messages, request, _pricer(client), SOURCE)
    translator = ResponseChunkTranslator(_pricer(client), v1=_v1(llm))
    with client.responses.stream(request.input, source=SOURCE, **request.kwargs()) as events:
        for event in events:
            for gen in translator.add(event):
                if note is not None:  # on the first chunk; merged chunks keep it
                    gen.message.response_metadata["compaction"], note = note, None
                if run_manager:
                    run_manager.on_llm_new_token(gen.text, chunk=gen)
                yield gen


async def astream(
    llm: ChatGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[ChatGenerationChunk]:
    from langchain_grok._responses_convert import ResponseChunkTranslator

    client = llm._get_async_client()
    messages = await aupload_file_blocks(client, messages)
    request = _request(llm, messages, stop, kwargs)
    note = await acompact_first(client, messages, request, _pricer(client), SOURCE)
    translator = ResponseChunkTranslator(_pricer(client), v1=_v1(llm))
    opened = client.responses.stream(request.input, source=SOURCE, **request.kwargs())
    async with opened as events:
        async for event in events:
            for gen in translator.add(event):
                if note is not None:  # on the first chunk; merged chunks keep it
                    gen.message.response_metadata["compaction"], note = note, None
                if run_manager:
                    await run_manager.on_llm_new_token(gen.text, chunk=gen)
                yield gen
