"""Issue 22 item 5: a key typed into the panel is in no widget trait and not in the saved
notebook's static transcript (nor sent). It used to be redacted in the chat file only:
``live_user_html`` and ``history_html`` (widget state, saved in the ``.ipynb``) and the
static HTML transcript kept it as typed."""

from __future__ import annotations

import json

from grok_jupyter.client import GrokClient
from grok_jupyter.notebook.conversation import get_conversation
from tests.panel.panel_helpers import all_widgets, ask, state_updates

TEST_API_KEY = "xai-emulator-test-key-7Qk9"  # tests/conftest.py's key, which the emu fixture sets
PANEL_KEY = "xai-panel-only-client-key-Hw52"  # given only to the panel's client
REDACTED = "[redacted API key]"


def _shown(panel, comms) -> str:
    """Everything the panel put where a saved notebook or a browser can read it."""
    states = [w.get_state() for w in all_widgets(panel)]
    parts = [
        json.dumps(states, default=lambda v: bytes(v).hex() if isinstance(v, (bytes, memoryview))
                   else str(v)),
        json.dumps(state_updates(comms, panel, "live_user_html")),
        json.dumps(state_updates(comms, panel, "history_html")),
        panel._static_bundle()["text/html"],
    ]
    return "\n".join(parts)


def test_a_key_typed_into_the_panel_is_never_kept_or_shown(emu, panels, comms):
    with GrokClient(api_key=PANEL_KEY, base_url=emu.base_url) as client:
        panel = panels("t-typed-key", client=client)
        result = ask(panel, f"Here are my keys: {TEST_API_KEY} and {PANEL_KEY}. Thoughts?")
    assert result.error is None
    shown = _shown(panel, comms)
    committed = json.dumps([m.to_wire() for m in get_conversation("t-typed-key").messages])
    assert "Here are my keys: " + REDACTED in shown  # the turn is there, redacted
    for key in (TEST_API_KEY, PANEL_KEY):
        assert key not in shown
        assert key not in "\n".join(json.dumps(r.body) for r in emu.requests)
        assert key not in committed


def test_a_failed_turn_keeps_the_prompt_on_screen_redacted(emu, panels, comms):
    with GrokClient(api_key=PANEL_KEY, base_url=emu.base_url, max_retries=0) as client:
        panel = panels("t-failed-key", client=client)
        emu.inject("server_error")
        result = ask(panel, f"key {PANEL_KEY} please")
    assert result.error is not None  # nothing committed: the prompt stays on screen
    assert REDACTED in panel.live_user_html and PANEL_KEY not in panel.live_user_html
    assert PANEL_KEY not in _shown(panel, comms)
