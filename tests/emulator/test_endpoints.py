"""Every endpoint answers in the real API's shape."""

from __future__ import annotations

import base64
import io

import httpx
from PIL import Image

from grok_jupyter.client._catalog import get_catalog
from grok_jupyter.client._tokens import split_tokens, token_id
from tests.emulator.emulator_helpers import KEY


def test_models_lists_every_catalogue_model(http):
    body = http.get("/models").json()
    assert body["object"] == "list"
    ids = {m["id"] for m in body["data"]}
    # Today's lineup only: a retired id still answers (redirected) but is not listed.
    assert ids == {m.id for m in get_catalog().current_models()}
    assert "grok-4-0709" not in ids and "grok-imagine-image" in ids
    entry = next(m for m in body["data"] if m["id"] == "grok-4.3")
    assert entry == {
        "id": "grok-4.3",
        "created": get_catalog()["grok-4.3"].created,
        "object": "model",
        "owned_by": "xai",
    }


def test_model_by_alias_gives_the_canonical_entry_and_unknown_is_404(http):
    assert http.get("/models/grok-4.20").json()["id"] == "grok-4.20-0309-reasoning"
    missing = http.get("/models/grok-nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "Some requested entity was not found",
        "error": "Model not found",
    }


def test_language_models_carry_prices_modalities_and_aliases(http):
    models = {m["id"]: m for m in http.get("/language-models").json()["models"]}
    grok420 = models["grok-4.20-0309-reasoning"]
    # USD cents per 100M tokens: $1.25 / $0.20 / $2.50 per 1M (2026 §1.1).
    assert (
        grok420["prompt_text_token_price"],
        grok420["cached_prompt_text_token_price"],
        grok420["completion_text_token_price"],
    ) == (12500, 2000, 25000)
    assert "grok-4.20" in grok420["aliases"]
    assert models["grok-4.3"]["input_modalities"] == ["text", "image"]
    assert "grok-2-image-1212" not in models and "grok-3" not in models
    one = http.get("/language-models/grok-4.3-latest").json()
    assert one["id"] == "grok-4.3"


def test_image_generation_models(http):
    models = http.get("/image-generation-models").json()["models"]
    assert {m["id"] for m in models} == {m.id for m in get_catalog().image_models()}
    assert http.get("/image-generation-models/grok-2-image").json()["id"] == "grok-2-image-1212"


def test_tokenize_text_uses_the_shared_tokenizer(http):
    text = "Hello world! Grok, tokenise 12345 café."
    reply = http.post("/tokenize-text", json={"text": text, "model": "grok-4.3"})
    tokens = reply.json()["token_ids"]
    assert [t["string_token"] for t in tokens] == split_tokens(text)
    assert "".join(t["string_token"] for t in tokens) == text
    assert tokens[0] == {
        "token_id": token_id("Hello"),
        "string_token": "Hello",
        "token_bytes": list(b"Hello"),
    }
    missing = http.post("/tokenize-text", json={"model": "grok-4.3"})
    assert missing.status_code == 422 and "missing field `text`" in missing.text


def test_api_key_shows_only_a_redacted_key(http):
    response = http.get("/api-key")
    info = response.json()
    assert info["redacted_api_key"] == "xai-...7Qk9"
    assert KEY not in response.text
    assert info["acls"] == ["api-key:model:*", "api-key:endpoint:*"]
    assert info["api_key_blocked"] is False


def test_image_generation_returns_real_jpegs_by_url_and_b64(http):
    by_url = http.post("/images/generations", json={"prompt": "a red square", "n": 2}).json()
    assert len(by_url["data"]) == 2
    for item in by_url["data"]:
        assert item["revised_prompt"] and item["mime_type"] == "image/jpeg"
        fetched = httpx.get(item["url"])  # served by the emulator itself
        assert fetched.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(fetched.content)) as image:
            assert image.format == "JPEG"
            assert image.getpixel((512, 384))[0] > 200  # red in the middle
    b64 = http.post(
        "/images/generations",
        json={"prompt": "blue sky", "response_format": "b64_json", "model": "grok-imagine-image"},
    ).json()["data"][0]
    assert "url" not in b64
    with Image.open(io.BytesIO(base64.b64decode(b64["b64_json"]))) as image:
        assert image.format == "JPEG"
    # Two images at the default image model's catalogue price.
    catalog = get_catalog()
    price = catalog.resolve(catalog.default_image_model).image_price_usd
    assert by_url["usage"]["cost_in_usd_ticks"] == round(price * 2 * 1e10)


def test_image_generation_rejects_what_the_real_api_rejects(http):
    assert http.post("/images/generations", json={"n": 1}).status_code == 422
    size = http.post("/images/generations", json={"prompt": "x", "size": "1024x1024"})
    assert size.status_code == 400 and size.json()["error"] == "Argument not supported: size"
    assert http.post("/images/generations", json={"prompt": "x", "n": 11}).status_code == 400


def test_unknown_route_and_wrong_method(http):
    nowhere = http.get("/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json()["error"].startswith("No handler found on route.")
    assert http.get("/chat/completions").status_code == 405
