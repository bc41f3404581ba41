"""Helpers for the panel tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

    @classmethod
    def running(cls) -> Iterator[Kernel]:
        """A kernel for one test (a fixture's body), shut down after it. It inherits
        XAI_API_KEY / XAI_BASE_URL, which the ``emu`` fixture points at the emulator."""
        kernel = cls()
        try:
            yield kernel
        finally:
            kernel.shutdown()

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

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 30
    ) -> int:
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


# --- what the panel's browser side sends and receives ------------------------------------

_send_ids = iter(range(1, 1_000_000))


def from_browser(panel: Any, content: dict[str, Any], buffers: Any = ()) -> None:
    """Deliver a custom message from the panel's script, as the kernel's comm does."""
    panel._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": list(buffers)}
    )


def browser_sets(panel: Any, **state: Any) -> None:
    """A control changed in the browser (the model picker, a toggle, a field)."""
    panel._handle_msg(
        {
            "content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
            "buffers": [],
        }
    )


def browser_send(panel: Any, text: str, files: Any = ()) -> str:
    """Press Enter in the panel: the text and the files (name, bytes) in one message."""
    send_id = f"s{next(_send_ids)}"
    meta = [{"name": name, "type": "", "size": len(data)} for name, data in files]
    from_browser(
        panel,
        {"type": "send", "id": send_id, "text": text, "files": meta},
        [memoryview(data) for _, data in files],
    )
    return send_id


def to_browser(comms: list, panel: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """The custom messages the kernel sent to the panel's script (of ``kind``)."""
    found = []
    for cid, _msg_type, data in list(comms):
        if cid == panel.comm.comm_id and data.get("method") == "custom":
            content = data.get("content") or {}
            if kind is None or content.get("type") == kind:
                found.append(content)
    return found


def state_updates(comms: list, panel: Any, key: str) -> list[Any]:
    """The values of trait ``key`` the browser received, in order."""
    return [
        data["state"][key]
        for cid, _kind, data in list(comms)
        if cid == panel.comm.comm_id
        and data.get("method") == "update"
        and key in data.get("state", {})
    ]


def ask(panel: Any, text: str, files: Any = ()) -> Any:
    """Type ``text`` in the panel and press Enter (the browser's send message); the turn's
    result once it is done."""
    browser_send(panel, text, files)
    return panel.wait(60)


def stop_a_long_answer(emu: Any, panel: Any) -> Any:
    """Ask for a long, slow answer and press Stop while it streams; the interrupted turn's
    result (its usage is known, measured or estimated)."""
    emu.inject("slow_chunks", delay=0.02)
    browser_send(panel, "reply with 3000 words")
    wait_until(lambda: len(panel.live_html) > 300, "the answer to stream")
    from_browser(panel, {"type": "stop"})
    result = panel.wait(30)
    assert result.interrupted and result.usage is not None
    return result


def live_views(comms: list, panel: Any) -> list[str]:
    """The live answer's HTML after each ``live`` message, replayed as the script applies
    them (static/chat.js ``liveAnswerView``: ``keep`` counts UTF-16 units)."""

    def splice(old: str, keep: int, add: str) -> str:
        return old.encode("utf-16-le")[: 2 * keep].decode("utf-16-le") + add

    head, body, tail, shown = "", "", "", []
    for msg in to_browser(comms, panel, "live"):
        if msg.get("reset"):
            head, body, tail = "", "", ""
        head = msg.get("head", head)
        body += msg.get("append", "")
        if "tail" in msg:
            tail = splice(tail, msg.get("keep", 0), msg["tail"])
        shown.append(head + body + tail)
    return shown


@contextmanager
def closing_panels(make_panel: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """A maker of panels (``make_panel(*args, **kwargs)``) whose panels are each stopped,
    waited for and closed at the end (the tests' ``panels`` fixtures)."""
    made: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        panel = make_panel(*args, **kwargs)
        made.append(panel)
        return panel

    try:
        yield make
    finally:
        for panel in made:
            panel.stop()
            panel.wait(10)
            panel.close()
