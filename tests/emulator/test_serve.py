"""serve(): the handle, recording, the admin endpoints, and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from grok_jupyter.emulator import RecordedRequest, serve
from tests.emulator.emulator_helpers import KEY


def test_handle_is_the_base_url(emu):
    assert isinstance(emu, str)
    assert emu == emu.base_url
    assert emu.startswith("http://127.0.0.1:") and emu.endswith("/v1")


def test_requests_are_recorded_with_the_key_redacted(emu, chat):
    chat("hello")
    [recorded] = emu.requests
    assert isinstance(recorded, RecordedRequest)
    assert (recorded.method, recorded.path, recorded.fault) == (
        "POST",
        "/v1/chat/completions",
        None,
    )
    assert recorded.body["messages"][0]["content"] == "hello"
    assert KEY not in str(recorded.headers)
    assert recorded.headers["authorization"] == "Bearer xa***k9"
    assert emu.chat_requests == [recorded]


def test_admin_calls_are_not_recorded_and_reset_forgets(emu, http, chat):
    http.get("/models")
    chat("hi")
    root = emu.base_url.removesuffix("/v1")
    listed = httpx.get(f"{root}/_emulator/requests").json()
    assert [r["path"] for r in listed] == ["/v1/models", "/v1/chat/completions"]
    assert len(emu.requests) == 2 and len(emu.chat_requests) == 1
    httpx.post(f"{root}/_emulator/reset")
    assert emu.requests == []


def test_reset_over_http_forgets_files_and_added_posts_as_emu_reset_does(emu, http):
    root = emu.base_url.removesuffix("/v1")
    uploaded = http.post("/files", files={"file": ("n.txt", b"hello", "text/plain")}).json()
    url = emu.add_post("resetcheck", "a post about zebras", "2026-11-01")

    def search() -> str:
        return str(
            http.post(
                "/responses",
                json={"model": "grok-4.3", "input": "zebras", "tools": [{"type": "x_search"}]},
            ).json()
        )

    assert http.get(f"/files/{uploaded['id']}").status_code == 200 and url in search()
    httpx.post(f"{root}/_emulator/reset")
    assert http.get(f"/files/{uploaded['id']}").status_code == 404 and url not in search()


def test_nothing_sent_means_nothing_recorded(emu):
    assert emu.requests == []


def test_a_second_server_runs_alongside_and_stops():
    with serve() as other:
        url = other.base_url
        assert (
            httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {KEY}"}).status_code
            == 200
        )
    try:
        httpx.get(f"{url}/models", timeout=2)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the server still answers after serve() exited")


def test_command_line_prints_the_base_url_then_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "grok_jupyter.emulator", "--port", "0", "--api-key", "xai-cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("XAI_BASE_URL=http://127.0.0.1:") and line.endswith("/v1")
        url = line.split("=", 1)[1]
        ok = httpx.get(f"{url}/models", headers={"Authorization": "Bearer xai-cli"}, timeout=10)
        assert ok.status_code == 200
        # --api-key restricts the accepted keys.
        assert (
            httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {KEY}"}).status_code
            == 400
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_command_line_help_describes_every_option():
    out = subprocess.run(
        [sys.executable, "-m", "grok_jupyter.emulator", "--help"], capture_output=True, text=True
    ).stdout
    for option in (
        "--host",
        "--port",
        "--api-key",
        "--rpm",
        "--tpm",
        "--rate-window",
        "--corpus",
        "--code-execution",
        "--retired",
        "--batch-delay",
        "--max-file-bytes",
        "--speed",
    ):
        assert option in out
    assert "realistic" in out and "answer_s=2" in out  # the speed profiles, with an example


def test_command_line_options_reach_the_server():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grok_jupyter.emulator",
            "--port",
            "0",
            "--retired",
            "error",
            "--code-execution",
            "off",
            "--max-file-bytes",
            "10",
            "--speed",
            "answer_s=0.6",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip().split("=", 1)[1]
        auth = {"Authorization": f"Bearer {KEY}"}
        retired = httpx.post(
            f"{url}/chat/completions",
            headers=auth,
            timeout=10,
            json={"model": "grok-3", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert retired.status_code == 404  # --retired error
        big = httpx.post(
            f"{url}/files",
            headers=auth,
            timeout=10,
            files={"file": ("a.txt", b"x" * 11, "text/plain")},
        )
        assert big.status_code == 413  # --max-file-bytes 10
        code = httpx.post(
            f"{url}/responses",
            headers=auth,
            timeout=10,
            json={
                "model": "grok-4.3",
                "input": "Run:\n```python\nprint(1)\n```",
                "tools": [{"type": "code_interpreter"}],
            },
        )
        assert code.status_code >= 400  # --code-execution off refuses the tool
        start = time.monotonic()
        paced = httpx.post(
            f"{url}/chat/completions",
            headers=auth,
            timeout=10,
            json={"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert paced.status_code == 200 and time.monotonic() - start >= 0.6  # --speed
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_command_line_refuses_a_bad_speed_with_what_to_write():
    done = subprocess.run(
        [sys.executable, "-m", "grok_jupyter.emulator", "--speed", "warp"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--speed" not in done.stdout and "'instant', 'realistic' or key=value" in done.stderr


def test_start_points_the_default_clients_at_one_process_wide_emulator(monkeypatch):
    from grok_jupyter import emulator
    from grok_jupyter.client import get_client

    monkeypatch.setenv("XAI_API_KEY", "xai-a-real-looking-key")
    monkeypatch.delenv("XAI_BASE_URL", raising=False)
    assert emulator.start(if_no_key=True) is None  # a key means the real API
    assert emulator.running_url() is None
    monkeypatch.delenv("XAI_API_KEY")
    try:
        url = emulator.start(if_no_key=True)
        assert url and url.startswith("http://127.0.0.1:") and url == emulator.running_url()
        assert emulator.start() == url  # once per process
        assert get_client().base_url == url
        assert "emulator" in get_client().chat("Hello", model="grok-3").text
    finally:
        emulator.stop()
    assert emulator.running_url() is None and "XAI_BASE_URL" not in os.environ
