"""Opt-in checks of the emulator's claims against the real api.x.ai.

Run with ``pytest -m live`` and a real ``XAI_API_KEY``, with ``XAI_BASE_URL``
unset (the root conftest skips these when it is set). They spend a few cents.
"""

from __future__ import annotations

import json
import os

import pytest

from grok_jupyter.client import (
    AuthenticationError,
    BadRequestError,
    GrokClient,
    Message,
    TextPart,
    image_part,
)

pytestmark = pytest.mark.live

MODEL = os.environ.get("GROK_LIVE_MODEL", "grok-4.3")


def test_chat(live):
    r = live.chat('Reply with exactly the word "pong".', model=MODEL, max_tokens=20)
    assert "pong" in r.text.lower()
    assert r.usage.cost_in_usd_ticks is not None
    assert r.system_fingerprint and r.system_fingerprint.startswith("fp_")


def test_stream_with_usage_chunk_last(live):
    s = live.stream("Count from 1 to 5.", model=MODEL, max_tokens=50)
    chunks = list(s)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert sum(1 for c in chunks if c.usage is not None) == 1
    assert s.accumulator.finish_reason in ("stop", "length")


def test_tool_call_arrives_whole(live):
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    s = live.stream("Use get_weather for Paris.", model=MODEL, tools=[tool], tool_choice="required")
    chunks = list(s)
    with_calls = [c for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert with_calls
    first = with_calls[0].choices[0].delta.tool_calls[0]
    assert json.loads(first.function.arguments)  # whole JSON in one chunk


def test_image_input(live):
    from PIL import Image

    part = image_part(Image.new("RGB", (64, 64), (255, 0, 0)), detail="low")
    msg = Message.user([TextPart(text="One word: what colour is this image?"), part])
    r = live.chat([msg], model=MODEL, max_tokens=10)
    assert "red" in r.text.lower()
    assert r.usage.image > 0


def test_rejected_parameter_is_400(live):
    # reasoning_effort on grok-4.20 is a verified rejection (xai-api-2026.md §4.1, [V] VER).
    live.validate = False
    with pytest.raises(BadRequestError, match=r"(?i)reasoning|not support|invalid"):
        live.chat("hi", model="grok-4.20-0309-reasoning", reasoning_effort="low", max_tokens=5)


def test_bad_key_is_400_authentication_error():
    with GrokClient(api_key="xai-definitely-not-a-real-key-000") as c:
        with pytest.raises(AuthenticationError) as err:
            c.chat("hi", model=MODEL)
    assert err.value.status_code == 400
