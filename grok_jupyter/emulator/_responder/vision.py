"""Answers about images: what inspecting each image found (see ``.._vision``)."""

from __future__ import annotations

from collections.abc import Sequence

from .._vision import ImageFacts


def vision_answer(images: Sequence[ImageFacts]) -> str:
    """One sentence of facts per image, in the order they were sent."""
    return " ".join(f.describe() for f in images)
