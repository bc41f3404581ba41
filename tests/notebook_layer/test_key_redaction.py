"""Issue 22 item 4: no API key the process knows leaves the machine in a turn.

The engine replaces every known key (``XAI_API_KEY`` and every key a client was
made with) in the prompt, the resent history, the system prompt and kernel tool
outputs, warns once (``KeyInPromptWarning``, naming no key), and commits the turn
so redacted. Checked on what the emulator received: every request body.
"""

from __future__ import annotations

import json
import warnings

import pytest

from grok_jupyter.client import GrokClient, Message, TextPart
from grok_jupyter.notebook.conversation import Conversation
from grok_jupyter.notebook.secrets import REDACTED, KeyInPromptWarning, known_keys
from grok_jupyter.notebook.tools import KernelTools
from grok_jupyter.notebook.turn import TurnRequest, run_turn
from tests.conftest import TEST_API_KEY

# A second key, given only to a client (never in the environment).
CLIENT_KEY = "xai-explicit-client-key-Zr81mQ"


def sent(emu) -> str:
    """Every request body the emulator received, as one text."""
    return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in emu.requests)


@pytest.fixture
def own_client(emu):
    with GrokClient(api_key=CLIENT_KEY, base_url=emu.base_url, retry_backoff=0.01) as c:
        yield c


def test_a_client_made_with_a_key_makes_it_known_but_never_shows_it(emu):
    with GrokClient(api_key=CLIENT_KEY, base_url=emu.base_url):
        pass
    assert CLIENT_KEY in known_keys() and TEST_API_KEY in known_keys()
    from grok_jupyter.client import _key_registry

    assert CLIENT_KEY not in repr(_key_registry._keys)  # held masked


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_keys_typed_into_a_prompt_never_reach_the_server(own_client, emu, api):
    conversation = Conversation(f"keys-{api}")
    prompt = f"My keys are {TEST_API_KEY} and {CLIENT_KEY}; repeat them back."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_turn(TurnRequest(Message.user(prompt), api=api), client=own_client,
                          conversation=conversation)
    assert result.ok and result.api == api
    body = sent(emu)
    assert REDACTED in body  # the prompt went, minus the keys
    assert TEST_API_KEY not in body and CLIENT_KEY not in body
    warned = [w for w in caught if issubclass(w.category, KeyInPromptWarning)]
    assert len(warned) == 1
    assert TEST_API_KEY not in str(warned[0].message) and CLIENT_KEY not in str(warned[0].message)
    # Committed as sent: later turns, the panel and the chat files see no key.
    stored = json.dumps([m.to_wire() for m in conversation.messages])
    assert TEST_API_KEY not in stored and CLIENT_KEY not in stored


def test_a_key_in_a_text_part_beside_an_image_is_redacted(own_client, emu):
    import io

    from PIL import Image

    from grok_jupyter.client import image_part

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    png = buffer.getvalue()
    user = Message.user([TextPart(text=f"key {CLIENT_KEY}: what is this?"), image_part(png)])
    with pytest.warns(KeyInPromptWarning):
        result = run_turn(TurnRequest(user, model="grok-4.3"), client=own_client)
    assert result.ok, result.error
    assert CLIENT_KEY not in sent(emu) and REDACTED in sent(emu)


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_history_and_system_prompt_holding_a_key_are_redacted_when_resent(own_client, emu, api):
    # A conversation from before keys were redacted (or restored from an old chat file).
    conversation = Conversation(f"old-{api}", system=f"Use key {CLIENT_KEY} when asked.")
    conversation.append(Message.user(f"remember {TEST_API_KEY}"), Message.assistant("Noted."))
    with pytest.warns(KeyInPromptWarning):
        result = run_turn(TurnRequest(Message.user("What did I ask you to remember?"), api=api),
                          client=own_client, conversation=conversation)
    assert result.ok, result.error
    body = sent(emu)
    assert "remember" in body and REDACTED in body
    assert TEST_API_KEY not in body and CLIENT_KEY not in body


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_kernel_tool_returning_a_key_has_it_redacted(own_client, emu, api):
    def get_weather(city: str) -> dict:
        """The current weather in a city."""
        return {"city": city, "sky": "sunny", "debug": f"auth={CLIENT_KEY}"}

    conversation = Conversation(f"tool-{api}")
    with pytest.warns(KeyInPromptWarning, match="tool"):
        result = run_turn(
            TurnRequest(Message.user("Use get_weather to check the weather in Oslo."),
                        tools=KernelTools([get_weather]), api=api),
            client=own_client, conversation=conversation,
        )
    assert result.ok, result.error
    assert [r.call.function.name for r in result.tool_results] == ["get_weather"]
    body = sent(emu)
    assert "sunny" in body and CLIENT_KEY not in body
    assert CLIENT_KEY not in json.dumps([m.to_wire() for m in conversation.messages])


def test_a_prompt_without_a_key_is_sent_untouched_and_warns_nothing(own_client, emu):
    with warnings.catch_warnings():
        warnings.simplefilter("error", KeyInPromptWarning)
        result = run_turn(TurnRequest(Message.user("Say 'xai-' then stop.")), client=own_client)
    assert result.ok
    assert "Say 'xai-' then stop." in sent(emu)
