"""LangChain's standard unit tests for ChatGrok, with the default (automatic) API choice
and with ``use_responses_api=False`` (chat completions)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.unit_tests import ChatModelUnitTests

from tests.langchain.chatgrok_capabilities import MODEL, ChatGrokCapabilities


class TestChatGrokStandardUnit(ChatGrokCapabilities, ChatModelUnitTests):
    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"XAI_API_KEY": "api_key", "XAI_BASE_URL": "http://127.0.0.1:9/v1"},
            {"model": MODEL},
            {"api_key": "api_key", "base_url": "http://127.0.0.1:9/v1"},
        )

    @pytest.mark.xfail(
        reason=(
            "the stock test loads with allowed_objects='all', which admits only the classes "
            "in langchain-core's own serialization mapping (langchain_core/load/mapping.py, "
            "where ChatXAI is listed; load.py _get_default_allowed_class_paths builds the "
            "allowlist from ALL_SERIALIZABLE_MAPPINGS, and Reviver.__call__ raises "
            "ValueError 'Deserialization of ... is not allowed', langchain-core 1.8.3): no "
            "package outside langchain-core can pass. test_model.py::"
            "test_serialisation_round_trip checks the round trip with allowed_objects=[ChatGrok]."
        ),
        strict=True,
        raises=ValueError,
    )
    def test_serdes(self, model: Any, snapshot: Any) -> None:
        super().test_serdes(model, snapshot)


class TestChatGrokStandardUnitChat(TestChatGrokStandardUnit):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "use_responses_api": False}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env, params, expected = super().init_from_env_params
        return env, {**params, "use_responses_api": False}, expected
