"""The package surface: a locked ``__all__``, cheap imports, settings, masked reprs."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

import grok_jupyter.client as client_module
from grok_jupyter.client import (
    AsyncGrokClient,
    GrokClient,
    MissingAPIKeyError,
    get_async_client,
    get_client,
    resolve_settings,
    set_async_client,
    set_client,
)

TEST_API_KEY = "xai-repr-test-key-Zq81"

EXPECTED_ALL = [
    "APIConnectionError", "APIStatusError", "APITimeoutError", "ApiKeyInfo",
    "AsyncChatStream", "AsyncGrokClient", "AuthenticationError", "BadRequestError",
    "Catalog", "ChatCompletion", "ChatCompletionChunk", "ChatRequest", "ChatStream",
    "ContextWindowExceededError", "DeadlineExceededError", "FunctionCall", "FunctionDefinition",
    "GeneratedImage", "GoneError", "GrokClient", "GrokError", "ImageConvertedWarning",
    "ImageDownscaledWarning", "ImageGenerationModel", "ImageInputError", "ImagePart",
    "InsecureBaseURLError", "InternalServerError", "InvalidRequestError", "InvalidValueError",
    "LanguageModel", "Message", "MissingAPIKeyError", "Model",
    "ModelInfo", "NotFoundError", "PermissionDeniedError", "RateLimitError",
    "ResponseBodyInterruptedError", "RetiredModelWarning", "ServiceUnavailableError", "Settings",
    "StreamAccumulator",
    "StreamInterruptedError", "TextPart", "TokenInfo", "Tool", "ToolCall", "UnknownModelWarning",
    "UnknownParameterWarning", "UnprocessableEntityError", "UnsupportedParameterError", "Usage",
    "UsageLedger",
    "UsageRecord", "UsageSummary", "catalog", "get_async_client", "get_catalog", "get_client",
    "get_ledger", "image_part", "resolve_settings", "set_async_client", "set_client",
]  # fmt: skip
# The Responses API (issue 13).
EXPECTED_ALL = sorted([
    *EXPECTED_ALL, "AsyncResponseStream", "Citation", "DeletedResponse", "ForcedServerToolError",
    "FunctionCallInput", "FunctionCallOutput", "InputFile", "InputImage", "InputMessage",
    "InputText", "InvalidToolError", "Response", "ResponseAccumulator", "ResponseEvent",
    "ResponseStream", "ResponseUsage", "ServerToolCall", "ServerToolsNotSupportedError",
    "UnknownToolTypeError", "code_interpreter", "mcp", "web_search", "x_search",
])  # fmt: skip
# The Files and Batch APIs (issue 14).
EXPECTED_ALL = sorted([
    *EXPECTED_ALL, "Batch", "BatchError", "BatchPage", "BatchResult", "BatchResultPage",
    "BatchState", "FileDeleted", "FileObject", "FilePage", "FileTooLargeError",
    "UnsupportedFileTypeError",
])  # fmt: skip
# The September-2026 API (issue 20): the estimator, batch support, compaction, input items.
EXPECTED_ALL = sorted([
    *EXPECTED_ALL, "BatchSupportUnknownWarning", "Compaction", "CompactionItem",
    "CompactionUsage", "CostEstimate", "InputItemsPage", "ModelNotBatchableError",
    "estimate_cost",
])  # fmt: skip


# What an adapter on the client (langchain_grok) needs, so it imports no private
# module (issue 19): wire types, Responses items and events, costs, token counts.
EXPECTED_ALL = sorted([
    *EXPECTED_ALL, "Annotation", "AnnotationAddedEvent", "Choice", "ChunkChoice", "ContentPart",
    "ContentPartEvent", "Delta", "DeltaEvent", "DoneEvent", "ErrorEvent", "FilePart",
    "FunctionCallItem", "ImageURL", "MAX_FILE_BYTES", "OutputItemEvent", "OutputMessage",
    "OutputText", "ReasoningItem", "ResponseLifecycleEvent", "ToolCallProgressEvent",
    "USD_TICKS_PER_USD", "chat_usage", "cost_usd", "count_prompt_tokens", "count_tokens",
    "split_tokens", "token_id",
])  # fmt: skip
# Transport (issue 21): a lost answer is typed; the retry policy for callers' own loops.
EXPECTED_ALL = sorted([*EXPECTED_ALL, "AnswerLostError", "backoff_delay", "is_retryable"])


def test_all_is_locked_and_every_name_resolves():
    # Adding or dropping a public name is a decision: this list changes with it.
    assert sorted(client_module.__all__) == EXPECTED_ALL
    assert len(set(client_module.__all__)) == len(client_module.__all__)
    for name in client_module.__all__:
        assert getattr(client_module, name) is not None, name
    # What ``import *`` and dir() show is what the package says it exports.
    assert dir(client_module) == EXPECTED_ALL


def test_lazy_table_matches_all_and_names_the_defining_module():
    names = client_module._NAMES
    assert set(names) | {"catalog"} == set(client_module.__all__)
    for name, module in names.items():
        defined = importlib.import_module(f"grok_jupyter.client.{module}")
        assert getattr(defined, name) is getattr(client_module, name), name


def test_type_checkers_see_every_public_name_from_its_module():
    # ``if TYPE_CHECKING:`` imports give editors and mypy the real types behind
    # the lazy ``__getattr__``; a name missing there would type as Any.
    tree = ast.parse(Path(client_module.__file__).read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    seen = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == client_module._NAMES  # relative imports: ``from ._types import X``


def test_catalog_is_the_shared_instance():
    from grok_jupyter.client import catalog, get_catalog

    assert catalog is get_catalog()
    assert "grok-3" in catalog


def _imported_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_importing_the_package_loads_nothing_heavy():
    mods = _imported_after("import grok_jupyter.client")
    for heavy in ("httpx2", "pydantic", "PIL", "numpy", "IPython", "ipywidgets", "langchain_core"):
        assert heavy not in mods


def test_using_the_client_loads_no_notebook_or_langchain_or_image_libs():
    mods = _imported_after(
        "from grok_jupyter.client import GrokClient, get_client, catalog, image_part\n"
        "GrokClient(api_key='k'); get_client(); len(catalog)"
    )
    assert "httpx2" in mods
    for heavy in (
        "PIL",
        "numpy",
        "matplotlib",
        "IPython",
        "ipywidgets",
        "langchain_core",
        "httpx_sse",
    ):
        assert heavy not in mods


def test_settings_default_when_nothing_is_set(monkeypatch):
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    monkeypatch.delenv("XAI_BASE_URL", raising=False)
    s = resolve_settings()
    assert s.api_key is None
    assert s.base_url == "https://api.x.ai/v1"
    assert s.timeout.connect == 10.0 and s.timeout.read == 120.0
    assert s.max_retries == 2


def test_settings_environment_then_explicit(monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", "xai-from-env-000000")
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:9/v1/")
    s = resolve_settings()
    assert (s.api_key, s.base_url) == ("xai-from-env-000000", "http://127.0.0.1:9/v1")
    s = resolve_settings(
        "xai-explicit-11111111", "http://example.test/v1", timeout=3, max_retries=0
    )
    assert (s.api_key, s.base_url, s.max_retries) == (
        "xai-explicit-11111111",
        "http://example.test/v1",
        0,
    )
    assert s.timeout == httpx.Timeout(3.0)


def test_missing_key_raises_at_first_request_and_says_what_to_do(monkeypatch, emu):
    monkeypatch.delenv("XAI_API_KEY")
    set_client(None)
    client = get_client()  # constructing needs no key: offline uses keep working
    assert client.catalog.resolve("grok-3") is not None
    with pytest.raises(MissingAPIKeyError) as err:
        client.chat("hi")
    text = str(err.value)
    assert "XAI_API_KEY" in text and "python -m grok_jupyter.emulator" in text
    assert "%grok emulator" in text
    assert isinstance(err.value, ValueError)
    assert emu.requests == []


def test_repr_masks_the_key():
    c = GrokClient(api_key=TEST_API_KEY, base_url="http://127.0.0.1:9/v1")
    for text in (repr(c), str(c), repr(c.settings)):
        assert TEST_API_KEY not in text
        assert "xai-" in text  # but shows that a key is set
    c.close()


def test_default_clients_are_shared_and_resettable(emu, api_key):
    a = get_client()
    assert get_client() is a
    assert a.base_url == emu.base_url  # built from XAI_BASE_URL
    mine = GrokClient(api_key=api_key, base_url=emu.base_url)
    set_client(mine)
    assert get_client() is mine
    set_client(None)
    assert get_client() not in (a, mine)
    b = get_async_client()
    assert get_async_client() is b and isinstance(b, AsyncGrokClient)
    set_async_client(None)
    assert get_async_client() is not b
    with pytest.raises(TypeError):
        set_client(b)  # type: ignore[arg-type]
    mine.close()


def test_default_client_works_end_to_end(emu):
    assert get_client().chat("Say hello").text  # the emulator accepted the key from XAI_API_KEY
    assert emu.chat_requests[0].headers["authorization"].startswith("Bearer ")


def test_user_supplied_http_client_is_used_and_not_closed(emu, api_key):
    with httpx.Client() as http:
        with GrokClient(api_key=api_key, base_url=emu.base_url, http_client=http) as c:
            assert c.chat("hi").text
        assert not http.is_closed
