"""Deferred completions: 202 while pending, 200 exactly once, then 404."""

from __future__ import annotations

import httpx

from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY


def test_deferred_lifecycle(chat, http):
    submitted = chat("Reply with 4 words", deferred=True)
    assert submitted.status_code == 200
    request_id = submitted.json()["request_id"]
    assert set(submitted.json()) == {"request_id"}
    pending = http.get(f"/chat/deferred-completion/{request_id}")
    assert pending.status_code == 202 and pending.content == b""
    done = http.get(f"/chat/deferred-completion/{request_id}")
    assert done.status_code == 200
    body = done.json()
    assert body["object"] == "chat.completion"
    assert len(body["choices"][0]["message"]["content"].split()) == 4
    gone = http.get(f"/chat/deferred-completion/{request_id}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "Some requested entity was not found"


def test_unknown_request_id_is_404(http):
    assert http.get("/chat/deferred-completion/no-such-id").status_code == 404


def test_pending_polls_are_configurable():
    with serve(deferred_pending_polls=3) as url:
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"})
        request_id = client.post(
            "/chat/completions",
            json={
                "model": "grok-4.3",
                "messages": [{"role": "user", "content": "hi"}],
                "deferred": True,
            },
        ).json()["request_id"]
        codes = [
            client.get(f"/chat/deferred-completion/{request_id}").status_code for _ in range(5)
        ]
    assert codes == [202, 202, 202, 200, 404]


def test_deferred_requests_are_validated_at_once(chat):
    assert chat("hi", model="grok-nope", deferred=True).status_code == 404
