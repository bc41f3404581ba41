"""A tiny HTTP server on 127.0.0.1 that plays scripted answers, for what the emulator cannot do.

Each request gets the next ``Reply`` (the last one repeats). A reply can
declare a longer body than it sends and then close the connection, which is
how a 200 whose body breaks mid-way looks on the wire. Every request's line
and body are recorded, so a test can count and read what was sent.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None  # send only this many body bytes, then drop the connection

    def head(self) -> bytes:
        reason = {200: "OK", 400: "Bad Request", 429: "Too Many Requests",
                  503: "Service Unavailable"}.get(
            self.status, "Status"
        )
        lines = [f"HTTP/1.1 {self.status} {reason}", f"Content-Length: {len(self.body)}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


def completion_body(text: str = "ok", model: str = "grok-3") -> bytes:
    return json.dumps(
        {
            "id": "scripted-1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        }
    ).encode()


def reasoning_chat_stream(model: str, reasoning: list[str], text: str) -> Reply:
    """A streamed chat answer that sends ``reasoning`` (``reasoning_content`` deltas) before
    ``text``, then usage with 4 reasoning tokens: what real models do and the emulator's
    current ones do not (xai-api-2026-09.md §1)."""
    head = {"id": "s1", "object": "chat.completion.chunk", "created": 1, "model": model}

    def delta(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    usage = {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 10,
             "completion_tokens_details": {"reasoning_tokens": 4}}  # fmt: skip
    events = [delta({"reasoning_content": part}) for part in reasoning]
    events[0]["choices"][0]["delta"]["role"] = "assistant"
    events += [delta({"content": text}, "stop"), {**head, "choices": [], "usage": usage}]
    body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    return Reply(body=body + b"data: [DONE]\n\n", headers={"Content-Type": "text/event-stream"})


class ScriptedServer:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[str] = []  # request lines, e.g. "POST /v1/chat/completions HTTP/1.1"
        self.bodies: list[bytes] = []  # the request bodies, in the same order
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _serve(self, sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            more = sock.recv(65536)
            if not more:
                return
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            (int(x.split(":", 1)[1]) for x in lines if x.lower().startswith("content-length:")), 0
        )
        while len(rest) < length:
            more = sock.recv(65536)
            if not more:
                break
            rest += more
        self.bodies.append(rest[:length])
        self.requests.append(lines[0])
        reply = self.replies[min(len(self.requests) - 1, len(self.replies) - 1)]
        body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
        sock.sendall(reply.head() + body)
        if reply.cut_after is not None:
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
