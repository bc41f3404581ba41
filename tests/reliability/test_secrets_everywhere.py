"""Issue 22, "Done when": every feature runs with a made-up key, which is then searched for
everywhere it could land, and found nowhere.

Where it is searched: every file under the test's folders (chats and their images, the
cache with the table map's SQLite store and its batch records, Markdown exports); what the
notebook shows (the magic's outputs, stdout, stderr); widget state and every comm message
to the browser, and the panel's static transcript; reprs; log records at DEBUG; warnings;
errors (str, repr, traceback) of failed calls; every request body and header the emulator
receives (all but the ``Authorization`` header of our own calls) and the files uploaded to
it; everything the MCP server receives.

Documented, so not searched here: what a user passes in a direct ``client.chat``, a
``ChatGrok`` call or a table map's rows is sent as given (only the notebook front-ends
redact prompts, README "Keys and safety"); a client pickled with an explicit key carries it.

A "trace" of a key is any 6 characters of it, or its base64 at any alignment: a key cut or
encoded on the way is still found.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.magic.conftest import ip, ipshell  # noqa: F401  (the magic tests' shell fixtures)
from tests.mcp_server import running_mcp_server
from tests.panel.conftest import comms  # noqa: F401  (records every comm message)

SECRET = "xai-Tk8wQ3vN7hJ2-Lp5Rz9Xc4Bm6"  # made up; a hyphen so no scanner takes it for real
BAD_KEY = "sk-Zf3Hq8Wd1Ny5Kc7Mv2Tb9Rp4"  # refused by the emulator (no "xai-" prefix)
PIECE = 6
LOGGERS = ("grok_jupyter", "langchain_grok", "httpx", "httpcore", "httpx2", "httpcore2")


def traces(key: str) -> list[str]:
    """Any ``PIECE`` characters of ``key``, and the part of its base64 that does not depend
    on what comes before it, at each of the three alignments."""
    found = [key[i : i + PIECE] for i in range(len(key) - PIECE + 1)]
    for shift in range(3):
        found.append(base64.b64encode(b"\0" * shift + key.encode()).decode()[4:-4])
    return found


class Places:
    """Everything the test looked at, by where it was found; ``assert_clean`` searches it."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}

    def add(self, where: str, value: Any) -> None:
        self.seen.setdefault(where, []).append(value if isinstance(value, str) else repr(value))

    def add_error(self, where: str, exc: BaseException) -> None:
        self.add(where, str(exc))
        self.add(where, repr(exc))
        self.add(where, "".join(traceback.format_exception(exc)))
        for attr in ("body", "partial", "message", "request_id", "result"):
            self.add(where, repr(getattr(exc, attr, None)))

    def add_files(self, root: Path) -> int:
        count = 0
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                self.add(f"file {path.relative_to(root)}", path.read_bytes().decode("latin-1"))
                count += 1
        return count

    def add_requests(self, emu: Any) -> None:
        for r in emu.requests:
            self.add(f"request {r.method} {r.path}", json.dumps(r.body, default=repr))
            # Our own calls carry the key in Authorization (recorded redacted): that one only.
            headers = {k: v for k, v in r.headers.items() if k.lower() != "authorization"}
            self.add(f"headers {r.method} {r.path}", json.dumps(headers))

    def add_logs(self, caplog: Any) -> None:
        for record in caplog.records:
            self.add(f"log {record.name}", record.getMessage() + repr(record.args))
        self.add("log text", caplog.text)

    def text(self) -> str:
        return "\n".join(v for values in self.seen.values() for v in values)

    def assert_clean(self) -> None:
        leaks = {}
        for where, values in self.seen.items():
            joined = "\n".join(values)
            hits = [t for key in (SECRET, BAD_KEY) for t in traces(key) if t in joined]
            if hits:
                leaks[where] = hits
        assert leaks == {}, f"the key left traces in: {leaks}"


@pytest.fixture
def places(caplog, capsys) -> Iterator[Places]:
    """DEBUG logs of every grok_jupyter and HTTP logger, warnings and stdout/stderr, all
    searched at the end."""
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    found = Places()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for w in caught:
        found.add(f"warning {w.category.__name__}", str(w.message))
    out = capsys.readouterr()
    found.add("stdout", out.out)
    found.add("stderr", out.err)
    found.add_logs(caplog)
    found.assert_clean()


@pytest.fixture
def folders(tmp_path, monkeypatch, emu) -> Iterator[dict[str, Path]]:
    """The key in the environment; the chat folder, the cache folder and an export folder."""
    from grok_jupyter.notebook.chat_store import set_chat_dir

    made = {name: tmp_path / name for name in ("chats", "cache", "exports")}
    monkeypatch.setenv("XAI_API_KEY", SECRET)
    monkeypatch.setenv("GROK_JUPYTER_CHAT_DIR", str(made["chats"]))
    monkeypatch.setenv("GROK_JUPYTER_CACHE_DIR", str(made["cache"]))
    set_chat_dir(None)
    yield made
    set_chat_dir(None)


@pytest.fixture(scope="module")
def mcp_server():
    with running_mcp_server() as server:
        yield server


def _forget(*names: str) -> None:
    from grok_jupyter.notebook.conversation import forget_conversation

    for name in names:
        forget_conversation(name)


KERNEL_CODE = '''
import os
k = os.environ["XAI_API_KEY"]

def read_config() -> str:
    """The service's configuration."""
    return "endpoint=local api_key=" + os.environ["XAI_API_KEY"]
'''


@pytest.mark.timeout(120)
def test_the_magic(ip, emu, folders, places, mcp_server, capsys, tmp_path, monkeypatch):  # noqa: F811
    from grok_jupyter.client import GrokClient, set_client
    from grok_jupyter.notebook.conversation import get_conversation

    folders["exports"].mkdir(exist_ok=True)
    monkeypatch.chdir(folders["exports"])  # --export without --to writes beside the notebook

    set_client(GrokClient(base_url=emu.base_url, retry_backoff=0.01))  # the key from the env
    note = tmp_path / "note.txt"
    note.write_text("The zorblax kettle boils water in 3 minutes.")
    ip.ok(KERNEL_CODE)
    exports = folders["exports"]
    cells = [
        f"%%grok --chat sec\nMy key is {SECRET}. Is it valid?",
        "%%grok --chat sec\nAnd this one: {k}?",
        f"%%grok --chat sec --search web\nSearch the web for {SECRET}",
        f"%%grok --chat files --file {note}\nHow long does the kettle take? Key: {SECRET}",
        "%%grok --chat tools --tools read_config\nUse the tool: read_config()",
        f"%%grok --chat mcp --mcp {mcp_server.url}\nshout text='{SECRET}'",
        "%grok history sec",
        "%grok history tools",
        "%grok usage",
        "%grok config",
        "%grok chats",
        f"%grok chats --export sec --to {exports / 'sec.md'}",
        f"%grok chats --export tools --to {exports / 'tools.md'}",
        "%grok chats --export mcp",
    ]
    try:
        for cell in cells:
            ip.ok(cell)
            places.add(f"outputs of {cell.splitlines()[0]}", ip.pub.text())
        assert "read_config returned" in places.text()  # the tool ran, its output was used

        # %grok fix on a traceback holding the key. IPython prints the user's own traceback,
        # which is the user's output, not ours: it is read off before the fix runs.
        ip.run('raise ValueError("the service refused " + k)')
        capsys.readouterr()
        ip.ok("%grok fix")
        places.add("outputs of %grok fix", ip.pub.text())
        assert "the service refused [redacted API key]" in json.dumps(emu.requests[-1].body)

        # A call with a refused key fails as one clear line.
        set_client(GrokClient(api_key=BAD_KEY, base_url=emu.base_url))
        failed = ip.run("%%grok --chat sec\nAgain?")
        assert "API key was refused" in str(failed.error_in_exec)
        places.add_error("the refused call", failed.error_in_exec)
        places.add("outputs of the refused call", ip.pub.text())

        for name in ("sec", "files", "tools", "mcp", "default"):
            conversation = get_conversation(name)
            places.add(f"conversation {name}", [repr(conversation), conversation.messages])
    finally:
        set_client(None)
        _forget("sec", "files", "tools", "mcp")

    places.add_requests(emu)
    _add_uploads(places, emu)
    places.add("MCP server headers", json.dumps(mcp_server.headers))
    places.add("MCP server bodies", b"".join(mcp_server.bodies).decode("latin-1"))
    assert b"redacted API key" in b"".join(mcp_server.bodies)  # the tool got the prompt's text
    assert places.add_files(folders["chats"]) >= 4  # the chats were saved (and searched)
    places.add_files(exports)
    places.add_files(folders["cache"])
    assert "[redacted API key]" in places.text()  # the key was typed, and redacted


def _add_uploads(places: Places, emu: Any) -> None:
    """Multipart uploads are not in the recorded bodies: read the files the emulator holds."""
    from grok_jupyter.client import GrokClient

    with GrokClient(api_key=SECRET, base_url=emu.base_url) as client:
        for file in client.files.iter():
            places.add(f"uploaded {file.filename}", repr(file))
            places.add(f"uploaded {file.filename}", client.files.content(file.id).decode("latin-1"))


@pytest.mark.timeout(90)
def test_the_panel(ip, emu, folders, places, comms, capsys):  # noqa: F811
    from grok_jupyter import ChatPanel
    from grok_jupyter.client import GrokClient
    from tests.panel.panel_helpers import all_widgets, ask

    ip.ok(KERNEL_CODE)
    with GrokClient(base_url=emu.base_url, retry_backoff=0.01) as client:
        panel = ChatPanel(conversation="panel-sec", client=client,
                          tools=[ip.ns["read_config"]])
        try:
            assert ask(panel, f"Here is my key: {SECRET}. Is it valid?").error is None
            assert "Here is my key: [redacted API key]" in panel.history_html
            assert ask(panel, "Use the tool: read_config()").error is None
            assert "read_config returned" in panel.history_html  # the tool's output was used
            panel.add_variable("k")  # Add variable, on a variable holding the key
            assert ask(panel, "What is in that variable?").error is None
            ip.run('raise ValueError("the service refused " + k)')
            capsys.readouterr()  # IPython's print of the user's own traceback
            assert panel.fix()
            assert panel.wait(60).error is None
            emu.inject("server_error", times=3)
            failed = ask(panel, f"Again, with {SECRET}?")
            assert failed.error is not None
            places.add_error("the panel's failed turn", failed.error)
            places.add("the panel", [repr(panel), repr(failed), repr(panel.last_result)])
            for widget in all_widgets(panel):
                places.add("widget state", json.dumps(widget.get_state(), default=_bytes))
            places.add("static transcript", json.dumps(panel._static_bundle()))
            places.add("comm messages to the browser", json.dumps(comms, default=_bytes))
            places.add("the panel's Markdown", panel.export_markdown())
            folders["exports"].mkdir()
            panel.export_markdown(folders["exports"] / "panel.md")
        finally:
            panel.stop()
            panel.wait(10)
            panel.close()
            _forget("panel-sec")
    assert "[redacted API key]" in places.text()
    places.add_requests(emu)
    assert places.add_files(folders["chats"]) >= 1
    places.add_files(folders["exports"])


def _bytes(value: Any) -> str:
    return bytes(value).decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value)


@pytest.mark.timeout(60)
def test_chatgrok_keeps_the_key_to_its_authorization_header(emu, folders, places):
    from langchain_core.load import dumps

    from grok_jupyter.client import AuthenticationError
    from langchain_grok import ChatGrok

    llm = ChatGrok(api_key=SECRET, base_url=emu.base_url, max_retries=1)
    places.add("ChatGrok", [repr(llm), str(llm), dumps(llm), llm.model_dump(),
                            llm._identifying_params])
    places.add("answers", [llm.invoke("Say hello in 5 words."), list(llm.stream("Hi")),
                           llm.batch(["Hi", "Hello"])])
    chat_only = ChatGrok(api_key=SECRET, base_url=emu.base_url, use_responses_api=False)
    places.add("answers on chat", chat_only.invoke("Hi"))
    with pytest.raises(AuthenticationError) as refused:
        ChatGrok(api_key=BAD_KEY, base_url=emu.base_url, max_retries=0).invoke("Hi")
    places.add_error("ChatGrok with a refused key", refused.value)
    assert len(emu.requests) >= 6
    places.add_requests(emu)


@pytest.mark.timeout(90)
def test_the_table_map_its_cache_and_batch_records(emu, folders, places):
    import pandas as pd

    from grok_jupyter import map_rows
    from grok_jupyter.client import GrokClient, UsageLedger

    reviews = pd.DataFrame({"review": ["Great value", "Broke after a day", "It is fine"]})
    with GrokClient(base_url=emu.base_url, retry_backoff=0.01, ledger=UsageLedger()) as client:
        live = map_rows(reviews, "Sentiment of: {review}", client=client, progress=False)
        batch = map_rows(reviews, "One word for: {review}", client=client, mode="batch",
                         poll_interval=0.05, progress=False)
        places.add("map results", [live.to_string(), batch.to_string(), client.ledger.records])
    from grok_jupyter.table.errors import MapAuthError

    with GrokClient(api_key=BAD_KEY, base_url=emu.base_url, max_retries=0) as bad:
        # A refused key stops the map at the first row (issue 21), whatever on_error says.
        with pytest.raises(MapAuthError) as refused:
            map_rows(reviews, "Sentiment of: {review}", client=bad, on_error="keep",
                     cache=False, progress=False)
    places.add("refused map", [str(refused.value), repr(refused.value),
                               refused.value.result.to_string()])
    places.add_requests(emu)
    store = folders["cache"] / "table_map.sqlite"
    with sqlite3.connect(store) as db:  # what was searched holds answers and batch records
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] >= 6
        assert db.execute("SELECT COUNT(*) FROM batches").fetchone()[0] >= 1
    assert places.add_files(folders["cache"]) >= 1


@pytest.mark.timeout(60)
def test_files_batches_and_failed_calls(emu, folders, places, tmp_path):
    from grok_jupyter.client import AuthenticationError, GrokClient

    document = tmp_path / "notes.txt"
    document.write_text("Quarterly notes: revenue up 4%.")
    with GrokClient(base_url=emu.base_url, retry_backoff=0.01) as client:
        uploaded = client.files.upload(document)
        places.add("files", [uploaded, client.files.list(), client.files.retrieve(uploaded.id)])
        batch = client.batches.create("secrets-batch")
        client.batches.add_requests(batch.batch_id, [
            client.batches.chat_request("r1", [{"role": "user", "content": "Hi"}]),
        ])
        places.add("batches", [batch, client.batches.get(batch.batch_id),
                               client.batches.list()])
        client.files.delete(uploaded.id)
        places.add("client", [repr(client), repr(client.settings), client.ledger.records])

    with GrokClient(api_key=BAD_KEY, base_url=emu.base_url, max_retries=0) as bad:
        for call in (lambda: bad.chat("Hi"), lambda: bad.files.list(),
                     lambda: bad.batches.list(), lambda: list(bad.stream("Hi"))):
            with pytest.raises(AuthenticationError) as refused:
                call()
            places.add_error("a refused call", refused.value)
        places.add("the refused client", repr(bad))
    places.add_requests(emu)
    places.add_files(tmp_path)
