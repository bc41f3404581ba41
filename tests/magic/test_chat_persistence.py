"""Chats that last: ``%%grok --chat NAME`` and ``%grok chat NAME`` save after each turn and
come back after a kernel restart (a new process; once a real ipykernel restart), export to
Markdown, and never write the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from grok_jupyter.notebook.chat_store import ChatStore, set_chat_dir
from grok_jupyter.notebook.conversation import forget_conversation
from tests.conftest import TEST_API_KEY
from tests.wire import last_body, sent_items, text_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chats(ip, tmp_path):
    """A chat folder set the way a user sets it, and a fresh chat name."""
    folder = tmp_path / "chats"
    ip.ok(f"%config GrokMagics.chat_dir = {str(folder)!r}")
    name = f"persist-{uuid.uuid4().hex[:8]}"
    try:
        yield folder, name
    finally:
        forget_conversation(name)
        ip.magics.chat_dir = ""
        set_chat_dir(None)


def _turns(folder: Path, name: str) -> list[dict]:
    return json.loads(ChatStore(folder).path(name).read_text())["messages"]


def _new_process(folder: Path, base_url: str, cells: list[str]) -> dict:
    """Run ``cells`` in a fresh Python process with its own InteractiveShell: a restart."""
    script = textwrap.dedent(
        """
        import json, sys
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config
        from tests.recording import RecordingPublisher

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
        shell.display_pub = pub = RecordingPublisher(shell=shell)
        shell.run_line_magic("load_ext", "grok_jupyter")
        errors = []
        for cell in json.loads(sys.argv[1]):
            result = shell.run_cell(cell, store_history=True)
            if result.error_in_exec is not None:
                errors.append(repr(result.error_in_exec))
        markdown = "\\n".join(o.get("text/markdown", "") for o in pub.outputs())
        print(json.dumps({"errors": errors, "markdown": markdown}))
        """
    )
    env = {
        **os.environ,
        "XAI_API_KEY": TEST_API_KEY,
        "XAI_BASE_URL": base_url,
        "GROK_JUPYTER_CHAT_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(cells)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_magic_turn_is_saved(ip, emu, chats):
    folder, name = chats
    ip.ok(f"%%grok --chat {name}\nMy name is Ada.")
    assert [m["role"] for m in _turns(folder, name)] == ["user", "assistant"]
    ip.ok(f"%%grok --chat {name}\nSay 'second'")
    assert [m["content"] for m in _turns(folder, name)][2:] == ["Say 'second'", "second"]


def test_a_new_process_continues_the_chat_with_its_history(ip, emu, chats):
    from grok_jupyter.notebook.conversation import get_conversation

    folder, name = chats
    ip.ok(f"%%grok --chat {name}\nMy name is Ada.")
    ip.ok(f"%%grok --chat {name}\nSay 'noted'")
    stored = get_conversation(name).response_id  # the last answer, kept on the server
    assert stored
    out = _new_process(
        folder,
        emu.base_url,
        [
            f"%%grok --chat {name}\nWhat is my name?",
            f"%grok history {name}",
        ],
    )
    assert out["errors"] == []
    assert "Your name is Ada." in out["markdown"]  # the saved history was used
    # The saved chat keeps its stored answer: the new process chains on it, sending only
    # the new prompt (the server holds the earlier turns).
    body = last_body(emu)
    assert body["previous_response_id"] == stored
    assert [text_of(m["content"]) for m in sent_items(body)] == ["What is my name?"]
    assert "Say 'noted'" in out["markdown"]  # %grok history shows the earlier turns
    assert len(_turns(folder, name)) == 6


def test_a_new_process_resends_the_saved_history_on_chat(ip, emu, chats):
    # Chat Completions holds nothing on the server: the saved turns are sent again.
    folder, name = chats
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ok(f"%%grok --chat {name}\nMy name is Ada.")
    ip.ok(f"%%grok --chat {name}\nSay 'noted'")
    out = _new_process(
        folder,
        emu.base_url,
        [
            '%config GrokMagics.api = "chat"',
            f"%%grok --chat {name}\nWhat is my name?",
            f"%grok history {name}",
        ],
    )
    assert out["errors"] == []
    assert "Your name is Ada." in out["markdown"]  # the history's last turn
    sent = emu.chat_requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == [
        "My name is Ada.",
        "Say 'noted'",
        "What is my name?",
    ]


def test_grok_chat_name_restores_the_panel_from_the_store(ip, emu, chats):
    _, name = chats
    ip.ok(f"%%grok --chat {name}\nSay 'from before the restart'")
    forget_conversation(name)  # what a restart leaves: only the file
    ip.ok(f"%grok chat {name}")
    from grok_jupyter.notebook.chat_registry import lookup

    restored = lookup(name)
    assert restored is not None
    assert [t.answer_text for t in restored.turns] == ["from before the restart"]


def test_export_has_every_turn_and_no_file_holds_the_key(ip, emu, chats, tmp_path, capsys):
    folder, name = chats
    for word in ("alpha", "beta", "gamma"):
        ip.ok(f"%%grok --chat {name}\nSay '{word}'")
    target = tmp_path / "export.md"
    ip.ok(f"%grok chats --export {name} --to {target}")
    assert str(target) in capsys.readouterr().out
    markdown = target.read_text()
    assert markdown.count("### You") == 3 and markdown.count("### Grok") == 3
    for word in ("alpha", "beta", "gamma"):
        assert f"Say '{word}'" in markdown
    ip.ok("%grok chats")
    assert name in ip.markdown()
    for path in [*folder.rglob("*"), target]:
        if path.is_file():
            assert TEST_API_KEY not in path.read_text(errors="replace"), path


def test_reset_can_be_undone_and_delete_removes_the_file(ip, emu, chats, capsys):
    folder, name = chats
    ip.ok(f"%%grok --chat {name}\nSay 'keep me'")
    ip.ok(f"%grok reset {name}")
    assert _turns(folder, name) == []
    ip.ok(f"%grok chats --undo {name}")
    assert "restored: 1 turns" in capsys.readouterr().out
    assert [m["content"] for m in _turns(folder, name)] == ["Say 'keep me'", "keep me"]
    ip.ok(f"%grok chats --delete {name}")
    assert not ChatStore(folder).path(name).exists()
    assert "no chat named" in ip.fails(f"%grok chats --delete {name}")


def test_a_real_kernel_restart_keeps_the_chat_beside_the_notebook(emulator_session, tmp_path):
    from jupyter_client.manager import start_new_kernel

    from tests.magic.test_kernel import execute

    key = "xai-kernel-chats-key-Wm40"
    env = {k: v for k, v in os.environ.items() if k != "GROK_JUPYTER_CHAT_DIR"}
    env.update(XAI_API_KEY=key, XAI_BASE_URL=emulator_session.base_url)
    # Jupyter starts a notebook's kernel in the notebook's folder.
    km, kc = start_new_kernel(
        kernel_name="python3", env=env, cwd=str(tmp_path), extra_arguments=["--log-level=ERROR"]
    )
    try:
        execute(kc, "%load_ext grok_jupyter")
        reply, _ = execute(kc, "%%grok --chat lab\nMy name is Grace.")
        assert reply["content"]["status"] == "ok"
        assert list((tmp_path / ".grok" / "chats").glob("lab-*.json"))
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=120)
        execute(kc, "%load_ext grok_jupyter")
        reply, messages = execute(kc, "%%grok --chat lab\nWhat is my name?")
        assert reply["content"]["status"] == "ok"
        assert "Your name is Grace." in repr(messages)
        reply, messages = execute(kc, "%grok chat lab")
        assert reply["content"]["status"] == "ok"
        assert "My name is Grace." in repr(messages)  # the panel shows the earlier turns
        for path in (tmp_path / ".grok").rglob("*"):
            if path.is_file():
                assert key not in path.read_text(errors="replace")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_export_without_to_writes_beside_the_notebook(ip, emu, chats, tmp_path, capsys,
                                                     monkeypatch):
    folder, name = chats
    notebook_dir = tmp_path / "notebooks"
    notebook_dir.mkdir()
    monkeypatch.chdir(notebook_dir)  # the kernel's cwd: the notebook's folder
    ip.ok(f'%%grok --chat {name}\nSay "exported words"')
    capsys.readouterr()
    ip.ok(f"%grok chats --export {name}")
    (target,) = notebook_dir.glob(f"{name}*.md")  # the chat store's safe file name
    assert "exported words" in target.read_text()
    assert str(target) in capsys.readouterr().out
    assert not list(folder.glob("*.md"))  # not in the hidden chat folder
