"""Every fault on demand: by header, by the handle's queue, and by the admin endpoint."""

from __future__ import annotations

import time

import httpx
import pytest

from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY, parse_sse

ERRORS = {
    "rate_limit": (429, "Some resource has been exhausted"),
    "server_error": (500, "Internal error"),
    "unavailable": (503, "The service is currently unavailable"),
}


def _admin(emu, fault: str, **spec) -> None:
    root = emu.base_url.removesuffix("/v1")
    response = httpx.post(f"{root}/_emulator/faults", json={"fault": fault, **spec})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("how", ["header", "inject", "admin"])
@pytest.mark.parametrize("fault", sorted(ERRORS))
def test_error_faults(emu, chat, fault, how):
    headers = None
    if how == "header":
        headers = {"X-Emulator-Fault": fault}
    elif how == "inject":
        emu.inject(fault)
    else:
        _admin(emu, fault)
    response = chat("hi", headers=headers)
    status, code = ERRORS[fault]
    assert response.status_code == status
    assert response.json()["code"] == code
    assert [r.fault for r in emu.requests] == [fault]
    assert chat("hi").status_code == 200  # one request only


def test_rate_limit_fault_sends_retry_after(emu, chat):
    emu.inject("rate_limit", retry_after=7)
    response = chat("hi")
    assert response.headers["retry-after"] == "7"
    assert "x-ratelimit-limit-requests" in response.headers
    header = chat("hi", headers={"X-Emulator-Fault": "rate_limit;retry_after=0"})
    assert header.headers["retry-after"] == "0"


def test_bad_gateway_is_an_html_page(chat):
    response = chat("hi", headers={"X-Emulator-Fault": "bad_gateway"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


def test_inject_times_and_order(emu, chat):
    emu.inject("server_error", times=2)
    emu.inject("unavailable")
    assert [chat("hi").status_code for _ in range(4)] == [500, 500, 503, 200]
    assert [r.fault for r in emu.chat_requests] == [
        "server_error",
        "server_error",
        "unavailable",
        None,
    ]


def test_json_error_200_replaces_a_stream(chat):
    response = chat("hi", stream=True, headers={"X-Emulator-Fault": "json_error_200"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "code": "The service is currently unavailable",
        "error": "Timed out waiting for first token",
    }


@pytest.mark.parametrize("how", ["header", "inject", "admin"])
def test_disconnect_drops_the_connection_without_a_response(emu, chat, how):
    headers = {"X-Emulator-Fault": "disconnect"} if how == "header" else None
    if how == "inject":
        emu.inject("disconnect")
    elif how == "admin":
        _admin(emu, "disconnect")
    with pytest.raises(httpx.RemoteProtocolError):
        chat("hi", headers=headers)
    assert chat("hi").status_code == 200  # the server is fine afterwards
    assert emu.requests[0].fault == "disconnect"


def test_cut_drops_the_stream_after_k_chunks(emu, http):
    emu.inject("cut", after_chunks=3)
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "Reply with 50 words"}],
        "stream": True,
    }
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("POST", "/chat/completions", json=body) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line:
                    received.append(line)
    assert len(received) == 3
    assert all("[DONE]" not in line for line in received)


def test_malformed_event_after_k_chunks(chat):
    response = chat(
        "Reply with 20 words", stream=True, headers={"X-Emulator-Fault": "malformed;after_chunks=2"}
    )
    blocks = [b for b in response.text.split("\n\n") if b]
    assert blocks[-1] == "data: [DONE]"
    bad = [b for b in blocks if not _is_json_event(b)]
    assert bad == [blocks[2]]


def _is_json_event(block: str) -> bool:
    import json

    data = block.removeprefix("data: ")
    if data == "[DONE]":
        return True
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def test_keepalive_chunks_with_empty_deltas_come_first(emu, chat):
    emu.inject("keepalive", count=4)
    events = parse_sse(chat("hi", stream=True).text)
    assert [e["choices"][0]["delta"] for e in events[:4]] == [{}] * 4
    assert "finish_reason" not in events[0]["choices"][0]
    assert events[4]["choices"][0]["delta"]["role"] == "assistant"
    assert len({e["id"] for e in events[:-1]}) == 1


def test_slow_first_byte(emu, http):
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}
    emu.inject("slow_first_byte", delay=1)
    # A client that waits less than the delay times out before any byte arrives.
    with pytest.raises(httpx.ReadTimeout):
        http.post("/chat/completions", json=body, timeout=0.2)
    # The server still answers (and bills) the abandoned request once the delay is over:
    # wait for it, so it cannot land in a later test's bill.
    deadline = time.monotonic() + 10
    while emu.billed["calls"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emu.billed["calls"] == 1
    emu.inject("slow_first_byte", delay=0.2)
    assert http.post("/chat/completions", json=body, timeout=10).status_code == 200
    assert [r.fault for r in emu.requests] == ["slow_first_byte", "slow_first_byte"]


def test_slow_chunks_pause_between_events(emu, http):
    emu.inject("slow_chunks", delay=2)
    body = {
        "model": "grok-4.3",
        "messages": [{"role": "user", "content": "Reply with 5 words"}],
        "stream": True,
    }
    received = []
    with pytest.raises(httpx.ReadTimeout):
        with http.stream("POST", "/chat/completions", json=body, timeout=0.3) as response:
            for line in response.iter_lines():
                if line:
                    received.append(line)
    assert len(received) == 1  # the first event came at once; the second was still pending


def test_unknown_fault_is_refused_clearly(emu, chat):
    response = chat("hi", headers={"X-Emulator-Fault": "meteor"})
    assert response.status_code == 400
    assert "unknown emulator fault 'meteor'" in response.json()["error"]
    with pytest.raises(ValueError, match="unknown emulator fault"):
        emu.inject("meteor")
    with pytest.raises(ValueError, match="takes no parameter"):
        emu.inject("cut", delay=1)


def test_queued_faults_apply_to_any_api_request(emu, http):
    emu.inject("unavailable")
    assert http.get("/models").status_code == 503


def test_rate_limit_headers_on_every_response(chat):
    response = chat("hi")
    for name in ("limit", "remaining", "reset"):
        assert f"x-ratelimit-{name}-requests" in response.headers
        assert f"x-ratelimit-{name}-tokens" in response.headers


def test_requests_per_minute_limit_gives_real_429s():
    with serve(rpm=2) as url:
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"})
        codes = [client.get("/models").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = client.get("/models")
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["code"] == "Some resource has been exhausted"
        assert limited.headers["x-ratelimit-remaining-requests"] == "0"


def test_tokens_per_minute_limit_and_set_limits(emu, chat):
    emu.set_limits(tpm=50)
    assert chat("Reply with 60 words").status_code == 200
    assert chat("hi").status_code == 429
    emu.reset()  # restores the limits serve() was given: none
    assert chat("hi").status_code == 200


# --- issue 21: the faults of a lost answer, a broken encoding, an unfinished stream ---------


@pytest.mark.parametrize(("status", "code"), [
    (400, "Client specified an invalid argument"), (404, "Some requested entity was not found"),
    (429, "Some resource has been exhausted"), (503, "The service is currently unavailable"),
])  # fmt: skip
def test_json_error_200_says_its_kind_on_any_route(emu, http, status, code):
    for method, path in [("GET", "/files"), ("POST", "/batches"), ("GET", "/batches/b/results")]:
        emu.inject("json_error_200", status=status)
        response = http.request(method, path, json={"name": "x"} if method == "POST" else None)
        assert response.status_code == 200 and response.json()["code"] == code


def test_reset_after_work_does_the_work_then_drops_the_connection(emu, http, chat):
    emu.inject("reset_after_work")
    with pytest.raises(httpx.RemoteProtocolError):
        chat("hi")
    assert emu.billed["calls"] == 1  # answered and billed; the answer never left
    emu.inject("reset_after_work")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/batches", json={"name": "made"})
    assert [b["name"] for b in http.get("/batches").json()["batches"]] == ["made"]


@pytest.mark.parametrize("stream", [False, True])
def test_bad_encoding_claims_gzip_over_bytes_that_are_not(emu, http, chat, stream):
    emu.inject("bad_encoding")
    with pytest.raises(httpx.DecodingError):
        chat("hi", stream=stream)
    emu.inject("bad_encoding")
    raw = http.send(http.build_request("GET", "/models"), stream=True)
    assert raw.headers["content-encoding"] == "gzip" and raw.status_code == 200
    raw.close()


@pytest.mark.parametrize(("spec", "ends"), [("no_completed", "[DONE]"),
                                            ("no_completed;done=0", None)])  # fmt: skip
def test_no_completed_leaves_out_the_final_responses_event(http, spec, ends):
    body = {"model": "grok-4.3", "input": "Say hi.", "stream": True}
    response = http.post("/responses", json=body, headers={"X-Emulator-Fault": spec})
    events = parse_sse(response.text)
    types = [e["type"] for e in events if isinstance(e, dict)]
    assert "response.output_text.delta" in types and "response.completed" not in types
    assert (events[-1] if events[-1] == "[DONE]" else None) == ends
