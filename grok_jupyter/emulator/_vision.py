"""Read the images a request sends, and say what is true of them.

Images are checked by their bytes, never their names: JPEG or PNG, at most
10 MiB (the limit in the docs the reference cites; newer docs say 20 MiB,
but the catalogue, shared with the client's pre-flight check, says 10).
"""

from __future__ import annotations

import base64
import binascii
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from PIL import Image

from ..client._tokens import image_tokens
from ._errors import bad_request

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

PALETTE: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "gray": (128, 128, 128),
    "red": (220, 20, 20),
    "green": (30, 160, 40),
    "blue": (30, 60, 220),
    "yellow": (240, 220, 30),
    "orange": (250, 140, 20),
    "purple": (130, 40, 160),
    "pink": (250, 150, 190),
    "brown": (120, 70, 30),
    "cyan": (30, 220, 220),
    "magenta": (220, 30, 220),
}


@dataclass(frozen=True)
class ImageFacts:
    """What is known of one image in a request. ``format`` is None when it could not be read."""

    source: str
    format: str | None = None
    width: int = 0
    height: int = 0
    colour: str | None = None
    tokens: int = 0

    def describe(self) -> str:
        if self.format is None:
            return (
                f"I could not fetch the image at {self.source}: the emulator does not reach "
                "the internet, so I cannot say what it shows."
            )
        return (
            f"The image is a {self.format} of {self.width} × {self.height} pixels; "
            f"its dominant colour is {self.colour}."
        )


def colour_name(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    return min(
        PALETTE, key=lambda n: sum((a - c) ** 2 for a, c in zip(PALETTE[n], (r, g, b), strict=True))
    )


def dominant_colour(image: Image.Image) -> str:
    small = image.convert("RGB").resize((32, 32), Image.Resampling.NEAREST)
    # Pillow 12 renamed getdata(); support both.
    flat = getattr(small, "get_flattened_data", None)
    pixels = flat() if flat is not None else small.getdata()
    counts = Counter(colour_name(p) for p in pixels)
    return counts.most_common(1)[0][0]


def check_bytes(data: bytes, max_bytes: int) -> str:
    """The format of ``data`` ("JPEG" or "PNG"), or a 400 for anything else or too big."""
    if len(data) > max_bytes:
        raise bad_request(
            f"Image is too large: {len(data)} bytes; the maximum is {max_bytes} bytes "
            f"({max_bytes // (1024 * 1024)} MiB)."
        )
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    if data.startswith(PNG_MAGIC):
        return "PNG"
    raise bad_request("Unsupported image format: only JPEG and PNG images are accepted.")


def inspect_image(
    url: str,
    detail: str | None,
    *,
    max_bytes: int,
    local_image: Callable[[str], bytes | None],
) -> ImageFacts:
    """Facts about the image at ``url`` (a data URL, or an http(s) URL).

    The emulator cannot reach the internet. It serves the images it generated
    itself, so those URLs are read from memory; any other URL is described as
    not fetched and billed at the flat low-detail rate, rather than refused,
    because the real API would accept it.
    """
    if url.startswith("data:"):
        header, sep, payload = url.partition(",")
        if not sep or ";base64" not in header:
            raise bad_request("Image data URLs must be base64 encoded (data:image/...;base64,...).")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise bad_request("Image data URL is not valid base64.") from None
        source = "the data URL"
    elif url.startswith(("http://", "https://")):
        data = local_image(urlsplit(url).path.rsplit("/", 1)[-1])
        if data is None:
            return ImageFacts(source=url, tokens=image_tokens(1, 1, "low"))
        source = url
    else:
        raise bad_request("Image URLs must be http(s) or data URLs.")
    fmt = check_bytes(data, max_bytes)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            colour = dominant_colour(image)
    except Exception:
        raise bad_request(f"The {fmt} image could not be decoded.") from None
    return ImageFacts(
        source=source,
        format=fmt,
        width=width,
        height=height,
        colour=colour,
        tokens=image_tokens(width, height, detail),
    )
