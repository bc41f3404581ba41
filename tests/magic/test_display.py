"""The throttle and the streaming display, with a fake clock and a fake display."""

from __future__ import annotations

from grok_jupyter.notebook.display import AnswerView, StreamingMarkdown, Throttle, call_signature


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttle_is_ready_at_most_once_per_interval() -> None:
    clock = FakeClock()
    throttle = Throttle(0.1, clock=clock)
    ready = []
    for _ in range(1000):  # 1,000 deltas over one second
        ready.append(throttle.ready())
        clock.now += 0.001
    assert ready[0] is True
    assert sum(ready) == 10


def test_zero_interval_is_always_ready() -> None:
    throttle = Throttle(0)
    assert all(throttle.ready() for _ in range(5))


class FakeHandle:
    def __init__(self, log: list) -> None:
        self.log = log

    def update(self, bundle: dict, raw: bool = False) -> None:
        self.log.append(("update", bundle))


def test_streaming_markdown_updates_one_handle_and_always_sends_the_final() -> None:
    log: list = []

    def display(bundle: dict, raw: bool = False, display_id: bool = False) -> FakeHandle:
        log.append(("display", bundle))
        return FakeHandle(log)

    shown = StreamingMarkdown(interval=3600, display=display)  # nothing passes the throttle
    shown.start("waiting for first token…")
    for word in ["Hello", " world"] * 50:
        shown.view.text.append(word)
        shown.refresh()
    shown.view.footer = "grok-x · 1 s"
    shown.finish(shown.final_bundle("markdown"))
    assert [kind for kind, _ in log] == ["display", "update"]
    final = log[-1][1]["text/markdown"]
    assert final.startswith("Hello world") and final.endswith("<sub>grok-x · 1 s</sub>")
    assert "waiting" not in final
    assert shown.updates == 2


def test_view_renders_reasoning_collapsed_and_tools() -> None:
    view = AnswerView()
    view.reasoning.append("Think <carefully>.")
    view.add_tool_call("c1", "add", '{"a": 1, "b": 2}')
    view.set_tool_result("c1", "3", None)
    view.add_tool_call("c2", "fail", "{}")
    view.set_tool_result("c2", '{"error": "boom"}', "ValueError: boom")
    view.text.append("It is **3**.")
    md = view.markdown(final=True)
    assert md.startswith("<details><summary>Reasoning (2 words)</summary>")
    assert "Think &lt;carefully&gt;." in md  # escaped inside the HTML block
    assert "- 🔧 `add(a=1, b=2)` → `3`" in md
    assert "- 🔧 `fail()` → ⚠️ `ValueError: boom`" in md
    assert md.rstrip().endswith("It is **3**.")
    plain = view.plain(final=True)
    assert plain.splitlines()[0] == "tool add(a=1, b=2) -> 3"


def test_call_signature_tolerates_odd_arguments() -> None:
    assert call_signature("f", "not json") == "f(not json)"
    assert call_signature("f", "[1, 2]") == "f([1, 2])"
    assert call_signature("f", "") == "f()"
