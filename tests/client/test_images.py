"""``image_part`` on every kind of input a notebook user holds."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from grok_jupyter.client import (
    ImageConvertedWarning,
    ImageDownscaledWarning,
    ImageInputError,
    ImagePart,
    Message,
    TextPart,
    image_part,
)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def decode(part: ImagePart) -> tuple[str, Image.Image, bytes]:
    header, _, payload = part.image_url.url.partition(",")
    raw = base64.b64decode(payload)
    return header, Image.open(io.BytesIO(raw)), raw


RED = Image.new("RGB", (40, 30), (220, 20, 20))


def test_png_bytes_pass_untouched():
    raw = encode(RED, "PNG")
    part = image_part(raw, detail="high")
    header, _, sent = decode(part)
    assert header == "data:image/png;base64" and sent == raw
    assert part.image_url.detail == "high"
    assert part.to_wire()["type"] == "image_url"


def test_path_str_and_pathlib(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(RED, "JPEG"))
    for src in (path, str(path)):
        header, img, _ = decode(image_part(src))
        assert header == "data:image/jpeg;base64" and img.size == (40, 30)


def test_urls_pass_through():
    for url in ("https://example.com/a.png", "http://x.test/b.jpg", "data:image/png;base64,AAAA"):
        assert image_part(url, detail="low").image_url.url == url


def test_pil_image_and_rgba():
    header, img, _ = decode(image_part(RED))
    assert header == "data:image/png;base64" and img.size == (40, 30)
    rgba = Image.new("RGBA", (10, 10), (0, 0, 255, 128))
    _, img, _ = decode(image_part(rgba))
    assert img.mode == "RGBA"  # alpha kept: PNG


def test_numpy_arrays_of_each_shape_and_dtype():
    for arr in (
        np.zeros((12, 16, 3), dtype=np.uint8),
        np.ones((12, 16), dtype=np.float64) * 0.5,
        np.zeros((12, 16, 4), dtype=np.uint8),
        np.eye(12, 16, dtype=bool),
    ):
        _, img, _ = decode(image_part(arr))
        assert img.size == (16, 12)
    _, img, _ = decode(image_part(np.full((4, 4), 0.5)))
    assert img.getpixel((0, 0)) == 128  # floats are 0..1, as matplotlib reads them
    with pytest.raises(ImageInputError, match="shape"):
        image_part(np.zeros((2, 3, 7)))


def test_matplotlib_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [1, 0])
    header, img, _ = decode(image_part(fig))
    plt.close(fig)
    assert header == "data:image/png;base64" and img.width > 20


def test_object_with_repr_png():
    class Plot:
        def _repr_png_(self) -> bytes:
            return encode(RED, "PNG")

    assert decode(image_part(Plot()))[1].size == (40, 30)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "BMP", "TIFF"])
def test_other_formats_are_converted_to_png_with_a_warning(fmt):
    with pytest.warns(ImageConvertedWarning, match=f"{fmt}.*PNG"):
        header, img, _ = decode(image_part(encode(RED, fmt)))
    assert header == "data:image/png;base64" and img.format == "PNG" and img.size == (40, 30)


def test_animated_gif_keeps_the_first_frame():
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    with pytest.warns(ImageConvertedWarning, match="first of 2 frames"):
        _, img, _ = decode(image_part(buf.getvalue()))
    assert img.convert("RGB").getpixel((0, 0)) == (255, 0, 0)


def test_too_wide_image_is_downscaled_with_a_warning():
    wide = Image.new("RGB", (20_000, 50), (10, 200, 10))
    with pytest.warns(ImageDownscaledWarning, match="20000x50"):
        _, img, _ = decode(image_part(encode(wide, "PNG")))
    assert img.width == 8192 and img.height < 50


def test_too_many_bytes_is_downscaled_under_the_limit():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(1200, 1200, 3), dtype=np.uint8)  # ~4 MiB as PNG
    with pytest.warns(ImageDownscaledWarning, match="MiB"):
        part = image_part(noise, max_bytes=1024 * 1024)
    _, img, raw = decode(part)
    assert len(raw) <= 1024 * 1024 and img.width < 1200


def test_eleven_mib_file_is_made_to_fit(tmp_path):
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, size=(1900, 1950, 3), dtype=np.uint8)
    path = tmp_path / "big.png"
    Image.fromarray(noise).save(path, compress_level=0)  # a fast way to 11 MiB
    assert path.stat().st_size > 10.5 * 1024 * 1024
    with pytest.warns(ImageDownscaledWarning, match="re-encoded as JPEG"):
        _, _, raw = decode(image_part(path))
    assert len(raw) <= 10 * 1024 * 1024


def test_missing_file_says_where_it_looked(tmp_path):
    with pytest.raises(ImageInputError, match=r"No image file at .*nope\.png"):
        image_part(tmp_path / "nope.png")
    with pytest.raises(ImageInputError, match="directory"):
        image_part(tmp_path)


def test_corrupt_and_unsupported_inputs():
    with pytest.raises(ImageInputError, match="not an image"):
        image_part(b"this is not an image at all")
    truncated = encode(RED, "PNG")[:60]
    with pytest.raises(ImageInputError, match=r"damaged|cannot be read"):
        image_part(truncated)
    with pytest.raises(ImageInputError, match="empty"):
        image_part(b"")
    with pytest.raises(ImageInputError, match="Cannot make an image from a dict"):
        image_part({"not": "an image"})
    with pytest.raises(ImageInputError, match="detail"):
        image_part(RED, detail="ultra")


def test_parts_go_to_a_vision_model(client, emu):
    msg = Message.user([TextPart(text="What colour is this?"), image_part(RED)])
    r = client.chat([msg], model="grok-4-1-fast-non-reasoning")
    assert r.text
    assert r.usage.image > 0
    sent = emu.chat_requests[0].body["messages"][0]["content"][1]
    assert sent["image_url"]["url"].startswith("data:image/png;base64,")
