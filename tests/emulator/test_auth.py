"""Keys: any ``xai-`` key by default, or the configured ones; the real error replies."""

from __future__ import annotations

import httpx

from grok_jupyter.emulator import serve


def test_missing_authorization_is_401(emu):
    response = httpx.get(f"{emu}/models")
    assert response.status_code == 401
    assert response.json()["code"] == "The request does not have valid authentication credentials"


def test_wrong_key_is_400_with_the_real_redacted_text(emu):
    response = httpx.get(f"{emu}/models", headers={"Authorization": "Bearer sk-wrong-key-en"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "Client specified an invalid argument",
        "error": "Incorrect API key provided: sk***en. You can obtain an API key from "
        "https://console.x.ai.",
    }
    assert "wrong-key" not in response.text


def test_any_xai_key_is_accepted_by_default(emu):
    ok = httpx.get(f"{emu}/models", headers={"Authorization": "Bearer xai-anything"})
    assert ok.status_code == 200


def test_configured_keys_replace_the_default():
    with serve(api_keys=["only-this-key"]) as url:
        good = httpx.get(f"{url}/models", headers={"Authorization": "Bearer only-this-key"})
        bad = httpx.get(f"{url}/models", headers={"Authorization": "Bearer xai-other"})
    assert good.status_code == 200
    assert bad.status_code == 400
