"""Helpers for the emulator tests: SSE parsing and test images."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

KEY = "xai-emulator-test-key-7Qk9"  # the same fake key as tests/conftest.py


def parse_sse(text: str) -> list[Any]:
    """Each ``data:`` event, JSON-decoded ("[DONE]" kept as a string)."""
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        assert block.startswith("data: "), block
        data = block[len("data: ") :]
        events.append(data if data == "[DONE]" else json.loads(data))
    return events


def image_data_url(colour: str = "red", size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    mime = "jpeg" if fmt == "JPEG" else fmt.lower()
    return f"data:image/{mime};base64," + base64.b64encode(out.getvalue()).decode()


def user_with_image(text: str, url: str) -> list[dict[str, Any]]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": {"url": url}},
            ],
        }
    ]
