"""What a new user met in a real kernel (issue 23, items 1, 3, 5 and 9), done the same
way: ``%grok emulator`` in the kernel, ``%%grok --chat NAME --file report.pdf``, a kernel
restart (which starts a new in-kernel emulator that has never seen the file), an empty
answer, and ``%grok chats --export`` of a chat whose turns ran server-side tools."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from grok_jupyter.emulator._session import FAKE_KEY
from tests.documents import make_pdf
from tests.kernels import execute

PDF_TEXT = "Quarterly report. Q3 revenue rose 12% to $4.1M. Q4 is forecast flat."


class Notebook:
    """A real kernel started in the notebook's folder, driven cell by cell."""

    def __init__(self, folder: Path) -> None:
        env = {k: v for k, v in os.environ.items()
               if k not in ("GROK_JUPYTER_CHAT_DIR", "XAI_API_KEY", "XAI_BASE_URL")}  # fmt: skip
        self.km, self.kc = start_new_kernel(
            kernel_name="python3", env=env, cwd=str(folder), extra_arguments=["--log-level=ERROR"]
        )
        self.start()

    def start(self) -> None:
        self.ok("%load_ext grok_jupyter")
        self.ok("%grok emulator")  # the README's first cell: an emulator in this kernel

    def run(self, code: str) -> tuple[dict, str]:
        reply, messages = execute(self.kc, code, secret=FAKE_KEY)
        shown = []
        for msg in messages:
            content = msg["content"]
            shown.append(content.get("text", ""))
            for data in (content.get("data") or {}, ):
                shown.append(str(data.get("text/markdown", "")) + str(data.get("text/plain", "")))
            shown.append(str(content.get("evalue", "")))
        return reply, "\n".join(shown)

    def ok(self, code: str) -> str:
        reply, shown = self.run(code)
        assert reply["content"]["status"] == "ok", (reply["content"], shown)
        return shown

    def restart(self) -> None:
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=120)
        self.start()

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def notebook(tmp_path: Path) -> Iterator[Notebook]:
    (tmp_path / "report.pdf").write_bytes(make_pdf(PDF_TEXT))
    nb = Notebook(tmp_path)
    try:
        yield nb
    finally:
        nb.close()


def _variable(nb: Notebook, expression: str) -> Any:
    nb.ok("from grok_jupyter.notebook.conversation import get_conversation")
    return nb.ok(f"print(repr({expression}))").strip()


def test_a_follow_up_about_the_file_is_answered_from_it(notebook):
    """Item 5: the follow-up is chained (previous_response_id), so the file is not in the
    request; the emulator answers from the files the conversation holds."""
    notebook.ok("%%grok --chat followup --file report.pdf\nSummarise the report.")
    follow = notebook.ok("%%grok --chat followup\nWhat does the report say about Q3?")
    assert "Q3 revenue rose 12% to $4.1M." in follow and "You said" not in follow
    assert "searching the attached files" in follow or "report.pdf" in follow
    unrelated = notebook.ok("%%grok --chat followup\nreply with 20 words")
    assert "Q3 revenue" not in unrelated  # a question not about the file: a plain answer


def test_a_chat_with_a_file_goes_on_after_a_kernel_restart(notebook, tmp_path):
    first = notebook.ok("%%grok --chat q3 --file report.pdf\nWhat was Q3 revenue?")
    assert "Q3 revenue rose 12% to $4.1M." in first
    # Item 5: a follow-up chained to the turn that holds the file is answered from it.
    follow = notebook.ok("%%grok --chat q3\nWhat does the report say about Q4?")
    assert "Q4 is forecast flat." in follow and "You said" not in follow
    notebook.restart()  # a new in-kernel emulator: the file id the chat holds is unknown
    after = notebook.ok("%%grok --chat q3\nWhat does the report say about Q3?")
    assert "HTTP 404" not in after and "not found" not in after
    assert "Q3 revenue rose 12% to $4.1M." in after
    assert "report.pdf was no longer on the server; it was uploaded again" in after
    # The saved chat now holds the new id: the next turn needs no mending.
    again = notebook.ok("%%grok --chat q3\nAnd what about Q4?")
    assert "Q4 is forecast flat." in again and "uploaded again" not in again
    saved = "".join(p.read_text() for p in (tmp_path / ".grok" / "chats").glob("q3-*.json"))
    assert saved.count('"path": "report.pdf"') >= 1


def test_a_chat_whose_file_is_gone_too_goes_on_and_names_it(notebook, tmp_path):
    notebook.ok("%%grok --chat gone --file report.pdf\nWhat was Q3 revenue?")
    (tmp_path / "report.pdf").unlink()
    notebook.restart()
    after = notebook.ok("%%grok --chat gone\nSay 'still going'")
    assert "still going" in after
    assert "report.pdf is no longer on the server and report.pdf is gone too" in after
    assert "went on without it" in after
    assert "still going" in notebook.ok("%%grok --chat gone\nSay 'still going'")


def test_an_empty_answer_does_not_break_the_chat(notebook):
    # The emulator answers empty only when asked: its admin endpoint queues the fault.
    notebook.ok(
        "import httpx, os\n"
        "base = os.environ['XAI_BASE_URL'].removesuffix('/v1')\n"
        "httpx.post(base + '/_emulator/faults', json={'fault': 'empty_answer'}).raise_for_status()"
    )
    notebook.ok("%%grok --chat blank -o first\nSay 'hello'")
    assert _variable(notebook, "str(first)") == "''"
    shown = notebook.ok("%%grok --chat blank\nSay 'after the empty one'")
    assert "after the empty one" in shown and "400" not in shown
    # On Chat Completions the whole history goes every turn, the empty answer included.
    notebook.ok("%config GrokMagics.api = 'chat'")
    shown = notebook.ok("%%grok --chat blank\nSay 'on chat too'")
    assert "on chat too" in shown and "content element" not in shown


def _cost_rows(markdown: str) -> dict[str, list[str]]:
    start = markdown.index("**Cost**")
    rows = {}
    for line in markdown[start:].splitlines()[4:]:  # after the title and the header
        if line.startswith("|"):
            cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def test_the_chat_export_shows_tool_costs_apart_and_they_add_up(notebook, tmp_path):
    notebook.ok("%%grok --chat costs --file report.pdf\nWhat was Q3 revenue?")
    notebook.ok("%%grok --chat costs --search web,x\nkettle news this week")
    notebook.ok("%%grok --chat costs\nSay 'done'")
    notebook.ok("%grok chats --export costs --to costs.md")
    exported = (tmp_path / "costs.md").read_text()
    rows = _cost_rows(exported)
    tools = {name for name in rows if name.startswith("tool: ")}
    assert "tool: attachment search" in tools and "tool: web search" in tools, rows
    assert tools <= {"tool: attachment search", "tool: web search", "tool: X search"}
    total = float(rows.pop("total")[2].lstrip("$"))
    parts = sum(float(cells[2].lstrip("$")) for cells in rows.values())
    assert total > 0 and abs(parts - total) < 0.00001 * len(rows), rows
    spent = float(_variable(notebook, "get_conversation('costs').cost_usd").strip("'"))
    assert abs(total - spent) < 0.00005
    # Each turn's footer splits its cost the same way.
    assert "(tokens $" in exported and "web search ×" in exported
