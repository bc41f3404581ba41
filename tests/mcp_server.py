"""A real MCP server for the tests: ``MCPServer`` from the ``mcp`` SDK over streamable
HTTP on 127.0.0.1, in a uvicorn thread. It records the headers and the body of every
request: what an MCP server receives."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class McpServerHandle:
    url: str
    headers: list[dict[str, str]] = field(default_factory=list)  # one per HTTP request
    bodies: list[bytes] = field(default_factory=list)  # every body chunk received

    def header_values(self, name: str) -> list[str]:
        return [h[name.lower()] for h in self.headers if name.lower() in h]


def build_server() -> Any:
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("toolbox", log_level="WARNING")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def shout(text: str) -> str:
        """The text in capitals, with an exclamation mark."""
        return text.upper() + "!"

    @server.tool()
    def divide(a: float, b: float) -> float:
        """a divided by b."""
        return a / b

    return server


@contextmanager
def running_mcp_server() -> Iterator[McpServerHandle]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    handle = McpServerHandle(url=f"http://127.0.0.1:{port}/mcp")
    app = build_server().streamable_http_app()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        handle.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})

        async def receive_and_keep() -> Any:
            message = await receive()
            if message.get("type") == "http.request" and message.get("body"):
                handle.bodies.append(message["body"])
            return message

        await app(scope, receive_and_keep, send)

    server = uvicorn.Server(uvicorn.Config(recording, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test MCP server did not start")
        time.sleep(0.01)
    try:
        yield handle
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/mcp"
