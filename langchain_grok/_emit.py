"""Handing a stream's chunks to LangChain: each one to the run's callbacks, then out.

Both APIs' streams (``_chat_completions``, ``_responses``) translate their events
into ``ChatGenerationChunk`` lists; these yield them in order, telling the run
manager of each as ``on_llm_new_token``, which is what tracers and
``astream_events`` read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.outputs import ChatGenerationChunk


def emit(
    chunks: Iterable[ChatGenerationChunk], run_manager: CallbackManagerForLLMRun | None
) -> Iterator[ChatGenerationChunk]:
    for chunk in chunks:
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


async def aemit(
    chunks: Iterable[ChatGenerationChunk], run_manager: AsyncCallbackManagerForLLMRun | None
) -> AsyncIterator[ChatGenerationChunk]:
    for chunk in chunks:
        if run_manager:
            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk
