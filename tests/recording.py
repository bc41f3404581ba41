"""Records what the magic displays, for the magic tests and the reliability suite."""

from __future__ import annotations

from typing import Any

from IPython.core.displaypub import DisplayPublisher


class RecordingPublisher(DisplayPublisher):
    """Keeps every ``publish`` (first shows and in-place updates) instead of printing.

    ``interrupt_on``: raise KeyboardInterrupt (once) at that update, as Ctrl-C
    would arrive while the answer is being shown.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events: list[dict[str, Any]] = []
        self.interrupt_on: int | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        self.events.append({"data": data, "transient": transient or {}, "update": update})
        if update and self.interrupt_on is not None and len(self.updates) >= self.interrupt_on:
            self.interrupt_on = None
            raise KeyboardInterrupt

    def clear_output(self, wait: bool = False) -> None:
        self.events.clear()

    @property
    def updates(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["update"]]

    def outputs(self) -> list[dict[str, Any]]:
        """What a saved notebook would hold: one entry per display, its final data."""
        final: dict[Any, dict[str, Any]] = {}
        order: list[Any] = []
        for i, event in enumerate(self.events):
            key = event["transient"].get("display_id", f"anonymous-{i}")
            if key not in final:
                order.append(key)
            final[key] = event["data"]
        return [final[k] for k in order]

    def shown(self) -> list[dict[str, Any]]:
        """The outputs that show something: a long answer streams as several outputs, and
        the final render puts it whole in the first and empties the rest."""
        return [data for data in self.outputs() if data != {"text/plain": ""}]

    def text(self) -> str:
        """Every mime bundle ever published, as one string (for content and secret scans)."""
        parts = []
        for event in self.events:
            for value in event["data"].values():
                parts.append(value if isinstance(value, str) else repr(value))
        return "\n".join(parts)
