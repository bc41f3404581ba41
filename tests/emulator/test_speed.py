"""Speed profiles: answers paced like a real model's, or in an exact answer time.

Lower bounds are what pacing guarantees; upper bounds leave room for a loaded machine.
"""

from __future__ import annotations

import time

import httpx
import pytest

from grok_jupyter.emulator import serve
from grok_jupyter.emulator._pacing import MEASURED
from tests.emulator.emulator_helpers import parse_sse

SLACK = 1.0  # seconds a busy CI machine may add
PLAIN = "grok-4.20-0309-non-reasoning"  # no reasoning tokens: the count is the answer's


def _timed(send) -> tuple[float, httpx.Response]:
    start = time.monotonic()
    response = send()
    return time.monotonic() - start, response


def _arrivals(http: httpx.Client, path: str, body: dict) -> list[tuple[float, str]]:
    """(seconds after sending, data line) of each streamed event."""
    start = time.monotonic()
    seen = []
    with http.stream("POST", path, json={**body, "stream": True}) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append((time.monotonic() - start, line[6:]))
    return seen


def test_instant_is_the_default(emu, chat):
    elapsed, r = _timed(lambda: chat("Reply with 200 words"))
    assert r.status_code == 200 and elapsed < SLACK


@pytest.mark.parametrize("answer_s", [0.5, 1.2])
def test_a_fixed_answer_time_holds_for_plain_chat_and_responses(emu, http, chat, answer_s):
    emu.set_speed({"answer_s": answer_s})
    for send in (
        lambda: chat("Reply with 5 words"),
        lambda: chat("Reply with 300 words"),
        lambda: http.post("/responses", json={"model": "grok-4.3", "input": "Say 'hi'"}),
    ):
        elapsed, r = _timed(send)
        assert r.status_code == 200
        assert answer_s <= elapsed < answer_s + SLACK


def test_a_streamed_chat_starts_at_ttft_and_ends_at_the_answer_time(emu, http):
    emu.set_speed({"ttft_s": 0.4, "answer_s": 1.0})
    body = {"model": PLAIN, "messages": [{"role": "user", "content": "Reply with 20 words"}]}
    arrivals = _arrivals(http, "/chat/completions", body)
    first_token = arrivals[0][0]
    last_token = arrivals[-3][0]  # before the finish chunk and [DONE]
    assert 0.4 <= first_token < 0.4 + SLACK
    assert 1.0 <= last_token < 1.0 + SLACK
    # Tokens come spread out, not in one lump at the end.
    middle = arrivals[len(arrivals) // 2][0]
    assert first_token + 0.1 < middle < last_token


def test_a_responses_stream_opens_at_once_and_paces_its_text(emu, http):
    emu.set_speed({"ttft_s": 0.5, "tokens_per_s": 40})
    arrivals = _arrivals(http, "/responses", {"model": PLAIN, "input": "Reply with 12 words"})
    kinds = [(t, parse_sse(f"data: {d}\n\n")[0]) for t, d in arrivals]
    created = next(t for t, e in kinds if e != "[DONE]" and e["type"] == "response.created")
    deltas = [t for t, e in kinds if e != "[DONE]" and e["type"] == "response.output_text.delta"]
    assert created < 0.4  # the response exists before its first token
    assert 0.5 <= deltas[0] < 0.5 + SLACK
    # 40 tokens a second: the last delta comes (n - 1) / 40 s after the first at least.
    assert deltas[-1] - deltas[0] >= (len(deltas) - 1) / 40 - 0.05


def test_tokens_per_second_sets_the_plain_answer_time(emu, chat):
    emu.set_speed({"tokens_per_s": 100})
    elapsed, r = _timed(lambda: chat("Reply with 60 words", model=PLAIN))
    tokens = r.json()["usage"]["completion_tokens"]
    expected = (tokens - 1) / 100
    assert expected > 0.5 and expected <= elapsed < expected + SLACK


def test_the_realistic_profile_uses_the_measured_time_to_first_token(emu, chat):
    emu.set_speed("realistic")
    ttft, rate = MEASURED[PLAIN]
    elapsed, r = _timed(lambda: chat("Say 'hi'", model=PLAIN))
    tokens = r.json()["usage"]["completion_tokens"]
    assert ttft + (tokens - 1) / rate <= elapsed < ttft + SLACK


def test_reset_restores_the_speed_serve_was_given(emu, chat):
    emu.set_speed({"answer_s": 5})
    emu.reset()
    elapsed, _ = _timed(lambda: chat("hi"))
    assert elapsed < SLACK


def test_the_speed_can_be_set_and_read_over_http(emu):
    admin = emu.base_url.removesuffix("/v1") + "/_emulator/speed"
    assert httpx.get(admin).json() == {"profile": "instant"}
    set_to = httpx.post(admin, json={"speed": {"answer_s": 2}}).json()
    assert set_to == {"profile": "fixed", "ttft_s": 0.0, "tokens_per_s": None, "answer_s": 2.0}
    assert httpx.post(admin, json={"speed": "realistic"}).json() == {"profile": "realistic"}
    bad = httpx.post(admin, json={"speed": {"answer_s": -1}})
    assert bad.status_code == 400 and "answer_s" in bad.json()["error"]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("fast", "instant"),
        ({"warp": 2}, "warp"),
        ({"tokens_per_s": 0}, "tokens_per_s"),
        ({"answer_s": "soon"}, "answer_s"),
        (42, "mapping"),
    ],
)
def test_a_bad_speed_is_refused_with_what_to_change(emu, spec, says):
    with pytest.raises(ValueError, match=says):
        emu.set_speed(spec)
    with pytest.raises(ValueError, match=says), serve(speed=spec):
        pass


def test_serve_takes_a_speed(chat):
    with (
        serve(speed={"answer_s": 0.6}) as paced,
        httpx.Client(base_url=paced.base_url, headers={"Authorization": "Bearer xai-k"}) as http,
    ):
        body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}
        elapsed, r = _timed(lambda: http.post("/chat/completions", json=body))
    assert r.status_code == 200 and 0.6 <= elapsed < 0.6 + SLACK
