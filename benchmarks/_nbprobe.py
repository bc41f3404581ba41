"""Child process for the notebook figures: the magic's display path and the panel.

``python -m benchmarks._nbprobe BASE_URL N REPEAT [WORDS]`` prints one JSON object:
``{subject: {"cpu": [...s per token], "wall": [...s], "updates": [...], "bytes": [...],
"fixed": messages of a 1-token turn, "error": str|None}}``. BASE_URL is the
pre-encoded server's plain ``/v1`` URL; the probe sets the stream length.

- ``bare stream``: the same answer streamed with no display (baseline), on the API
  the magic's turn took (``GrokClient.responses.stream`` or ``GrokClient.stream``):
  an untimed first turn of each front end says which, by the answer id the
  pre-encoded server gives each API; ``"wires"`` in the output reports them.
- ``%%grok``: the magic in an ``InteractiveShell`` with output forced to the
  display path and a display publisher that counts updates and serialises
  each bundle to JSON, as a kernel would before sending it.
- ``ChatPanel``: the panel answering the same prompt, its widgets on comms that
  count and JSON-serialise every message instead of sending it.

CPU is ``time.process_time`` (all threads of this process; the server runs
in another process).

``"display_bytes"``: the magic's display path (``DisplaySink``, as ``%%grok``
builds it, through the shell's display publisher) fed a WORDS-word answer one
word a token at ``TOKENS_PER_S`` on a simulated clock, so a stream that would
take minutes is measured in seconds; ``{"sent": bytes, "answer": bytes of the
final Markdown, "updates": n, "time_only": updates a pure 0.1 s throttle would
have sent, "max_gap": the longest time between two display messages, s}``. Bytes
are the JSON of each published bundle, as a kernel sends it.
"""

from __future__ import annotations

import gc
import itertools
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from ._harness import API_KEY, MODEL, Unavailable, describe_error

PROMPT = "Say hello."
BARE = "bare stream"  # GrokClient.stream or GrokClient.responses.stream, as the magic's turn


class _Meter:
    def __init__(self) -> None:
        self.sends = 0
        self.bytes = 0

    def take(self, payload: Any) -> None:
        self.sends += 1
        self.bytes += len(json.dumps(payload, default=str))


METER = _Meter()


def _baseline(base: str, n: int, wire: str = "chat") -> Callable[[], None]:
    """The same answer with no display, on the API the magic's turn used (``wire``)."""
    from grok_jupyter.client import GrokClient

    client = GrokClient(api_key=API_KEY, base_url=base, max_retries=0)

    def chat() -> None:
        with client.stream([{"role": "user", "content": PROMPT}], model=MODEL) as stream:
            for chunk in stream:
                if chunk.choices:
                    chunk.choices[0].delta.content  # noqa: B018  (what user code reads)

    def responses() -> None:
        with client.responses.stream(PROMPT, model=MODEL) as stream:
            for event in stream:
                if event.type == "response.output_text.delta":
                    event.delta  # noqa: B018  (what user code reads)

    return responses if wire == "responses" else chat


def _wire_of_last_turn(source: str) -> str | None:
    """"responses" or "chat": which API the last turn of ``source`` ("magic", "panel")
    reached, told by the id the pre-encoded server gives each API's answers."""
    from grok_jupyter.client import get_ledger

    from ._sse_server import CHUNK_ID, RESPONSE_ID

    for record in reversed(get_ledger().records):
        if record.source == source:
            return {RESPONSE_ID: "responses", CHUNK_ID: "chat"}.get(record.request_id or "")
    return None


def _magic(base: str, n: int) -> Callable[[], None]:
    try:
        import grok_jupyter.magic  # noqa: F401
    except Exception as exc:
        raise Unavailable(f"grok_jupyter.magic not importable ({exc})") from exc
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    from grok_jupyter.client import GrokClient, set_client

    class CountingPublisher(DisplayPublisher):
        def publish(self, data: Any, metadata: Any = None, source: Any = None, *,
                    transient: Any = None, update: bool = False, **kw: Any) -> None:
            METER.take({"data": data, "metadata": metadata, "transient": transient})

    shell = InteractiveShell.instance()
    if "grok" not in shell.magics_manager.magics["cell"]:
        shell.display_pub = CountingPublisher(shell=shell)
        shell.run_line_magic("load_ext", "grok_jupyter")
        shell.run_line_magic("config", "GrokMagics.output = 'display'")
        shell.run_line_magic("config", "GrokMagics.show_footer = True")
        set_client(GrokClient(api_key=API_KEY, base_url=base, max_retries=0))

    def run() -> None:
        before = METER.sends
        shell.run_cell_magic("grok", f"--no-history -m {MODEL}", PROMPT)
        if METER.sends == before:
            raise RuntimeError("the magic displayed nothing (see stderr)")

    return run


def _counting_comms() -> None:
    import comm
    from comm.base_comm import BaseComm

    class CountingComm(BaseComm):
        def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                        buffers: Any = None, **keys: Any) -> None:
            METER.take({"msg_type": msg_type, "data": data, "metadata": metadata})

    comm.create_comm = lambda *a, **kw: CountingComm(*a, **kw)


def _panel(base: str, n: int) -> Callable[[], None]:
    try:
        from grok_jupyter.panel.widget import ChatPanel
    except Exception as exc:
        raise Unavailable(f"grok_jupyter.panel.widget.ChatPanel not importable ({exc})") from exc
    from grok_jupyter.client import GrokClient, set_client

    _counting_comms()
    set_client(GrokClient(api_key=API_KEY, base_url=base, max_retries=0))
    panel, send = _panel_sender(ChatPanel, "bench-panel")

    def run() -> None:
        before = METER.sends
        send(PROMPT)
        if METER.sends == before:
            raise RuntimeError("the panel sent no widget messages")

    # Untimed, before each turn: forget the last answer, as the magic's --no-history does.
    run.prepare = getattr(panel, "clear", None)  # type: ignore[attr-defined]
    return run


def _panel_sender(panel_cls: Any, conversation: str) -> tuple[Any, Callable[[str], None]]:
    """The panel, and a blocking 'send this prompt' for it."""
    kwargs: dict[str, Any] = {"conversation": conversation} if _accepts(
        panel_cls, "conversation") else {}
    if _accepts(panel_cls, "model"):
        kwargs["model"] = MODEL
    panel = panel_cls(**kwargs)
    for name in ("ask", "send", "submit", "send_message"):
        fn = getattr(panel, name, None)
        if callable(fn):
            def run(text: str, fn: Callable[..., Any] = fn) -> None:
                out = fn(text)
                wait = getattr(out, "result", None) or getattr(panel, "wait", None)
                if callable(wait):
                    wait()
            return panel, run
    raise Unavailable("ChatPanel has no ask/send/submit method to drive it")


def _accepts(cls: Any, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


TOKENS_PER_S = 100.0  # about what grok models stream at


def _display_bytes(words: int) -> dict[str, Any]:
    from IPython.core.interactiveshell import InteractiveShell

    from grok_jupyter.emulator._responder import generate_words
    from grok_jupyter.magic.messages import footer
    from grok_jupyter.notebook.display import DisplaySink
    from grok_jupyter.notebook.turn import TurnResult

    shell = InteractiveShell.instance()
    sent: list[int] = []
    stamps: list[float] = []  # the simulated time of each message
    saved = shell.display_pub.publish

    def publish(data: Any, metadata: Any = None, source: Any = None, *,
                transient: Any = None, update: bool = False, **kw: Any) -> None:
        sent.append(len(json.dumps({"data": data, "metadata": metadata or {},
                                    "transient": transient or {}}, default=str)))
        stamps.append(now[0])

    now = [0.0]
    sink = DisplaySink(0.1)  # the magic's default throttle_interval
    sink.display._clock = sink.display.throttle._clock = lambda: now[0]
    observer = sink.observer()
    shell.display_pub.publish = publish  # type: ignore[method-assign]
    try:
        observer.on_status("waiting for the first token…")
        observer.on_status("streaming…")
        tokens = generate_words(words, "display-bytes").split(" ")
        for i, word in enumerate(tokens):
            now[0] += 1 / TOKENS_PER_S
            observer.on_text(word if i == 0 else " " + word)
        sink.view.footer = footer(TurnResult(text=sink.view.answer, model=MODEL,
                                             latency_s=now[0]))
        sink.finish("markdown")
    finally:
        shell.display_pub.publish = saved  # type: ignore[method-assign]
    answer = len(json.dumps(sink.view.markdown(final=True)))
    streaming = sorted(set(stamps))  # messages at one instant are one visible update
    gap = max((b - a for a, b in itertools.pairwise(streaming)), default=0.0)
    return {"sent": sum(sent), "answer": answer, "updates": len(sent),
            "time_only": int(now[0] / 0.1) + 2, "seconds": now[0], "max_gap": gap}


def _set_length(base: str, n: int) -> None:
    import httpx

    httpx.post(base.rsplit("/v1", 1)[0] + f"/_bench/set?n={n}").raise_for_status()


def main() -> None:
    base, n, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    words = int(sys.argv[4]) if len(sys.argv) > 4 else 50_000
    _set_length(base, n)
    makers: dict[str, Callable[[str, int], Callable[[], None]]] = {
        "%%grok": _magic, "ChatPanel": _panel}
    subjects: dict[str, Callable[[], None]] = {}
    out: dict[str, dict[str, Any]] = {}
    for name, make in makers.items():
        out[name] = {"cpu": [], "wall": [], "updates": [], "bytes": [], "error": None}
        try:
            subjects[name] = make(base, n)
            subjects[name]()  # one untimed turn: which API it takes (the engine decides)
        except Exception as exc:
            traceback.print_exc()
            out[name]["error"] = describe_error(exc)
            subjects.pop(name, None)
    # The baseline streams the same answer on the API the magic's turn took.
    wires = {"%%grok": _wire_of_last_turn("magic"), "ChatPanel": _wire_of_last_turn("panel")}
    wire = wires["%%grok"] or "chat"
    out[BARE] = {"cpu": [], "wall": [], "updates": [], "bytes": [], "error": None}
    subjects = {BARE: _baseline(base, n, wire), **subjects}
    makers = {BARE: _baseline, **makers}
    live = list(subjects)
    for r in range(-1, repeat):  # round -1 warms up
        order = live[r % len(live):] + live[: r % len(live)] if live else []
        for name in order:
            if name not in live:
                continue
            prepare = getattr(subjects[name], "prepare", None)
            if callable(prepare):
                prepare()
            gc.collect()
            sends, nbytes = METER.sends, METER.bytes
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                subjects[name]()
            except Exception as exc:
                traceback.print_exc()
                out[name]["error"] = describe_error(exc)
                live.remove(name)
                continue
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            if r >= 0:
                rec = out[name]
                rec["cpu"].append(cpu / n)
                rec["wall"].append(wall)
                rec["updates"].append(METER.sends - sends)
                rec["bytes"].append(METER.bytes - nbytes)
    # Messages a 1-token turn sends: the per-turn part (status, buttons, final render).
    _set_length(base, 1)
    for name in live:
        prepare = getattr(subjects[name], "prepare", None)
        if callable(prepare):
            prepare()
        sends = METER.sends
        subjects[name]()
        out[name]["fixed"] = METER.sends - sends
    for name in makers:
        if out[name]["error"]:
            for k in ("cpu", "wall", "updates", "bytes"):
                out[name][k] = []
    out["wires"] = {**wires, BARE: wire}
    try:
        out["display_bytes"] = _display_bytes(words)
    except Exception as exc:
        traceback.print_exc()
        out["display_bytes"] = {"error": describe_error(exc)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
