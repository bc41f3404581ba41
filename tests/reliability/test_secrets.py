"""The API key never shows: not in outputs, widget state, reprs, logs, errors or tracebacks.

The key used here is a recognisable fake whose every 5-character piece is
unlikely to occur by chance, so "no substring longer than 4 characters" can be
checked literally. (``TEST_API_KEY`` cannot be: its pieces "emula", "test-"
occur in the emulator's answers and in pytest's temporary paths.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.reliability_helpers import leaks
from tests.wire import turn_requests

SECRET = "xai-Rq7vK2pZ9w-X4mT8bN6jL3sYc"  # a hyphen, so no scanner takes it for a real key
BAD_KEY = "sk-Wm4Tz8Qp1Lx6Vb3Nr9Hd5Gf"  # refused by the emulator (no "xai-" prefix)
LOGGERS = ("grok_jupyter", "langchain_grok", "httpx", "httpcore", "httpx2", "httpcore2")
ROOT = Path(__file__).resolve().parents[2]


def assert_nowhere(haystack: str) -> None:
    for key in (SECRET, BAD_KEY):
        found = leaks(haystack, key)
        assert found == [], f"pieces of {key[:3]}... leaked: {found}"


def describe_error(exc: BaseException) -> str:
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for attr in ("body", "partial", "message", "request_id"):
        parts.append(repr(getattr(exc, attr, None)))
    return "\n".join(parts)


def all_widgets(root: Any) -> list[Any]:
    from ipywidgets.widgets.widget import _instances

    found, todo = [], [root]
    while todo:
        widget = todo.pop()
        found.append(widget)
        for value in widget.get_state().values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, str) and item.startswith("IPY_MODEL_"):
                    todo.append(_instances[item[len("IPY_MODEL_"):]])
    return found


@pytest.mark.timeout(90)
def test_the_key_appears_nowhere_a_user_or_a_log_can_see(emu, monkeypatch, caplog, capsys,
                                                         shell):
    from grok_jupyter.client import (
        AsyncGrokClient,
        GrokClient,
        GrokError,
        MissingAPIKeyError,
        get_ledger,
        set_client,
    )
    from grok_jupyter.magic import GrokMagics
    from grok_jupyter.notebook.conversation import get_conversation
    from grok_jupyter.panel.widget import ChatPanel
    from langchain_grok import ChatGrok
    from tests.reliability.reliability_helpers import RecordingPublisher

    monkeypatch.setenv("XAI_API_KEY", SECRET)
    seen: list[str] = []
    errors: list[BaseException] = []

    def expect_error(call: Any) -> None:
        try:
            call()
        except GrokError as exc:
            errors.append(exc)
        else:
            raise AssertionError(f"{call} did not fail")

    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)

    # --- the client, sync and async, answers and errors -------------------------------------
    client = GrokClient(base_url=emu.base_url, retry_backoff=0.01)  # the key from the env
    completion = client.chat("Say hello in 5 words.")
    with client.stream("Reply with 8 words.") as stream:
        chunks = list(stream)
    seen += [repr(client), str(client), repr(client.settings), repr(completion),
             repr(chunks), repr(stream), repr(client.ledger.records), repr(client.ledger.summary())]
    for fault in ("rate_limit", "server_error", "unavailable", "json_error_200"):
        emu.inject(fault, times=3, retry_after=0) if fault == "rate_limit" else emu.inject(
            fault, times=3)
        expect_error(lambda: client.chat("Hi"))
    for fault in ("disconnect", "reset_after_work", "bad_encoding"):  # each sent once
        emu.inject(fault)
        expect_error(lambda: client.chat("Hi"))
    emu.inject("cut", after_chunks=2)
    expect_error(lambda: list(client.stream("Reply with 8 words.")))
    with GrokClient(api_key=BAD_KEY, base_url=emu.base_url) as bad:
        seen.append(repr(bad))
        expect_error(lambda: bad.chat("Hi"))
        expect_error(lambda: bad.models())
    monkeypatch.delenv("XAI_API_KEY")
    with GrokClient(base_url=emu.base_url) as keyless:
        with pytest.raises(MissingAPIKeyError) as missing:
            keyless.chat("Hi")
        errors.append(missing.value)
    monkeypatch.setenv("XAI_API_KEY", SECRET)

    async def async_calls() -> None:
        async with AsyncGrokClient(base_url=emu.base_url, retry_backoff=0.01) as aclient:
            seen.append(repr(aclient))
            seen.append(repr(await aclient.chat("Hi")))
            emu.inject("server_error", times=3)
            try:
                await aclient.chat("Hi")
            except GrokError as exc:
                errors.append(exc)

    asyncio.run(async_calls())
    assert len(emu.chat_requests) > 10  # the key really was used, many times

    # --- ChatGrok ------------------------------------------------------------------------------
    llm = ChatGrok(api_key=SECRET, base_url=emu.base_url, max_retries=1)
    seen += [repr(llm), str(llm), repr(llm.invoke("Hi")), repr(list(llm.stream("Hi"))),
             json.dumps(llm.to_json(), default=repr), repr(llm.model_dump()),
             repr(llm._identifying_params)]
    emu.inject("unavailable", times=2)
    expect_error(lambda: llm.invoke("Hi"))
    expect_error(lambda: ChatGrok(api_key=BAD_KEY, base_url=emu.base_url).invoke("Hi"))

    # --- the magic --------------------------------------------------------------------------
    magics = next(c for c in shell.configurables if isinstance(c, GrokMagics))
    for name, trait in magics.class_traits(config=True).items():
        setattr(magics, name, trait.default())
    magics.output = "display"
    pub = RecordingPublisher(shell=shell)
    saved = shell.display_pub
    shell.display_pub = pub
    set_client(GrokClient(base_url=emu.base_url, retry_backoff=0.01))
    try:
        capsys.readouterr()
        shell.run_cell("%%grok --chat secrets\nSay hello in 5 words.")
        shell.run_cell("%grok config")
        shell.run_cell("%grok usage")
        shell.run_cell("%grok history secrets")
        emu.inject("rate_limit", times=3, retry_after=0)
        result = shell.run_cell("%%grok --chat secrets\nAgain?")
        assert result.error_in_exec is not None
        errors.append(result.error_in_exec)
        set_client(GrokClient(api_key=BAD_KEY, base_url=emu.base_url))
        result = shell.run_cell("%%grok --chat secrets\nAgain?")
        assert "API key was refused" in str(result.error_in_exec)
        errors.append(result.error_in_exec)
        out = capsys.readouterr()
        seen += [pub.text(), out.out, out.err, repr(get_conversation("secrets").messages)]
    finally:
        shell.display_pub = saved
        set_client(None)

    # --- the panel ------------------------------------------------------------------------------
    panel_client = GrokClient(base_url=emu.base_url, retry_backoff=0.01)
    panel = ChatPanel(conversation="secrets-panel", client=panel_client)
    try:
        assert panel.send("Say hello in 5 words.")
        assert panel.wait(30).error is None
        emu.inject("server_error", times=3)
        assert panel.send("Again?")
        failed = panel.wait(30)
        assert failed.error is not None and panel.error
        errors.append(failed.error)
        seen += [repr(panel), repr(failed), repr(panel.last_result)]
        for widget in all_widgets(panel):
            seen.append(json.dumps(widget.get_state(), default=repr))
            seen.append(repr(widget))
    finally:
        panel.stop()
        panel.wait(10)
        panel.close()

    # --- everything that was shown, logged or raised ----------------------------------------------
    seen += [describe_error(e) for e in errors]
    seen += [r.getMessage() + repr(r.args) for r in caplog.records]
    seen += [repr(get_ledger().records), repr(emu.requests)]
    haystack = "\n".join(seen)
    # The scan is not vacuous: the answers, the errors and the debug logs are all in it.
    for words in ("emulator", "RateLimitError", "AuthenticationError", "StreamInterruptedError",
                  "MissingAPIKeyError", "ServiceUnavailableError", "retry 1/2", "grok: ",
                  "AnswerLostError", "ResponseBodyInterruptedError"):
        assert words in haystack, words
    assert_nowhere(haystack)
    client.close()
    panel_client.close()


NOTEBOOK_CELLS = [
    "%load_ext grok_jupyter",
    "%%grok\nSay hello in 5 words.",
    "%grok config",
    "%grok usage",
    # The key reaching a prompt through a variable and through a kernel tool's output.
    "import os\nk = os.environ['XAI_API_KEY']\n"
    "def read_config() -> str:\n    'The service configuration.'\n"
    "    return 'api_key=' + os.environ['XAI_API_KEY']",
    "%%grok\nIs {k} a valid key?",
    "%%grok --tools read_config\nUse the tool: read_config()",
    "import logging\nlogging.basicConfig(level=logging.DEBUG, force=True)\n"
    "from grok_jupyter.client import GrokClient\nc = GrokClient()\nprint(c.chat('Hi').id)\nc",
    "c.settings",
    "import os\nGrokClient(api_key=os.environ['OTHER_XAI_KEY']).chat('Hi')",
    "from grok_jupyter import ChatPanel\npanel = ChatPanel(conversation='nb')\n"
    "panel.send('Say hi in 3 words.')\npanel.wait(30)\npanel",
    "from langchain_grok import ChatGrok\nllm = ChatGrok()\nprint(llm.invoke('Hi').content)\nllm",
]


def _execute(path_or_nb: Any, cwd: Path, allow_errors: bool) -> str:
    import nbformat
    from nbclient import NotebookClient

    nb = path_or_nb if not isinstance(path_or_nb, Path) else nbformat.read(path_or_nb, 4)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nbformat.writes(nb)


def repo_notebook() -> Path:
    """The quickstart notebook, or else the first of notebooks/ (executing all is too slow)."""
    found = sorted((ROOT / "notebooks").glob("*.ipynb"))
    quick = [p for p in found if "quickstart" in p.name]
    assert found, "no notebooks in notebooks/"
    return (quick or found)[0]


@pytest.mark.timeout(150)
def test_executed_notebooks_keep_no_trace_of_the_key(emu, monkeypatch, tmp_path):
    import nbformat

    monkeypatch.setenv("XAI_API_KEY", SECRET)
    monkeypatch.setenv("XAI_BASE_URL", emu.base_url)
    monkeypatch.setenv("OTHER_XAI_KEY", BAD_KEY)  # a refused key, not written in any cell

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    saved = _execute(nb, tmp_path, allow_errors=True)
    outputs = json.loads(saved)
    errors = [o for cell in outputs["cells"] for o in cell.get("outputs", [])
              if o["output_type"] == "error"]
    # Only the bad-key cell fails, and its traceback is saved in the notebook.
    assert [e["ename"] for e in errors] == ["AuthenticationError"], errors
    assert "Incorrect API key" in "".join(errors[0]["traceback"])
    assert "chat/completions" in saved  # the DEBUG log lines were saved too
    assert "application/vnd.jupyter.widget-view+json" in saved
    assert len(turn_requests(emu)) >= 5  # the magic's and the panel's on the Responses API

    saved += _execute(repo_notebook(), tmp_path, allow_errors=False)
    assert_nowhere(saved)
