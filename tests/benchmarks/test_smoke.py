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
    _check_turn_overhead_rows(rows)


def _before_commit_here() -> bool:
    from benchmarks.turn_overhead import BEFORE

    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{BEFORE}^{{commit}}"],
                           capture_output=True)
    return found.returncode == 0


def _check_turn_overhead_rows(rows: list[list[str]]) -> None:
    """Both versions really ran: this tree's plain turn went to the Responses API, the old
    commit's (imported from its extracted copy) to chat; without the commit, it says so."""
    overhead = [r for r in rows if r[0].startswith(
        ("plain %%grok turn", "the same, on the server's stamps", "the same, events"))]
    assert len(overhead) == 3, overhead
    for cells in overhead:
        if _before_commit_here():
            assert cells[5] in ("PASS", "MISS", "info"), cells
            assert "/v1/responses" in cells[1] and "/v1/chat/completions" in cells[2], cells
            assert cells[6].endswith(" ms") and cells[7].endswith(" ms"), cells
        else:
            assert cells[5] == "n/a" and "not available" in cells[8], cells


def test_turn_overhead_says_why_without_the_old_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import turn_overhead
    from benchmarks._harness import Config

    monkeypatch.setattr(turn_overhead, "BEFORE", "0" * 40)  # no such commit
    rows = turn_overhead.run(Config.for_mode("smoke"))
    assert [r.key for r in rows] == turn_overhead.KEYS
    for row in rows:
        assert row.status == "n/a" and row.ratio is None, row
        assert row.note.startswith(f"not available: commit {'0' * 40} is not available"), row


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


def test_pre_encoded_server_speaks_responses_sse() -> None:
    import httpx

    from benchmarks._sse_server import MODEL, RESPONSE_ID, SSEServer, stream_text

    with SSEServer() as server, httpx.Client(timeout=30) as client:
        for per_event in (False, True):
            url = server.url(2500, per_event=per_event) + "/responses"
            with client.stream("POST", url, json={"stream": True}) as r:
                assert r.headers["content-type"] == "text/event-stream"
                lines = [line for line in r.iter_lines() if line]
            assert all(line.startswith("data: ") for line in lines)  # no event:, no [DONE]
            events = [json.loads(line[6:]) for line in lines]
            assert [e["sequence_number"] for e in events] == list(range(len(events)))
            kinds = [e["type"] for e in events]
            assert kinds[:4] == ["response.created", "response.in_progress",
                                 "response.output_item.added", "response.content_part.added"]
            assert kinds[-4:] == ["response.output_text.done", "response.content_part.done",
                                  "response.output_item.done", "response.completed"]
            deltas = [e for e in events if e["type"] == "response.output_text.delta"]
            assert len(deltas) == 2500 == len(events) - 8
            assert all(d["logprobs"] == [] for d in deltas)
            assert "".join(d["delta"] for d in deltas) == stream_text(2500)
            assert "usage" in events[0]["response"] and events[0]["response"]["usage"] is None
            final = events[-1]["response"]
            assert final["id"] == RESPONSE_ID and final["status"] == "completed"
            assert final["output"][0]["content"][0]["text"] == stream_text(2500)
            usage = final["usage"]
            assert usage["output_tokens"] == 2500
            assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
        server.set_stream(3)
        with client.stream("POST", server.url() + "/responses", json={"stream": True}) as r:
            n = sum(1 for line in r.iter_lines() if "output_text.delta" in line)
        assert n == 3
        reply = client.post(server.url() + "/responses", json={"stream": False}).json()
        assert reply["object"] == "response" and reply["model"] == MODEL
        assert reply["output"][0]["content"][0]["text"]


def test_merge_replaces_only_the_groups_that_ran() -> None:
    import benchmarks.__main__ as bench
    from benchmarks import responses, streaming
    from benchmarks._harness import Config, Row

    def row(key: str, group: str, ratio: float, target: str) -> Row:
        r = Row(key=key, group=group, what=key, subject="s", baseline="b", unit="x/s",
                target=target, subject_value=ratio, baseline_value=1.0, ratio=ratio)
        r.judge()
        return r

    cfg = Config.for_mode("smoke")
    old = bench.render([row("a", streaming.GROUP, 2.0, ">= 1"),
                        row("b", responses.GROUP, 0.1, ">= 1")], cfg, "full run", 1.0)
    new = bench.render([row("c", responses.GROUP, 3.0, ">= 1")], cfg, "only responses", 1.0)
    merged = bench.merge(old, new, bench._titles(), "only responses")
    assert merged.index(f"## {streaming.GROUP}") < merged.index(f"## {responses.GROUP}")
    rows = _table_rows(merged)
    assert [r[0] for r in rows] == ["a", "c"]  # b replaced, a kept
    assert "**Targets: 2 PASS, 0 MISS, 0 not available.**" in merged
    assert "- Updated:" in merged and "`full run`" in merged  # the original run line stays
    assert "MISS" not in merged.replace("0 MISS", "")
