"""The two APIs a ChatGrok call can go over, for tests that run on both.

``"responses"`` leaves ``use_responses_api`` unset: the automatic choice sends a
current model's call to ``/v1/responses``, so these tests also check that choice.
``"chat"`` sets ``use_responses_api=False`` (Chat Completions, which stays
supported). Request the ``api`` fixture (tests/langchain/conftest.py) to run a
test once on each.
"""

from __future__ import annotations

from typing import Any

PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}
USE_RESPONSES_API = {"responses": None, "chat": False}


def sent(emu: Any, api: str) -> list[Any]:
    """The requests the emulator received on ``api``'s route, oldest first."""
    return [r for r in emu.requests if r.path == PATHS[api]]


def only_on(emu: Any, api: str) -> list[Any]:
    """``sent(emu, api)``, after checking that nothing went over the other API."""
    other = next(name for name in PATHS if name != api)
    assert sent(emu, other) == [], f"a call went over {other}, not {api}"
    return sent(emu, api)
