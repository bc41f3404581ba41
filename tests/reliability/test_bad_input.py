"""Bad input: refused before anything is sent (the emulator saw nothing), saying what to change.

Where the documented behaviour is to repair or pass something on (the image
helper converts and downscales, unknown models pass with a warning, a tool's
failure goes back to Grok, unknown ``{names}`` stay as written), that is what
is asserted instead, with the exact number of requests sent.
"""

from __future__ import annotations

import base64
import gc
import io
import json
import os
import sys
import warnings

import pytest
from IPython.core.error import UsageError
from PIL import Image

from grok_jupyter.client import (
    ContextWindowExceededError,
    ImageConvertedWarning,
    ImageDownscaledWarning,
    ImageInputError,
    Message,
    NotFoundError,
    TextPart,
    UnknownModelWarning,
    UnsupportedParameterError,
    image_part,
)
from grok_jupyter.client._catalog import get_catalog
from grok_jupyter.notebook.tools import KernelTools, ToolSchemaError
from tests.wire import turn_requests, user_text

MiB = 1024 * 1024


def encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, bytes]:
    small = Image.new("RGB", (40, 30), "red")
    noise = Image.frombytes("RGB", (2000, 2000), os.urandom(2000 * 2000 * 3))
    data = {
        "gif": encode(small.convert("P"), "GIF"),
        "webp": encode(small, "WEBP"),
        "corrupt": b"\x89PNG\r\n\x1a\n" + os.urandom(2000),  # a PNG signature, then garbage
        "big": encode(noise, "PNG"),
        "wide": encode(Image.new("RGB", (20_000, 8), "blue"), "PNG"),
    }
    assert len(data["big"]) > 11 * MiB
    return data


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def ask_with_image(url: str) -> list[Message]:
    return [Message.user([TextPart(text="What is in this image?"), {"type": "image_url",
                                                                      "image_url": {"url": url}}])]


# --- images through the helper: repaired with a warning, or refused ------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "name, warning, words",
    [
        ("gif", ImageConvertedWarning, "GIF is not accepted by the API; converted to PNG"),
        ("webp", ImageConvertedWarning, "WEBP is not accepted by the API; converted to PNG"),
        ("big", ImageDownscaledWarning, "over the API limits"),
        ("wide", ImageDownscaledWarning, "was 20000x8 px"),
    ],
)
def test_the_image_helper_repairs_what_it_can_and_says_so(name, warning, words, images,
                                                          tmp_path, emu):
    path = tmp_path / f"picture.{name}"
    path.write_bytes(images[name])
    with pytest.warns(warning) as record:
        part = image_part(path)
    assert any(words in str(w.message) for w in record), [str(w.message) for w in record]
    url = part.image_url.url
    assert url.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
    fixed = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert max(fixed.size) <= 8192 and len(url) * 3 // 4 <= 10 * MiB
    if warning is ImageDownscaledWarning:
        assert "8192 px per side, 10.0 MiB" in str(record[-1].message)
    assert emu.requests == []


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "name, words",
    [
        ("truncated", "is damaged and cannot be decoded"),
        ("corrupt", "is not an image Pillow can read"),
        ("missing", "No image file at"),
    ],
)
def test_the_image_helper_refuses_what_it_cannot_read(name, words, images, tmp_path, emu):
    path = tmp_path / "picture.png"
    if name == "corrupt":
        path.write_bytes(images["corrupt"])
    elif name == "truncated":
        whole = encode(Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)), "PNG")
        path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ImageInputError) as info:
        image_part(path)
    message = str(info.value)
    assert words in message and str(path) in message
    assert emu.requests == []


# --- raw data URLs in a message: refused before sending -------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "name, mime, words",
    [
        ("gif", "image/gif", "image/gif is not accepted; the API takes JPEG or PNG only"),
        ("webp", "image/webp", "image/webp is not accepted; the API takes JPEG or PNG only"),
        ("gif", "image/png", "declared image/png but the bytes are GIF data"),
        ("corrupt", "image/png", "not an image the client recognises"),
        ("big", "image/png", "the limit is 10.0 MiB"),
        ("wide", "image/png", "is 20000x8 px; the limit is 8192 px per side"),
    ],
)
def test_a_raw_image_the_api_would_refuse_is_never_sent(name, mime, words, images, client,
                                                         emu):
    data = images[name]
    if name == "corrupt":
        data = os.urandom(300)  # base64 of bytes that are no image at all
    with pytest.raises(ImageInputError) as info:
        client.chat(ask_with_image(data_url(data, mime)))
    assert words in str(info.value), str(info.value)
    assert "image_part(...)" in str(info.value) or "Downscale" in str(info.value)
    assert emu.requests == []


@pytest.mark.timeout(30)
def test_a_data_url_whose_base64_is_broken_is_never_sent(client, emu):
    with pytest.raises(ImageInputError, match="base64 payload is corrupt"):
        client.chat(ask_with_image("data:image/png;base64,iVBOR!!not-base64!!"))
    assert emu.requests == []


# --- models and parameters ---------------------------------------------------------------


@pytest.mark.timeout(30)
def test_an_unknown_model_is_sent_with_a_warning_and_the_404_is_typed(client, emu):
    with pytest.warns(UnknownModelWarning, match="grok-99-imaginary"):
        with pytest.raises(NotFoundError) as info:
            client.chat("hello", model="grok-99-imaginary")
    assert info.value.status_code == 404 and "grok-99-imaginary" in str(info.value)
    assert len(emu.requests) == 1  # sent once: a 404 is not retried


VALUES = {"presence_penalty": 0.5, "frequency_penalty": 0.5, "stop": ["END"],
          "reasoning_effort": "low", "temperature": 0.5, "top_p": 0.5, "logprobs": True}
# Only [V] rejections are refused before sending (COMMON.md; xai-api-2026.md §4.3).
REJECTED = [
    (info.id, param)
    for info in get_catalog().current_models("chat")
    for param in sorted(info.verified_rejected_parameters)
]


def test_the_catalogue_has_rejected_parameters_to_check():
    assert len(REJECTED) >= 3 and {p for _, p in REJECTED} <= set(VALUES)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("model, param", REJECTED)
def test_a_parameter_the_model_rejects_is_never_sent(model, param, client, emu):
    with pytest.raises(UnsupportedParameterError) as info:
        client.chat("hello", model=model, **{param: VALUES[param]})
    error = info.value
    assert error.parameter == param and error.model == model
    assert f"does not accept the parameter {param!r}" in str(error)
    assert f"Drop {param}" in str(error)
    assert emu.requests == []


@pytest.mark.timeout(30)
def test_a_prompt_over_the_context_window_is_never_sent(client, emu):
    info = get_catalog().resolve("grok-4.5")  # a [V] window (500k)
    prompt = "word " * (info.context_window + 1000)
    with pytest.raises(ContextWindowExceededError) as exc:
        client.chat(prompt, model=info.id)
    message = str(exc.value)
    assert f"context window is {info.context_window:,}" in message and "To fix:" in message
    assert exc.value.estimated_tokens > info.context_window
    assert emu.requests == []


# --- the magic: one clear line, no traceback, nothing sent -----------------------------------


def run_cell(magic, capsys, line: str, body: str) -> str:
    """Run a %%grok cell as a user would; the one error line shown, checked to be one line."""
    magic.pub.events.clear()
    capsys.readouterr()
    result = magic.shell.run_cell(f"%%grok --chat {magic.chat} {line}\n{body}")
    shown = capsys.readouterr()
    error = result.error_in_exec
    assert isinstance(error, UsageError), repr(error)
    message = str(error)
    assert message.startswith("grok: ") and "\n" not in message, message
    assert "Traceback" not in shown.out + shown.err
    return message


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "line, words",
    [
        ("--bogus", "unrecognized arguments: --bogus"),
        ("-t warm", "argument -t/--temperature: invalid float value: 'warm'"),
        ("-f yaml", "invalid choice: 'yaml'"),
        ("--max-tokens 0", "--max-tokens must be at least 1"),
        ("--max-steps 0", "--max-steps must be at least 1"),
        ("-o 1answer", "-o/--output 1answer: not a valid Python variable name"),
        ("-m grok-99-imaginary", "unknown model 'grok-99-imaginary'"),
        ("-m grok-4.20 --reasoning-effort extreme", "invalid choice: 'extreme'"),
        ("-m grok-4.3 -t 0.5 --reasoning-effort low -s x --schema nope", "--schema nope"),
        ("--image /no/such/dir/photo.png", "no such file"),
        ("--image not_defined_anywhere", "no variable or file named 'not_defined_anywhere'"),
        ("--tools not_defined_anywhere", "no function named 'not_defined_anywhere'"),
        ("", "the cell is empty"),
    ],
)
def test_bad_magic_options_give_one_clear_line_and_send_nothing(line, words, magic, capsys,
                                                                emu):
    body = "  \n   " if words == "the cell is empty" else "What is 2 + 2?"
    message = run_cell(magic, capsys, line, body)
    assert words in message, message
    assert emu.requests == []
    assert magic.conversation.messages == []


@pytest.mark.timeout(30)
def test_a_magic_prompt_over_the_context_window_says_how_to_fix_it(magic, capsys, emu):
    message = run_cell(magic, capsys, "-m grok-4.5", "word " * 480_000)
    assert "context window" in message and "shorten the prompt" in message.lower()
    assert emu.requests == []


@pytest.mark.timeout(30)
def test_a_rejected_parameter_in_the_magic_says_what_to_drop(magic, capsys, emu):
    message = run_cell(magic, capsys, "-m grok-4.20 --reasoning-effort high", "Hi")
    assert "grok-4.20 refuses it" in message and "takes no reasoning effort" in message
    assert "drop --reasoning-effort" in message
    assert emu.requests == []


@pytest.mark.timeout(30)
def test_a_missing_interpolation_variable_is_sent_as_written(magic, emu):
    magic.shell.user_ns.pop("no_such_variable", None)
    magic.cell("Explain {no_such_variable} in one line.")
    (sent,) = turn_requests(emu)
    assert user_text(sent.body) == "Explain {no_such_variable} in one line."


# --- tools ---------------------------------------------------------------------------------


def takes_anything(*args):
    """A tool with no describable parameters."""
    return args


def positional_only(city: str, /) -> str:
    return city


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "func, words",
    [
        (takes_anything, "*args cannot be described as a JSON schema"),
        (positional_only, "positional-only parameter 'city'"),
        (lambda city: city, "is not allowed: use a def'd function"),
    ],
)
def test_a_tool_without_a_schema_is_refused_before_sending(func, words, magic, capsys, emu,
                                                          panel_factory, client, monkeypatch):
    with pytest.raises(ToolSchemaError, match=words.replace("*", r"\*")):
        KernelTools([func])
    # The refused panel leaves nothing behind that fails later (printed as "Exception ignored").
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(repr(u.exc_value)))
    with pytest.raises(ToolSchemaError):
        panel_factory(client, tools=[func])
    gc.collect()
    assert unraisable == []
    magic.shell.user_ns["bad_tool"] = func
    message = run_cell(magic, capsys, "--tools bad_tool", "Use bad_tool on Oslo.")
    assert message.startswith("grok: --tools:") and words in message, message
    assert emu.requests == []


def get_weather(city: str) -> dict:
    """The weather in a city.

    Args:
        city: the city's name
    """
    raise RuntimeError(f"the weather service for {city} is down")


def get_forecast(city: str) -> object:
    """The forecast for a city."""
    return {"city": city, "days": {1, 2, 3}}  # a set: not JSON-serialisable


@pytest.mark.timeout(30)
def test_a_tool_that_raises_sends_the_error_to_grok_and_the_turn_succeeds(magic, emu):
    magic.shell.user_ns["get_weather"] = get_weather
    magic.cell("Use get_weather to check the weather in Oslo.", "--tools get_weather")
    sent = turn_requests(emu)
    assert len(sent) == 2  # the call, then the answer from the error text
    (tool_output,) = sent[1].body["input"]  # chained: only the tool's output goes
    assert tool_output["type"] == "function_call_output"
    assert "RuntimeError: the weather service for Oslo is down" in tool_output["output"]
    roles = [m.role for m in magic.conversation.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert magic.conversation.messages[-1].text  # Grok answered


@pytest.mark.timeout(30)
def test_a_tool_result_that_is_not_json_is_sent_as_its_repr(magic, emu):
    magic.shell.user_ns["get_forecast"] = get_forecast
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning leaks out of the turn either
        magic.cell("Use get_forecast for Lima.", "--tools get_forecast")
    sent = turn_requests(emu)
    assert len(sent) == 2
    output = json.loads(sent[1].body["input"][-1]["output"])  # the function_call_output
    assert output["note"] == "result was not JSON-serialisable"
    assert "'Lima'" in output["repr"] and "{1, 2, 3}" in output["repr"]
    assert magic.conversation.messages[-1].role == "assistant"
