"""Helpers for the panel tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import datetime, timezone
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
             "last_modified": datetime.now(timezone.utc)},)


def all_widgets(root: Any) -> list[Any]:
    """``root`` and every widget inside it (children, layouts, styles): what a frontend gets."""
    import ipywidgets as widgets

    found, todo = [], [root]
    while todo:
        widget = todo.pop()
        found.append(widget)
        for key in widget.keys:
            value = getattr(widget, key)
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, widgets.Widget):
                    todo.append(item)
    return found


class Kernel:
    """A real ipykernel, driven as a frontend would; every IOPub message is kept in order."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3", startup_timeout=60)
        self.events: list[dict[str, Any]] = []  # IOPub messages in arrival order

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def _pump(self, timeout: float) -> dict[str, Any] | None:
        import queue

        try:
            msg = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        self.events.append(msg)
        return msg

    def execute(self, code: str, timeout: float = 60) -> str:
        """Run a cell until the kernel is idle again; its stdout. Raises on an error."""
        msg_id = self.client.execute(code)
        out, error = [], None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._pump(0.5)
            if msg is None or msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                if error:
                    raise AssertionError(f"cell failed: {error}")
                return "".join(out)
        raise AssertionError(f"cell did not finish: {code!r}")

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], what: str,
                 timeout: float = 30) -> int:
        """Wait for an IOPub message matching ``predicate``; its index in ``events``."""
        for index, msg in enumerate(self.events):
            if predicate(msg):
                return index
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._pump(0.5)
            if msg is not None and predicate(msg):
                return len(self.events) - 1
        raise AssertionError(f"gave up waiting for {what}")

    def index(self, predicate: Callable[[dict[str, Any]], bool]) -> int:
        return next(i for i, msg in enumerate(self.events) if predicate(msg))
