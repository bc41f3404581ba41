"""``grok_jupyter.client``: the one backend the magic, the panel and ``ChatGrok`` share.

``GrokClient`` / ``AsyncGrokClient`` talk to the xAI REST API (or the local
emulator) on pooled httpx clients; ``get_client()`` is the process-wide one.
Names load lazily (PEP 562): importing this package pulls in neither httpx
nor pydantic until a name is used. No IPython, ipywidgets or LangChain here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> private module that defines it
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
}

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
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
    "Citation",
    "Compaction",
    "CompactionItem",
    "CompactionUsage",
    "ContextWindowExceededError",
    "CostEstimate",
    "DeadlineExceededError",
    "DeletedResponse",
    "FileDeleted",
    "FileObject",
    "FilePage",
    "FileTooLargeError",
    "ForcedServerToolError",
    "FunctionCall",
    "FunctionCallInput",
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
    "PermissionDeniedError",
    "RateLimitError",
    "Response",
    "ResponseAccumulator",
    "ResponseBodyInterruptedError",
    "ResponseEvent",
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
    "catalog",
    "code_interpreter",
    "estimate_cost",
    "get_async_client",
    "get_catalog",
    "get_client",
    "get_ledger",
    "image_part",
    "mcp",
    "resolve_settings",
    "set_async_client",
    "set_client",
    "web_search",
    "x_search",
]

if TYPE_CHECKING:
    from ._accumulator import StreamAccumulator
    from ._batches import Batch, BatchError, BatchPage, BatchResult, BatchResultPage, BatchState
    from ._catalog import Catalog, ModelInfo, RetiredModelWarning, get_catalog
    from ._client import AsyncGrokClient, GrokClient
    from ._default import get_async_client, get_client, set_async_client, set_client
    from ._errors import (
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
    from ._files import MAX_FILE_BYTES as MAX_FILE_BYTES  # not in __all__ (a constant)
    from ._files import FileDeleted, FileObject, FilePage
    from ._images import image_part
    from ._responses_context import Compaction, CompactionUsage, InputItemsPage
    from ._responses_types import CompactionItem
    from ._settings import Settings, resolve_settings
    from ._streaming import AsyncChatStream, ChatStream
    from ._types import (
        ApiKeyInfo,
        ChatCompletion,
        ChatCompletionChunk,
        ChatRequest,
        FunctionCall,
        FunctionDefinition,
        GeneratedImage,
        ImageGenerationModel,
        ImagePart,
        LanguageModel,
        Message,
        Model,
        TextPart,
        TokenInfo,
        Tool,
        ToolCall,
        Usage,
    )
    from ._usage import UsageLedger, UsageRecord, UsageSummary, get_ledger

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
