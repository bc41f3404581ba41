"""Opt-in: the bundled catalogue against the real model list (``pytest -m live``)."""

from __future__ import annotations

import pytest

from grok_jupyter.client._catalog import get_catalog

pytestmark = pytest.mark.live


def test_bundled_defaults_are_served_by_the_real_api(live):
    served = set()
    for m in live.language_models():
        served.add(m.id)
        served.update(getattr(m, "aliases", None) or [])
    for m in live.image_generation_models():
        served.add(m.id)
        served.update(getattr(m, "aliases", None) or [])
    catalog = get_catalog()
    for default in (catalog.default_chat_model, catalog.default_vision_model,
                    catalog.default_image_model):
        assert default in served, f"{default} is not in the real model list: {sorted(served)}"
