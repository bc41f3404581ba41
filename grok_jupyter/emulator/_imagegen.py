"""Images for ``/v1/images/generations``: real JPEGs drawn with Pillow from the prompt.

A colour named in the prompt fills the picture (a "red square" is a red
square on white, large enough that red dominates), so a test can generate an
image, send it back for vision, and check the answer.
"""

from __future__ import annotations

import io
import re
import zlib

from PIL import Image, ImageDraw

from ._vision import PALETTE

WIDTH, HEIGHT = 1024, 768  # grok-2-image's output size
_ALIASES = {"grey": "gray", "violet": "purple", "aqua": "cyan"}


def prompt_colour(prompt: str) -> tuple[int, int, int]:
    words = re.findall(r"[a-z]+", prompt.lower())
    for word in words:
        name = _ALIASES.get(word, word)
        if name in PALETTE:
            return PALETTE[name]
    h = zlib.crc32(prompt.encode("utf-8"))
    return (h & 0xFF, (h >> 8) & 0xFF, (h >> 16) & 0xFF)


def generate_jpeg(prompt: str, index: int = 0) -> bytes:
    colour = prompt_colour(prompt)
    lowered = prompt.lower()
    if "square" in lowered or "circle" in lowered:
        image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
        side = int(HEIGHT * 0.95)
        box = ((WIDTH - side) // 2, (HEIGHT - side) // 2, (WIDTH + side) // 2, (HEIGHT + side) // 2)
        draw = ImageDraw.Draw(image)
        if "circle" in lowered:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    else:
        image = Image.new("RGB", (WIDTH, HEIGHT), colour)
    # Variations differ a little, as n > 1 images of one prompt do.
    ImageDraw.Draw(image).rectangle((0, 0, 8 * index, 8), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def revised_prompt(prompt: str) -> str:
    return f"A high-quality, detailed image of {' '.join(prompt.split()).rstrip('.')}."
