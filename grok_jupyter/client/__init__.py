"""``grok_jupyter.client``: the one backend the magic, the panel and ``ChatGrok`` share.

``GrokClient`` / ``AsyncGrokClient`` talk to the xAI REST API (or the local
emulator) on pooled httpx clients; ``get_client()`` is the process-wide one.
Names load lazily (PEP 562): importing this package pulls in neither httpx
nor pydantic until a name is used. No IPython, ipywidgets or LangChain here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> private module that defines it. Every key is in ``__all__`` and
# imported under TYPE_CHECKING below; tests/client/test_public_api.py locks all three.
# Other packages (langchain_grok) import only these names, never a ``_module``.
_NAMES: dict[str, str] = {
    "APIConnectionError": "_errors",
    "APIStatusError": "_errors",
    "APITimeoutError": "_errors",
    "ApiKeyInfo": "_types",
    "AsyncChatStream": "_streaming",
    "AsyncGrokClient": "_client",
    "AuthenticationError": "_errors",
    "BadRequestError": "_errors",
    "Catalog": "_catalog",
    "ChatCompletion": "_types",
    "ChatCompletionChunk": "_types",
    "ChatRequest": "_types",
    "ChatStream": "_streaming",
    "ContextWindowExceededError": "_errors",
    "DeadlineExceededError": "_errors",
    "FunctionCall": "_types",
    "FunctionDefinition": "_types",
    "GeneratedImage": "_types",
    "GoneError": "_errors",
    "GrokClient": "_client",
    "GrokError": "_errors",
    "ImageConvertedWarning": "_errors",
    "ImageDownscaledWarning": "_errors",
    "ImageGenerationModel": "_types",
    "ImageInputError": "_errors",
    "ImagePart": "_types",
    "InsecureBaseURLError": "_errors",
    "InternalServerError": "_errors",
    "InvalidRequestError": "_errors",
    "InvalidValueError": "_errors",
    "LanguageModel": "_types",
    "Message": "_types",
    "MissingAPIKeyError": "_errors",
    "Model": "_types",
    "ModelInfo": "_catalog",
    "NotFoundError": "_errors",
    "PermissionDeniedError": "_errors",
    "RateLimitError": "_errors",
    "ResponseBodyInterruptedError": "_errors",
    "RetiredModelWarning": "_catalog",
    "ServiceUnavailableError": "_errors",
    "Settings": "_settings",
    "StreamAccumulator": "_accumulator",
    "StreamInterruptedError": "_errors",
    "TextPart": "_types",
    "TokenInfo": "_types",
    "Tool": "_types",
    "ToolCall": "_types",
    "UnknownModelWarning": "_errors",
    "UnknownParameterWarning": "_errors",
    "UnprocessableEntityError": "_errors",
    "UnsupportedParameterError": "_errors",
    "Usage": "_types",
    "UsageLedger": "_usage",
    "UsageRecord": "_usage",
    "UsageSummary": "_usage",
    "get_async_client": "_default",
    "get_catalog": "_catalog",
    "get_client": "_default",
    "get_ledger": "_usage",
    "image_part": "_images",
    "resolve_settings": "_settings",
    "set_async_client": "_default",
    "set_client": "_default",
    "AsyncResponseStream": "_responses_stream",  # Responses API
    "Citation": "_responses_types",  # Responses API
    "DeletedResponse": "_responses_types",  # Responses API
    "ForcedServerToolError": "_server_tools",  # Responses API
    "FunctionCallInput": "_responses_types",  # Responses API
    "FunctionCallOutput": "_responses_types",  # Responses API
    "InputFile": "_responses_types",  # Responses API
    "InputImage": "_responses_types",  # Responses API
    "InputMessage": "_responses_types",  # Responses API
    "InputText": "_responses_types",  # Responses API
    "InvalidToolError": "_server_tools",  # Responses API
    "Response": "_responses_types",  # Responses API
    "ResponseAccumulator": "_responses_accumulator",  # Responses API
    "ResponseEvent": "_responses_events",  # Responses API
    "ResponseStream": "_responses_stream",  # Responses API
    "ResponseUsage": "_responses_types",  # Responses API
    "ServerToolCall": "_responses_types",  # Responses API
    "ServerToolsNotSupportedError": "_server_tools",  # Responses API
    "UnknownToolTypeError": "_server_tools",  # Responses API
    "code_interpreter": "_server_tools",  # Responses API
    "mcp": "_server_tools",  # Responses API
    "web_search": "_server_tools",  # Responses API
    "x_search": "_server_tools",  # Responses API
    "Batch": "_batches",  # Files and Batch APIs
    "BatchError": "_batches",  # Files and Batch APIs
    "BatchPage": "_batches",  # Files and Batch APIs
    "BatchResult": "_batches",  # Files and Batch APIs
    "BatchResultPage": "_batches",  # Files and Batch APIs
    "BatchState": "_batches",  # Files and Batch APIs
    "FileDeleted": "_files",  # Files and Batch APIs
    "FileObject": "_files",  # Files and Batch APIs
    "FilePage": "_files",  # Files and Batch APIs
    "FileTooLargeError": "_errors",  # Files and Batch APIs
    "UnsupportedFileTypeError": "_errors",  # Files and Batch APIs
    "MAX_FILE_BYTES": "_files",  # Files and Batch APIs
    "BatchSupportUnknownWarning": "_errors",  # September-2026 API
    "Compaction": "_responses_context",  # September-2026 API
    "CompactionItem": "_responses_types",  # September-2026 API
    "CompactionUsage": "_responses_context",  # September-2026 API
    "CostEstimate": "_estimate",  # September-2026 API
    "InputItemsPage": "_responses_context",  # September-2026 API
    "ModelNotBatchableError": "_errors",  # September-2026 API
    "estimate_cost": "_estimate",  # September-2026 API
    "Choice": "_types",  # Chat Completions wire types
    "ChunkChoice": "_types",  # Chat Completions wire types
    "ContentPart": "_types",  # Chat Completions wire types
    "Delta": "_types",  # Chat Completions wire types
    "FilePart": "_types",  # Chat Completions wire types
    "ImageURL": "_types",  # Chat Completions wire types
    "Annotation": "_responses_types",  # Responses API
    "FunctionCallItem": "_responses_types",  # Responses API
    "OutputMessage": "_responses_types",  # Responses API
    "OutputText": "_responses_types",  # Responses API
    "ReasoningItem": "_responses_types",  # Responses API
    "AnnotationAddedEvent": "_responses_events",  # Responses API
    "ContentPartEvent": "_responses_events",  # Responses API
    "DeltaEvent": "_responses_events",  # Responses API
    "DoneEvent": "_responses_events",  # Responses API
    "ErrorEvent": "_responses_events",  # Responses API
    "OutputItemEvent": "_responses_events",  # Responses API
    "ResponseLifecycleEvent": "_responses_events",  # Responses API
    "ToolCallProgressEvent": "_responses_events",  # Responses API
    "chat_usage": "_responses_request",  # Responses API
    "USD_TICKS_PER_USD": "_catalog",  # costs
    "cost_usd": "_usage",  # costs
    "count_prompt_tokens": "_tokens",  # offline token counts
    "count_tokens": "_tokens",  # offline token counts
    "split_tokens": "_tokens",  # offline token counts
    "token_id": "_tokens",  # offline token counts
    "AnswerLostError": "_errors",  # transport (issue 21)
    "backoff_delay": "_retry",  # transport (issue 21): the retry policy, for own retry loops
    "is_retryable": "_retry",  # transport (issue 21)
}

__all__ = [
    "MAX_FILE_BYTES",
    "USD_TICKS_PER_USD",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Annotation",
    "AnnotationAddedEvent",
    "AnswerLostError",
    "ApiKeyInfo",
    "AsyncChatStream",
    "AsyncGrokClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "Batch",
    "BatchError",
    "BatchPage",
    "BatchResult",
    "BatchResultPage",
    "BatchState",
    "BatchSupportUnknownWarning",
    "Catalog",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "ChatStream",
    "Choice",
    "ChunkChoice",
    "Citation",
    "Compaction",
    "CompactionItem",
    "CompactionUsage",
    "ContentPart",
    "ContentPartEvent",
    "ContextWindowExceededError",
    "CostEstimate",
    "DeadlineExceededError",
    "DeletedResponse",
    "Delta",
    "DeltaEvent",
    "DoneEvent",
    "ErrorEvent",
    "FileDeleted",
    "FileObject",
    "FilePage",
    "FilePart",
    "FileTooLargeError",
    "ForcedServerToolError",
    "FunctionCall",
    "FunctionCallInput",
    "FunctionCallItem",
    "FunctionCallOutput",
    "FunctionDefinition",
    "GeneratedImage",
    "GoneError",
    "GrokClient",
    "GrokError",
    "ImageConvertedWarning",
    "ImageDownscaledWarning",
    "ImageGenerationModel",
    "ImageInputError",
    "ImagePart",
    "ImageURL",
    "InputFile",
    "InputImage",
    "InputItemsPage",
    "InputMessage",
    "InputText",
    "InsecureBaseURLError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidToolError",
    "InvalidValueError",
    "LanguageModel",
    "Message",
    "MissingAPIKeyError",
    "Model",
    "ModelInfo",
    "ModelNotBatchableError",
    "NotFoundError",
    "OutputItemEvent",
    "OutputMessage",
    "OutputText",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningItem",
    "Response",
    "ResponseAccumulator",
    "ResponseBodyInterruptedError",
    "ResponseEvent",
    "ResponseLifecycleEvent",
    "ResponseStream",
    "ResponseUsage",
    "RetiredModelWarning",
    "ServerToolCall",
    "ServerToolsNotSupportedError",
    "ServiceUnavailableError",
    "Settings",
    "StreamAccumulator",
    "StreamInterruptedError",
    "TextPart",
    "TokenInfo",
    "Tool",
    "ToolCall",
    "ToolCallProgressEvent",
    "UnknownModelWarning",
    "UnknownParameterWarning",
    "UnknownToolTypeError",
    "UnprocessableEntityError",
    "UnsupportedFileTypeError",
    "UnsupportedParameterError",
    "Usage",
    "UsageLedger",
    "UsageRecord",
    "UsageSummary",
    "backoff_delay",
    "catalog",
    "chat_usage",
    "code_interpreter",
    "cost_usd",
    "count_prompt_tokens",
    "count_tokens",
    "estimate_cost",
    "get_async_client",
    "get_catalog",
    "get_client",
    "get_ledger",
    "image_part",
    "is_retryable",
    "mcp",
    "resolve_settings",
    "set_async_client",
    "set_client",
    "split_tokens",
    "token_id",
    "web_search",
    "x_search",
]

if TYPE_CHECKING:
    from ._accumulator import StreamAccumulator
    from ._batches import Batch, BatchError, BatchPage, BatchResult, BatchResultPage, BatchState
    from ._catalog import (
        USD_TICKS_PER_USD,
        Catalog,
        ModelInfo,
        RetiredModelWarning,
        get_catalog,
    )
    from ._client import AsyncGrokClient, GrokClient
    from ._default import get_async_client, get_client, set_async_client, set_client
    from ._errors import (
        AnswerLostError,
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BatchSupportUnknownWarning,
        ContextWindowExceededError,
        DeadlineExceededError,
        FileTooLargeError,
        GoneError,
        GrokError,
        ImageConvertedWarning,
        ImageDownscaledWarning,
        ImageInputError,
        InsecureBaseURLError,
        InternalServerError,
        InvalidRequestError,
        InvalidValueError,
        MissingAPIKeyError,
        ModelNotBatchableError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseBodyInterruptedError,
        ServiceUnavailableError,
        StreamInterruptedError,
        UnknownModelWarning,
        UnknownParameterWarning,
        UnprocessableEntityError,
        UnsupportedFileTypeError,
        UnsupportedParameterError,
    )
    from ._estimate import CostEstimate, estimate_cost
    from ._files import MAX_FILE_BYTES, FileDeleted, FileObject, FilePage
    from ._images import image_part
    from ._responses_accumulator import ResponseAccumulator
    from ._responses_context import Compaction, CompactionUsage, InputItemsPage
    from ._responses_events import (
        AnnotationAddedEvent,
        ContentPartEvent,
        DeltaEvent,
        DoneEvent,
        ErrorEvent,
        OutputItemEvent,
        ResponseEvent,
        ResponseLifecycleEvent,
        ToolCallProgressEvent,
    )
    from ._responses_request import chat_usage
    from ._responses_stream import AsyncResponseStream, ResponseStream
    from ._responses_types import (
        Annotation,
        Citation,
        CompactionItem,
        DeletedResponse,
        FunctionCallInput,
        FunctionCallItem,
        FunctionCallOutput,
        InputFile,
        InputImage,
        InputMessage,
        InputText,
        OutputMessage,
        OutputText,
        ReasoningItem,
        Response,
        ResponseUsage,
        ServerToolCall,
    )
    from ._retry import backoff_delay, is_retryable
    from ._server_tools import (
        ForcedServerToolError,
        InvalidToolError,
        ServerToolsNotSupportedError,
        UnknownToolTypeError,
        code_interpreter,
        mcp,
        web_search,
        x_search,
    )
    from ._settings import Settings, resolve_settings
    from ._streaming import AsyncChatStream, ChatStream
    from ._tokens import count_prompt_tokens, count_tokens, split_tokens, token_id
    from ._types import (
        ApiKeyInfo,
        ChatCompletion,
        ChatCompletionChunk,
        ChatRequest,
        Choice,
        ChunkChoice,
        ContentPart,
        Delta,
        FilePart,
        FunctionCall,
        FunctionDefinition,
        GeneratedImage,
        ImageGenerationModel,
        ImagePart,
        ImageURL,
        LanguageModel,
        Message,
        Model,
        TextPart,
        TokenInfo,
        Tool,
        ToolCall,
        Usage,
    )
    from ._usage import UsageLedger, UsageRecord, UsageSummary, cost_usd, get_ledger

    catalog: Catalog  # the shared catalogue: ``catalog.refresh(client)``


def __getattr__(name: str) -> Any:
    if name == "catalog":
        # The shared Catalog, loaded from catalog.json on first use (not cached
        # here, so it always is the instance get_catalog() returns).
        return importlib.import_module(f"{__name__}._catalog").get_catalog()
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
