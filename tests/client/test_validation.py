"""Validation before money is spent: each refusal is clear and sends nothing."""

from __future__ import annotations

import base64
import io
import warnings

import pytest
from PIL import Image

from grok_jupyter.client import (
    BadRequestError,
    ContextWindowExceededError,
    ImageInputError,
    InvalidRequestError,
    Message,
    NotFoundError,
    RetiredModelWarning,
    TextPart,
    UnknownModelWarning,
    UnsupportedParameterError,
    image_part,
)


def png_bytes(w: int = 32, h: int = 32, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def with_image(url: str) -> list[dict]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": url}},
            ],
        }
    ]


# Only [V] rejections (xai-api-2026.md §4.1, §4.3) are refused before sending.
@pytest.mark.parametrize(
    ("model", "param", "value", "hint"),
    [
        ("grok-4.5", "presence_penalty", 0.5, "grok-4.7"),  # [V] OLD §1.3
        ("grok-4.20-0309-reasoning", "reasoning_effort", "high", "grok-4.3"),  # [V] VER
        ("grok-4.20-0309-non-reasoning", "reasoning_effort", "none", "grok-4.3"),  # [V] VER
    ],
)
def test_rejected_parameter_names_param_model_and_fix(client, emu, model, param, value, hint):
    with pytest.raises(UnsupportedParameterError) as err:
        client.chat("hi", model=model, **{param: value})
    msg = str(err.value)
    assert param in msg and model in msg and f"Drop {param}" in msg and hint in msg
    assert (err.value.parameter, err.value.model) == (param, model)
    assert isinstance(err.value, ValueError) and isinstance(err.value, InvalidRequestError)
    assert emu.requests == []


def test_rejected_parameter_via_alias_and_on_stream(client, emu):
    with pytest.raises(UnsupportedParameterError, match=r"grok-4\.5 does not accept"):
        client.stream("hi", model="grok-4.5-latest", presence_penalty=0.5)
    assert emu.requests == []


async def test_async_validation_sends_nothing(aclient, emu):
    with pytest.raises(UnsupportedParameterError):
        await aclient.chat("hi", model="grok-4.20", reasoning_effort="low")
    with pytest.raises(UnsupportedParameterError):
        aclient.stream("hi", model="grok-4.5", presence_penalty=0.5)
    assert emu.requests == []


def test_refused_reasoning_effort_lists_what_a_current_model_takes(client, emu):
    with pytest.raises(UnsupportedParameterError) as err:
        client.chat("hi", model="grok-4.20", reasoning_effort="medium")
    msg = str(err.value)
    accepted = ", ".join(repr(e) for e in client.catalog.accepted_efforts("grok-4.3"))
    assert "for any value" in msg and "Drop reasoning_effort" in msg and "'medium'" in msg
    assert f"grok-4.3, which takes {accepted} (default 'low')" in msg
    assert emu.requests == []


def test_unverified_rejection_is_sent_and_the_server_error_is_typed(client, emu):
    # presence_penalty on grok-4.3 is [U] (§4.3): the server decides, with its own text.
    try:
        client.chat("hi", model="grok-4.3", presence_penalty=0.5)
    except BadRequestError as exc:
        assert "presence" in str(exc).lower()
    assert len(emu.chat_requests) == 1
    assert emu.chat_requests[0].body["presence_penalty"] == 0.5


def test_image_to_a_text_only_model_suggests_a_vision_model(make_client, emu):
    from grok_jupyter.client import Catalog, ModelInfo

    current = list(Catalog.bundled())
    catalog = Catalog([*current, ModelInfo(id="grok-text-only", input_modalities=("text",))])
    part = image_part(png_bytes())
    msg = Message.user([TextPart(text="What is this?"), part])
    with pytest.raises(ImageInputError, match="text only") as err:
        make_client(catalog=catalog).chat([msg], model="grok-text-only")
    assert catalog.default_vision_model in str(err.value)
    assert emu.requests == []


def test_unverified_text_only_model_gets_the_image_sent(client, emu):
    # grok-build-0.1's modalities are [U]: refusing would block a request that may work.
    msg = Message.user([TextPart(text="What is this?"), image_part(png_bytes())])
    try:
        client.chat([msg], model="grok-build-0.1")
    except BadRequestError:
        pass  # the server's answer, not ours
    assert len(emu.chat_requests) == 1


def test_a_retired_id_is_checked_as_the_model_that_answers_it(client, emu):
    # grok-3 took no reasoning_effort and grok-2-vision-1212 had a 32k window; grok-4.3,
    # which answers both today (xai-api-2026.md §1.3), takes either: so both are sent.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetiredModelWarning)
        for model, params in (("grok-3", {"reasoning_effort": "high"}),
                              ("grok-2-vision-1212", {"max_tokens": 5})):
            text = "hi" if model == "grok-3" else "word " * 40_000
            try:
                client.chat(text, model=model, **params)
            except BadRequestError:
                pass  # whatever the server says, it is the server's call
    assert len(emu.chat_requests) == 2


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", "JPEG or PNG"),
        ("data:image/webp;base64,UklGRiQAAABXRUJQ", "JPEG or PNG"),
        ("data:image/png;base64,!!!not-base64!!!", "corrupt"),
        ("data:image/png,rawbytes", "base64"),
        ("/home/me/cat.png", "image_part"),
        ("file:///tmp/cat.png", "image_part"),
    ],
)
def test_bad_image_urls_are_refused(client, emu, url, match):
    with pytest.raises(ImageInputError, match=match):
        client.chat(with_image(url), model="grok-4.3")
    assert emu.requests == []


def test_declared_png_that_is_really_gif_is_refused(client, emu):
    gif = png_bytes(fmt="GIF")
    with pytest.raises(ImageInputError, match="GIF"):
        client.chat(with_image(data_url(gif, "image/png")))
    assert emu.requests == []


def test_image_over_10_mib_is_refused(client, emu):
    big = png_bytes() + b"\0" * (11 * 1024 * 1024)
    with pytest.raises(ImageInputError, match=r"11\.0 MiB"):
        client.chat(with_image(data_url(big, "image/png")))
    assert emu.requests == []


def test_image_over_the_pixel_limit_is_refused(client, emu):
    wide = png_bytes(20_000, 4)
    with pytest.raises(ImageInputError, match="20000x4"):
        client.chat(with_image(data_url(wide, "image/png")))
    assert emu.requests == []


def test_good_images_pass_and_reach_the_server(client, emu):
    r = client.chat(with_image(data_url(png_bytes(), "image/png")))
    assert r.text
    jpeg = png_bytes(fmt="JPEG")
    assert client.chat(with_image(data_url(jpeg, "image/jpeg"))).text
    assert client.chat(with_image("https://example.com/cat.png")).text is not None
    assert len(emu.chat_requests) == 3


def test_prompt_over_the_context_window(client, emu):
    long_text = "word " * 480_000  # about 480k tokens; grok-4.5 has 500,000 ([V])
    with pytest.raises(ContextWindowExceededError) as err:
        client.chat(long_text, model="grok-4.5")
    e = err.value
    assert e.context_window == 500_000 and e.estimated_tokens > 475_000
    assert "count_tokens" in str(e) and "bigger window" in str(e)
    assert emu.requests == []


def test_max_tokens_counts_against_the_window(client, emu):
    with pytest.raises(ContextWindowExceededError, match="max_tokens"):
        client.chat("hi", model="grok-4.5", max_tokens=480_000)
    assert emu.requests == []


def test_just_under_the_window_passes(client, emu):
    text = "word " * 20_000
    assert client.chat(text, model="grok-4.5", max_tokens=450_000).text
    assert len(emu.chat_requests) == 1


def test_unknown_model_passes_with_a_warning(client, emu):
    with pytest.warns(UnknownModelWarning, match="grok-9-preview"):
        with pytest.raises(NotFoundError):  # the emulator does not know it either
            client.chat("hi", model="grok-9-preview")
    assert len(emu.chat_requests) == 1  # sent, not refused


def test_validate_false_sends_anyway(make_client, emu):
    c = make_client(validate=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BadRequestError):  # the server's own 400
            c.chat("hi", model="grok-4.5", presence_penalty=0.5)  # [V] refused otherwise
    assert len(emu.chat_requests) == 1


def test_the_context_estimate_matches_what_the_emulator_bills(client, emu):
    """The pre-flight estimate and the server's count use one rule, so they agree."""
    from grok_jupyter.client import _tokens

    messages = [
        {"role": "system", "content": "Be brief. Ünïcödé too."},
        {"role": "user", "content": "Use get_weather for Oslo, please."},
    ]
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather.",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    completion = client.chat(messages, model="grok-4.3", tools=tools)
    sent = emu.chat_requests[-1].body
    assert completion.usage.prompt_tokens == _tokens.count_prompt_tokens(
        sent["messages"], sent["tools"]
    )
