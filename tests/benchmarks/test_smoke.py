"""The benchmark harness runs end to end in its tiny smoke mode (no speed assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a top-level package of the repository
    sys.path.insert(0, str(ROOT))

RESULTS = {"PASS", "MISS", "info", "n/a"}


def _table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| what |"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


@pytest.mark.timeout(300)
def test_smoke_run_writes_every_row(tmp_path: Path) -> None:
    from benchmarks.__main__ import ALL_KEYS, GROUPS

    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--quiet", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=280,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    assert text.strip() in done.stdout  # printed too
    for field in ("- Date:", "- Machine:", "- Packages:", "cores", "Python", "httpx"):
        assert field in text
    rows = _table_rows(text)
    assert len(rows) == len(ALL_KEYS) == len(set(ALL_KEYS))
    assert text.count("\n## ") == len(GROUPS)
    for cells in rows:
        assert len(cells) == 9, cells
        ratio, target, result = cells[3:6]
        assert result in RESULTS, cells
        if result in ("PASS", "MISS"):
            assert ratio.endswith("x") and target != "—", cells
        if result == "n/a":
            assert "not available" in cells[8], cells  # always says why
        assert "group failed" not in cells[8], cells


def test_rows_are_complete_even_when_a_group_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.__main__ as bench
    from benchmarks._harness import Config

    def boom(cfg: Config) -> list:
        raise RuntimeError("broken on purpose")

    _, needs_server, keys = bench.GROUPS["imports"]
    monkeypatch.setitem(bench.GROUPS, "imports", (boom, needs_server, keys))
    rows = bench.run(Config.for_mode("smoke"), ["imports"])
    assert [r.key for r in rows] == keys
    assert all(r.status == "n/a" and "broken on purpose" in r.note for r in rows)
    text = bench.render(rows, Config.for_mode("smoke"), "test", 0.0)
    assert len(_table_rows(text)) == len(keys)


def test_pre_encoded_server_speaks_xai_sse() -> None:
    import httpx

    from benchmarks._sse_server import MODEL, SSEServer, stream_text

    with SSEServer() as server, httpx.Client(timeout=30) as client:
        for per_event in (False, True):
            events = []
            url = server.url(2500, per_event=per_event) + "/chat/completions"
            with client.stream("POST", url, json={"stream": True}) as r:
                assert r.headers["content-type"] == "text/event-stream"
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        events.append(line[6:])
            assert events[-1] == "[DONE]"
            chunks = [json.loads(e) for e in events[:-1]]
            assert {c["id"] for c in chunks} == {chunks[0]["id"]}
            assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
            assert "finish_reason" not in chunks[1]["choices"][0]
            text = "".join(c["choices"][0]["delta"].get("content", "")
                           for c in chunks if c["choices"])
            assert text == stream_text(2500)
            assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
            assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 2500
        server.set_stream(3)
        with client.stream("POST", server.url() + "/chat/completions",
                           json={"stream": True}) as r:
            n = sum(1 for line in r.iter_lines() if '"content"' in line)
        assert n == 3
        reply = client.post(server.url() + "/chat/completions", json={"stream": False}).json()
        assert reply["object"] == "chat.completion" and reply["model"] == MODEL
