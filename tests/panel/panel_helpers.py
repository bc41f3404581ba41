"""Helpers for the panel tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for something the panel will show; the timeout only guards a hang."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)


def png_bytes(color: str = "red", size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def upload_value(name: str, data: bytes, mime: str = "image/png") -> tuple[dict[str, Any], ...]:
    """What ipywidgets' FileUpload holds after a user picks ``name``."""
    return ({"name": name, "type": mime, "size": len(data), "content": memoryview(data),
             "last_modified": 0},)
