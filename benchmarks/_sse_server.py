"""A minimal pre-encoded xAI-style server on loopback, for client benchmarks.

Every response body is built once, as bytes, and then only written, so the
server's cost stays out of the client's loop. Run it in its own process
(``SSEServer`` does that) so it does not share the client's CPU.

Routes (any method; the body only decides stream or not):

- ``POST /n/<N>/v1/chat/completions`` with ``"stream": true``: an SSE stream
  of N content chunks (xAI framing: first chunk carries the role, no
  ``finish_reason`` key on intermediate chunks, a finish chunk, a usage chunk,
  ``data: [DONE]``), in large HTTP chunks. ``/e/<N>/...``: the same with each
  event in its own HTTP chunk, as a server flushing every token sends it.
- the same without ``"stream": true``: a small ``chat.completion`` JSON.
- ``POST /n/<N>/v1/responses`` with ``"stream": true``: a Responses event stream
  (shared/xai-api-2026.md section 2.5: ``response.created``, ``in_progress``,
  the message item and its part, N ``response.output_text.delta`` events,
  ``output_text.done``, the part and item closing, ``response.completed`` with
  the whole object and usage; ``sequence_number`` from 0 without gaps; ``data:``
  lines only, no ``[DONE]``). Without ``"stream": true``: the response object.
- ``/v1/...`` without the prefix: as last set by ``POST /_bench/set?n=N&per_event=0|1``
  (N = 100 at first), so one client can be reused across sizes.

``python -m benchmarks._sse_server [--port P]`` prints ``PORT <p>`` and serves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from functools import lru_cache

MODEL = "grok-4.20-0309-non-reasoning"
CHUNK_ID = "0d6c5a9e-3f41-4b7e-9c2d-7a1b8e5f4c30"
CREATED = 1_760_000_000
FINGERPRINT = "fp_9362061f30"
DEFAULT_N = 100
_BLOCK = 1000  # chunks per pre-encoded block; longer streams repeat it
_WRITE = 256 * 1024  # bytes per socket write

# Words for the content deltas: realistic token-sized strings.
_WORDS = (
    " the", " model", " streams", " tokens", " quickly", ",", " and", " each", " chunk",
    " carries", " one", " word", " of", " text", ".", " Grok", " answers", " in",
    " a", " notebook",
)


def _chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    choice: dict[str, object] = {"index": 0, "delta": delta}
    if finish is not None:
        choice["finish_reason"] = finish
    return {
        "id": CHUNK_ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "choices": [choice],
        "system_fingerprint": FINGERPRINT,
    }


def _usage(n: int) -> dict[str, int | dict[str, int]]:
    return {
        "prompt_tokens": 12,
        "completion_tokens": n,
        "total_tokens": 12 + n,
        "prompt_tokens_details": {"text_tokens": 12, "audio_tokens": 0, "image_tokens": 0,
                                  "cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
        "num_sources_used": 0,
    }


def _event(obj: object) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def _frame(events: list[bytes], per_event: bool) -> bytes:
    """HTTP/1.1 chunked framing: one chunk per event, or one for all of them."""
    if not events:
        return b""
    if per_event:
        return b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)
    data = b"".join(events)
    return b"%x\r\n%s\r\n" % (len(data), data)


def stream_text(n: int) -> str:
    """The content the stream of ``n`` chunks delivers (for checks)."""
    return "".join(_WORDS[i % len(_WORDS)] for i in range(n))


def _content(i: int) -> bytes:
    return _event(_chunk({"content": _WORDS[i % len(_WORDS)]}))


@lru_cache(maxsize=16)
def _stream_parts(n: int, per_event: bool) -> tuple[bytes, bytes, int, bytes]:
    """(head, block, block_repeats, tail): the body is head + block*repeats + tail."""
    first = _event(_chunk({"content": _WORDS[0], "role": "assistant"}))
    reps = max(0, (n - 1) // _BLOCK - 1) if n > 2 * _BLOCK else 0
    # _BLOCK is a multiple of len(_WORDS), so repeated blocks keep the words in sequence.
    block = _frame([_content(i) for i in range(1, 1 + _BLOCK)], per_event) if reps else b""
    rest = [_content(i) for i in range(1 + reps * _BLOCK, n)]
    end = [_event(_chunk({}, finish="stop")),
           _event({**_chunk({}), "choices": [], "usage": _usage(n)}),
           b"data: [DONE]\n\n"]
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
    ) + _frame([first], per_event)
    return head, block, reps, _frame(rest + end, per_event) + b"0\r\n\r\n"


@lru_cache(maxsize=1)
def _json_reply() -> bytes:
    body = json.dumps({
        "id": CHUNK_ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Hello! How can I help you today?",
                        "refusal": None},
            "finish_reason": "stop",
        }],
        "usage": _usage(9),
        "system_fingerprint": FINGERPRINT,
    }, separators=(",", ":")).encode()
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s") % (len(body), body)


# --- Responses API mode (/v1/responses) ------------------------------------
RESPONSE_ID = "8e1f4c2a-5b7d-4e9a-a3c6-2d0f9b8e7a15"  # bare UUID, no resp_ prefix (§2.3)
_MSG_ID = f"msg_{RESPONSE_ID}"


def _response_object(status: str, output: list[dict[str, object]],
                     usage: dict[str, object] | None) -> dict[str, object]:
    """The response object in the 2026 key layout (section 2.3)."""
    return {
        "created_at": CREATED, "completed_at": CREATED if status == "completed" else None,
        "id": RESPONSE_ID, "max_output_tokens": None, "model": MODEL, "object": "response",
        "output": output, "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None}, "temperature": None,
        "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
        "top_p": None, "user": None, "incomplete_details": None, "status": status,
        "store": True, "metadata": {"system_fingerprint": FINGERPRINT}, "background": False,
        "service_tier": "default", "truncation": "disabled", "top_logprobs": 0,
        "presence_penalty": 0, "frequency_penalty": 0, "prompt_cache_key": None,
        "max_tool_calls": None, "safety_identifier": None, "error": None,
        "instructions": None, "usage": usage,
    }


def _responses_usage(n: int) -> dict[str, object]:
    return {
        "input_tokens": 12, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": n, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12 + n, "num_sources_used": 0, "num_server_side_tools_used": 0,
        "cost_in_usd_ticks": 1250 * n,
    }


def _message_item(text: str, status: str) -> dict[str, object]:
    content = [{"type": "output_text", "text": text, "logprobs": [], "annotations": []}]
    return {"content": content if status == "completed" else [], "id": _MSG_ID,
            "role": "assistant", "type": "message", "status": status}


def responses_events(n: int) -> list[dict[str, object]]:
    """Every event of a Responses stream with ``n`` text deltas, numbered (for checks)."""
    text = stream_text(n)
    where = {"content_index": 0, "item_id": _MSG_ID, "output_index": 0}
    part = {"type": "output_text", "text": text, "logprobs": [], "annotations": []}
    start = _response_object("in_progress", [], None)
    done_item = _message_item(text, "completed")
    events: list[dict[str, object]] = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
        {"type": "response.output_item.added", "item": _message_item("", "in_progress"),
         "output_index": 0},
        {"type": "response.content_part.added", **where, "part": {**part, "text": ""}},
    ]
    events += [{"type": "response.output_text.delta", **where,
                "delta": _WORDS[i % len(_WORDS)], "logprobs": []} for i in range(n)]
    events += [
        {"type": "response.output_text.done", **where, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **where, "part": part},
        {"type": "response.output_item.done", "item": done_item, "output_index": 0},
        {"type": "response.completed",
         "response": _response_object("completed", [done_item], _responses_usage(n))},
    ]
    return [{"sequence_number": k, **e} for k, e in enumerate(events)]


@lru_cache(maxsize=8)
def _responses_stream(n: int, per_event: bool) -> bytes:
    # Sequence numbers differ in every event, so the whole body is encoded once per size.
    head = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n")
    events = [_event(e) for e in responses_events(n)]
    if per_event:
        return head + _frame(events, True) + b"0\r\n\r\n"
    # Large HTTP chunks, about _WRITE bytes each, as for chat streams.
    body, batch, size = [head], [], 0
    for e in events:
        batch.append(e)
        size += len(e)
        if size >= _WRITE:
            body.append(_frame(batch, False))
            batch, size = [], 0
    body.append(_frame(batch, False) + b"0\r\n\r\n")
    return b"".join(body)


@lru_cache(maxsize=1)
def _responses_json() -> bytes:
    text = "Hello! How can I help you today?"
    body = json.dumps(_response_object("completed", [_message_item(text, "completed")],
                                       _responses_usage(9)), separators=(",", ":")).encode()
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s") % (len(body), body)


# What plain /v1/... streams carry; set with POST /_bench/set?n=N&per_event=0|1.
_DEFAULT = {"n": DEFAULT_N, "per_event": False}
_NO_CONTENT = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"
_NOT_FOUND = (b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
              b"content-length: 22\r\n\r\n{\"error\":\"not found\"}\n")
_PATH_N = re.compile(rb"^/([ne])/(\d+)(/.*)$")
_STREAM_TRUE = re.compile(rb'"stream"\s*:\s*true')


async def _write_all(writer: asyncio.StreamWriter, data: bytes) -> None:
    view = memoryview(data)
    for i in range(0, len(view), _WRITE):
        writer.write(view[i : i + _WRITE])
        await writer.drain()


async def _serve_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            path = parts[1] if len(parts) > 1 else b"/"
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:].strip())
            body = await reader.readexactly(length) if length else b""
            n, per_event = _DEFAULT["n"], _DEFAULT["per_event"]
            m = _PATH_N.match(path)
            if m:
                per_event, n, path = m.group(1) == b"e", int(m.group(2)), m.group(3)
            if path.startswith(b"/_bench/set?"):
                query = dict(kv.split(b"=", 1) for kv in path.split(b"?", 1)[1].split(b"&"))
                _DEFAULT["n"] = int(query.get(b"n", DEFAULT_N))
                _DEFAULT["per_event"] = query.get(b"per_event", b"0") == b"1"
                await _write_all(writer, _NO_CONTENT)
            elif path.split(b"?")[0].endswith(b"/responses"):
                stream = _STREAM_TRUE.search(body)
                await _write_all(writer, _responses_stream(n, per_event) if stream
                                 else _responses_json())
            elif not path.split(b"?")[0].endswith(b"/chat/completions"):
                await _write_all(writer, _NOT_FOUND)
            elif _STREAM_TRUE.search(body):
                head_b, block, reps, tail = _stream_parts(n, per_event)
                await _write_all(writer, head_b)
                for _ in range(reps):
                    await _write_all(writer, block)
                await _write_all(writer, tail)
            else:
                await _write_all(writer, _json_reply())
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _main(port: int) -> None:
    server = await asyncio.start_server(_serve_conn, "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


class SSEServer:
    """The server in a child process; ``with SSEServer() as s: s.url(n)``."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> SSEServer:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._sse_server"],
            stdout=subprocess.PIPE, text=True, env=env,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            self.__exit__()
            raise RuntimeError(f"SSE server failed to start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def set_stream(self, n: int, *, per_event: bool = False) -> None:
        """What streams from ``url()`` (no size in the path) carry from now on."""
        import httpx

        httpx.post(f"http://127.0.0.1:{self.port}/_bench/set?n={n}&per_event="
                   f"{int(per_event)}").raise_for_status()

    def url(self, n: int | None = None, *, per_event: bool = False) -> str:
        """Base URL (ending in /v1) whose streams carry ``n`` content chunks
        (``None``: as last ``set_stream``, 100 at first).

        ``per_event``: one HTTP chunk per SSE event (as a server flushing each
        token would send), instead of large HTTP chunks (the client's own cost
        dominates, the stricter comparison).
        """
        if n is None:
            return f"http://127.0.0.1:{self.port}/v1"
        return f"http://127.0.0.1:{self.port}/{'e' if per_event else 'n'}/{n}/v1"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        asyncio.run(_main(args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
