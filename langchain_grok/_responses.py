"""ChatGrok over ``/v1/responses``: which calls go there, and invoke and stream them.

``use_responses_api=True`` sends every call here and ``False`` none. ``None``
(the default) picks per call, in ``wants_responses``: xAI calls Chat Completions
legacy and current models misbehave there (grok-4.6 put its answer into
``reasoning_content`` and looped: xai-api-2026-09.md §3), so a model whose
catalogue entry lists the Responses API (``apis``) is sent here, unless the call
asks for what only chat has (``CHAT_ONLY``); a model the catalogue does not
know, a retired id, or one that takes only chat goes to chat. A server-side tool
or a ``file`` block needs this API and always comes here. The calls go through
``client.responses`` so retries, typed errors and the ledger (tool calls priced
apart) are the client's; inline file bytes go inline or through ``client.files``
(``_file_blocks``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_grok._compaction import acompact_first, compact_first, noted
from langchain_grok._emit import aemit, emit
from langchain_grok._file_blocks import (
    aprepare_file_blocks,
    has_file_block,
    prepare_file_blocks,
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

    from grok_jupyter.client import Response
    from langchain_grok._call import Call
    from langchain_grok.chat_models import ChatGrok

SOURCE = "langchain"


# What a call can ask for that the Responses API has no place for, so that the
# automatic choice keeps the call on chat: stop sequences (none there [V]) and
# several choices (no ``n`` field), both xai-api-2026.md §2.1; logprobs (every
# ``output_text`` part carries ``logprobs: []``: §2.7 item 3); and the penalties
# (Vercel's xAI provider calls them unsupported there and never sends them: §2.1).
CHAT_ONLY = ("stop", "n", "logprobs", "top_logprobs", "frequency_penalty", "presence_penalty")


def chat_only_fields(params: dict[str, Any], stop: list[str] | None) -> list[str]:
    """The ``CHAT_ONLY`` fields a call sets to something the Responses API cannot do."""
    asked = {**params, "stop": stop or params.get("stop")}
    n = asked.pop("n", None)
    asked["n"] = isinstance(n, int) and n > 1  # one choice is what Responses gives
    return [name for name in CHAT_ONLY if asked.get(name)]  # None, 0, False, []: not asked


def takes_responses(catalog: Any, model: str) -> bool:
    """The catalogue lists the Responses API for ``model`` (an id or alias, not retired)."""
    info = catalog.resolve(model)
    return info is not None and not info.is_retired and "responses" in (info.apis or ())


def wants_responses(
    llm: ChatGrok,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
    client: Any,
) -> bool:
    """Whether this call goes to ``/v1/responses`` (True) or chat completions (False)."""
    if llm.use_responses_api is not None:
        return llm.use_responses_api
    # Server-side tools and file blocks (input_file parts) exist only on /v1/responses.
    if has_server_tool(kwargs.get("tools")) or has_file_block(messages):
        return True
    if chat_only_fields({**llm._default_params, **kwargs}, stop):
        return False
    return takes_responses(client.catalog, kwargs.get("model") or llm.model)


def _request(call: Call, messages: list[BaseMessage]) -> ResponsesRequest:
    llm = call.llm
    return build_responses_request(
        llm._default_params,
        use_previous_response_id=llm.use_previous_response_id,
        **call.request_fields(messages),
    )


def _pricer(client: Any) -> Any:
    def price(response: Response) -> float | None:
        from grok_jupyter.client import chat_usage, cost_usd

        usage = response.usage
        if usage is None:
            return None
        # cost_usd takes the server's own figure (cost_in_usd_ticks, tools
        # included) first, and catalogue prices only when it is absent.
        return cost_usd(response.model, chat_usage(usage), client.catalog)

    return price


def _files_prepared(llm: ChatGrok, client: Any, messages: list[BaseMessage]) -> list[BaseMessage]:
    """The messages with their inline file blocks kept inline or uploaded (_file_blocks)."""
    return prepare_file_blocks(client, messages, llm._inline_files, llm.max_inline_file_bytes)


async def _afiles_prepared(
    llm: ChatGrok, client: Any, messages: list[BaseMessage]
) -> list[BaseMessage]:
    return await aprepare_file_blocks(
        client, messages, llm._inline_files, llm.max_inline_file_bytes
    )


def _v1(llm: ChatGrok) -> bool:
    return llm.output_version == "v1"


def _prepared(call: Call, client: Any) -> tuple[ResponsesRequest, Any]:
    """The request (file blocks inline or uploaded, the history compacted first when it
    is long) and the compaction note, if any."""
    messages = _files_prepared(call.llm, client, call.messages)
    request = _request(call, messages)
    return request, compact_first(client, messages, request, _pricer(client), SOURCE)


async def _aprepared(call: Call, client: Any) -> tuple[ResponsesRequest, Any]:
    messages = await _afiles_prepared(call.llm, client, call.messages)
    request = _request(call, messages)
    return request, await acompact_first(client, messages, request, _pricer(client), SOURCE)


def generate(call: Call) -> ChatResult:
    from langchain_grok._responses_convert import response_to_result

    client = call.llm._get_client()
    request, note = _prepared(call, client)
    response = client.responses.create(request.input, source=SOURCE, **request.kwargs())
    return noted(response_to_result(response, _pricer(client)(response), v1=_v1(call.llm)), note)


async def agenerate(call: Call) -> ChatResult:
    from langchain_grok._responses_convert import response_to_result

    client = call.llm._get_async_client()
    request, note = await _aprepared(call, client)
    response = await client.responses.create(request.input, source=SOURCE, **request.kwargs())
    return noted(response_to_result(response, _pricer(client)(response), v1=_v1(call.llm)), note)


def stream(
    call: Call, run_manager: CallbackManagerForLLMRun | None
) -> Iterator[ChatGenerationChunk]:
    from langchain_grok._responses_convert import ResponseChunkTranslator

    client = call.llm._get_client()
    request, note = _prepared(call, client)
    translator = ResponseChunkTranslator(_pricer(client), v1=_v1(call.llm))
    with client.responses.stream(request.input, source=SOURCE, **request.kwargs()) as events:
        for event in events:
            gens = translator.add(event)
            note = _note_first(gens, note)
            yield from emit(gens, run_manager)


async def astream(
    call: Call, run_manager: AsyncCallbackManagerForLLMRun | None
) -> AsyncIterator[ChatGenerationChunk]:
    from langchain_grok._responses_convert import ResponseChunkTranslator

    client = call.llm._get_async_client()
    request, note = await _aprepared(call, client)
    translator = ResponseChunkTranslator(_pricer(client), v1=_v1(call.llm))
    opened = client.responses.stream(request.input, source=SOURCE, **request.kwargs())
    async with opened as events:
        async for event in events:
            gens = translator.add(event)
            note = _note_first(gens, note)
            async for gen in aemit(gens, run_manager):
                yield gen


def _note_first(gens: list[ChatGenerationChunk], note: Any) -> Any:
    """The compaction note goes on the stream's first chunk (merged chunks keep it);
    returns the note still to place."""
    if note is not None and gens:
        gens[0].message.response_metadata["compaction"] = note
        return None
    return note
