"""ChatPanel against the emulator over loopback, through its buttons and fields."""

from __future__ import annotations

import json

import pytest

from grok_jupyter.client import GrokClient
from grok_jupyter.client._types import Message
from grok_jupyter.notebook.conversation import INTERRUPTED_MARKER, get_conversation
from grok_jupyter.notebook.turn import TurnRequest, run_turn, set_default_api
from tests.panel.panel_helpers import (
    all_widgets,
    ask,
    browser_send,
    browser_sets,
    from_browser,
    live_views,
    png_bytes,
    state_updates,
    to_browser,
    wait_until,
)
from tests.wire import (
    RESPONSES,
    image_urls,
    last_body,
    responses_requests,
    sent_roles,
    turn_requests,
    user_content,
)

TEST_API_KEY = "xai-emulator-test-key-7Qk9"  # tests/conftest.py's key, which the emu fixture sets

LONG = "reply with 3000 words"


def test_send_streams_the_reply_into_the_transcript(emu, client, panels, comms):
    panel = panels("t-send", client=client)
    result = ask(panel, "Hello there, who are you?")

    assert result.error is None and "emulator" in result.text
    history = panel.history_html
    assert "Hello there, who are you?" in history
    assert "emulator answering" in history
    # The browser was told the send was taken (it empties its input then), not refused.
    assert to_browser(comms, panel, "ack") and not to_browser(comms, panel, "refused")
    assert panel.live_html == "" and panel.live_user_html == ""
    # The answer streamed into the live view before it was committed to the transcript.
    assert any("emulator" in v for v in live_views(comms, panel))
    # Status: model, the turn's tokens, the conversation's cost, time to first token.
    status = panel.status
    assert status.startswith("grok-4.3")
    assert f"{result.usage.total_tokens:,} tokens" in status
    assert "conversation $" in status and "TTFT" in status
    assert [m.role for m in get_conversation("t-send").messages] == ["user", "assistant"]
    (request,) = turn_requests(emu)
    assert request.path == RESPONSES and request.body["stream"] is True  # the default API
    assert client.ledger.records[-1].source == "panel"


def test_progress_is_shown_while_waiting_then_streaming(emu, client, panels, comms):
    panel = panels("t-progress", client=client)
    ask(panel, "Say something short.")
    shown = state_updates(comms, panel, "status")
    waiting = next(i for i, v in enumerate(shown) if "waiting for first token" in v)
    streaming = next(i for i, v in enumerate(shown) if "streaming" in v)
    assert waiting < streaming < len(shown) - 1
    assert "TTFT" in shown[-1]


def test_markdown_is_rendered_and_html_from_the_model_is_escaped(panels):
    panel = panels("t-md")
    panel.conversation.append(
        Message.user("show me"),
        Message.assistant(
            "**bold**\n\n```python\nprint('<hi>')\n```\n\n<script>alert(1)</script>"
            " [x](javascript:alert(1))"
        ),
    )
    history = panel.history_html
    assert "<strong>bold</strong>" in history
    # Highlighted by Pygments (token classes), the model's "<hi>" still escaped.
    assert '<code class="language-python"><span class="gk-nb">print</span>' in history
    assert "&lt;hi&gt;" in history
    assert "<script>" not in history and "&lt;script&gt;" in history
    assert 'href="javascript' not in history


def test_stop_mid_stream_keeps_the_partial_answer(emu, client, panels):
    panel = panels("t-stop", client=client)
    emu.inject("slow_chunks", delay=0.02)
    browser_send(panel, LONG)
    assert panel.busy  # Send is disabled, Stop enabled (the script follows ``busy``)
    wait_until(
        lambda: "streaming" in panel.status and len(panel.live_html) > 200,
        "the reply to start streaming",
    )
    from_browser(panel, {"type": "stop"})  # the Stop button, or Esc
    result = panel.wait(10)

    assert result.interrupted and result.error is None
    assert 0 < len(result.text.split()) < 3000
    last = panel.conversation.messages[-1]
    assert last.role == "assistant" and last.text.endswith(INTERRUPTED_MARKER)
    assert result.text.split()[-1] in panel.history_html  # the partial answer is on screen
    assert "stopped: the partial answer is kept" in panel.history_html
    assert "stopped" in panel.status
    assert not panel.busy
    # The panel is usable again at once.
    assert ask(panel, "And now a short one.").ok


def test_clear_forgets_the_conversation(emu, client, panels):
    panel = panels("t-clear", client=client)
    ask(panel, "Remember the number 41.")
    assert len(panel.conversation) == 2
    from_browser(panel, {"type": "clear"})
    assert len(panel.conversation) == 0
    assert panel.history_html == ""
    ask(panel, "What did I ask you to remember?")
    assert sent_roles(last_body(emu)) == ["user"]  # nothing from before the Clear was sent
    assert "previous_response_id" not in last_body(emu)  # nor chained on the old answer


def test_model_dropdown_comes_from_the_catalogue_and_is_used(emu, client, panels):
    panel = panels("t-model", client=client)
    labels = dict(panel.model_options)
    assert "grok-4.3 · images" in labels
    assert "grok-build-0.1" in labels  # text only: not marked
    assert "grok-3-mini" not in labels.values()  # retired ids are not offered
    browser_sets(panel, model="grok-4.20-0309-non-reasoning")
    ask(panel, "What is 6 times 7?")
    assert last_body(emu)["model"] == "grok-4.20-0309-non-reasoning"
    assert panel.status.startswith("grok-4.20-0309-non-reasoning")


def test_streamed_reasoning_is_shown_collapsed(emu, client, panels):
    # The default API streams today's models' reasoning (a summary) before the answer.
    panel = panels("t-reasoning-responses", client=client, model="grok-4.3")
    result = ask(panel, "Think about it: what is 6 times 7?")
    assert result.ok and result.api == "responses"
    assert result.reasoning.strip()
    assert '<details class="grok-reasoning"><summary>Reasoning' in panel.history_html


def test_streamed_reasoning_content_on_chat_is_shown_collapsed(panels):
    # Pinned to chat: reasoning_content is the chat wire's field. No current model streams
    # it (grok-3-mini did; it now redirects to grok-4.3), so a scripted server on loopback
    # plays a stream that has it.
    import json

    from grok_jupyter.client import GrokClient
    from tests.client.scripted_server import Reply, ScriptedServer
    from tests.conftest import TEST_API_KEY

    head = {"id": "s1", "object": "chat.completion.chunk", "created": 1, "model": "grok-4.3"}
    events = [
        {
            **head,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "reasoning_content": "Six sevens."}}
            ],
        },
        {**head, "choices": [{"index": 0, "delta": {"content": "42"}, "finish_reason": "stop"}]},
    ]
    body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    sse = {"Content-Type": "text/event-stream"}
    set_default_api("chat")  # the conftest puts "auto" back after the test
    with ScriptedServer([Reply(body=body + b"data: [DONE]\n\n", headers=sse)]) as server:
        with GrokClient(api_key=TEST_API_KEY, base_url=server.base_url) as scripted:
            panel = panels("t-reasoning", client=scripted)
            result = ask(panel, "Think about it: what is 6 times 7?")
    assert result.reasoning == "Six sevens."
    assert '<details class="grok-reasoning"><summary>Reasoning' in panel.history_html


def test_system_prompt_and_temperature_are_sent(emu, client, panels):
    panel = panels("t-system", client=client, system="You are terse.")
    browser_sets(panel, temperature=0.3)
    ask(panel, "Hi")
    body = last_body(emu)
    assert body["instructions"] == "You are terse."  # the Responses API's system prompt
    assert body["temperature"] == pytest.approx(0.3)
    browser_sets(panel, system="You are verbose.")
    assert panel.conversation.system == "You are verbose."  # the magic's -s sees it too


def test_an_attached_image_is_sent_with_the_prompt_and_described(emu, client, panels):
    panel = panels("t-image", client=client)
    result = ask(panel, "What colour is this image?", files=[("red.png", png_bytes("red"))])
    assert "red" in result.text.lower()
    sent = user_content(last_body(emu))
    assert [p["type"] for p in sent] == ["input_text", "input_image"]
    (url,) = image_urls(sent)
    assert url.startswith("data:image/png;base64,")
    assert 'class="grok-thumb"' in panel.history_html  # shown as a thumbnail
    assert panel.pending == []  # nothing waits for the next prompt


def test_an_attachment_can_be_removed_and_other_files_are_refused(emu, client, panels, comms):
    panel = panels("t-remove", client=client)
    panel.attach(png_bytes("blue", fmt="JPEG"), filename="blue.jpg")  # from code
    (chip,) = panel.pending
    assert chip["name"] == "blue.jpg" and chip["thumb"].startswith("data:image/jpeg")
    from_browser(panel, {"type": "unpend", "id": chip["id"]})  # its Remove button
    assert panel.pending == []
    ask(panel, "Anything attached?")
    assert isinstance(user_content(last_body(emu)), str)

    sent = len(emu.requests)
    browser_send(panel, "And this one?", files=[("anim.gif", png_bytes("green", fmt="GIF"))])
    assert "Only JPEG and PNG" in panel.error and "anim.gif" in panel.error
    (refused,) = to_browser(comms, panel, "refused")
    assert refused["text"] == "And this one?" and refused["files"] == ["anim.gif"]
    assert len(emu.requests) == sent  # nothing was sent


def test_tool_calls_run_kernel_functions_and_are_shown(emu, client, panels):
    calls = []

    def get_weather(city: str) -> dict:
        """The weather in a city."""
        calls.append(city)
        return {"city": city, "sky": "sunny", "celsius": 21}

    panel = panels("t-tools", client=client, tools=[get_weather])
    result = ask(panel, "Use the get_weather tool to tell me the weather in Paris.")
    assert calls == ["Paris"]
    assert result.ok and "sunny" in result.text
    history = panel.history_html
    assert '<div class="grok-tool"><svg' in history  # an SVG icon, not an emoji
    assert "get_weather(city=&#x27;Paris&#x27;)" in history
    assert "sunny" in history
    roles = [m.role for m in panel.conversation.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]


def test_an_error_is_shown_readably_and_retry_resends_the_same_turn(emu, client, panels):
    panel = panels("t-error", client=client)
    emu.inject("unavailable", times=client.max_retries + 1)
    result = ask(panel, "Are you there?")

    assert result.error is not None
    shown = panel.error
    assert "503" in shown and "Traceback" not in shown
    assert panel.can_retry  # a 503 may pass: Retry is offered
    assert len(panel.conversation) == 0  # nothing committed
    assert "Are you there?" in panel.live_user_html  # the failed turn stays on screen
    assert "failed" in panel.status

    from_browser(panel, {"type": "retry"})
    result = panel.wait(30)
    assert result.ok
    assert [m.role for m in panel.conversation.messages] == ["user", "assistant"]
    assert panel.conversation.messages[0].text == "Are you there?"
    assert panel.error == "" and not panel.can_retry


def test_a_refused_request_is_explained_without_retry(emu, client, panels):
    panel = panels("t-refused", client=client)
    # A lone surrogate (a broken paste) cannot be encoded: refused before sending (issue 11).
    ask(panel, "What colour is \ud800 this?")
    assert "surrogate" in panel.error
    assert not panel.can_retry
    assert emu.requests == []  # refused before anything was sent


def test_the_conversation_is_shared_with_the_magic(emu, client, panels):
    panel = panels("shared", client=client)
    other = panels("shared", client=client)  # a second view of the same conversation

    # A turn taken the way %%grok --chat shared takes it appears in the panel.
    run_turn(
        TurnRequest(Message.user("From the magic: hello"), source="magic", api="chat"),
        conversation=get_conversation("shared"),
        client=client,
    )
    assert "From the magic: hello" in panel.history_html

    # A panel turn becomes part of the history the magic sends next.
    ask(panel, "From the panel: hello")
    assert "From the panel: hello" in other.history_html
    run_turn(
        TurnRequest(Message.user("magic again"), source="magic", api="chat"),
        conversation=get_conversation("shared"),
        client=client,
    )
    sent = [m.get("content") for m in emu.chat_requests[-1].body["messages"]]
    assert "From the magic: hello" in sent and "From the panel: hello" in sent


def test_the_magic_opens_the_panel_on_a_named_conversation(emu, panels, comms, monkeypatch):
    import IPython.display
    from IPython.core.interactiveshell import InteractiveShell

    from grok_jupyter import ChatPanel

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "grok_jupyter")
        shell.run_line_magic("grok", "chat from-magic")
    finally:
        InteractiveShell.clear_instance()
    (panel,) = shown
    assert isinstance(panel, ChatPanel) and panel.conversation is get_conversation("from-magic")
    panel.close()


def test_widget_state_never_holds_the_api_key(emu, panels):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url) as client:
        panel = panels("t-secret", client=client)
        emu.inject("rate_limit", times=client.max_retries + 1, retry_after=0)
        ask(panel, "hi")  # an error message is shown too
        ask(panel, "hi again")
    states = [w.get_state() for w in all_widgets(panel)]
    dumped = json.dumps(
        states, default=lambda v: bytes(v).hex() if isinstance(v, (bytes, memoryview)) else str(v)
    )
    assert "hi again" in dumped  # the state is really what is shown
    assert TEST_API_KEY not in dumped
    assert TEST_API_KEY[-8:] not in dumped


def test_widget_updates_are_bounded_by_time_not_tokens(emu, client, panels, comms):
    import time

    panel = panels("t-throttle", client=client)
    started = time.monotonic()
    result = ask(panel, "reply with 3000 words")
    elapsed = time.monotonic() - started
    tokens = result.usage.completion_tokens
    sent = len(live_views(comms, panel))
    assert tokens >= 3000
    # At most one update per interval, plus the first, the last and the clear.
    assert sent <= elapsed / panel.update_interval + 4
    assert sent < tokens / 10


def test_status_line_shows_cached_tokens_and_savings(emu, client, panels):
    panel = panels("t-cache", client=client)
    ask(panel, "Tell me a long story about prompt caching, please.")
    result = ask(panel, "And a follow-up")
    # The conversation's routing key, so the follow-up reaches the same cache.
    keys = [r.body.get("prompt_cache_key") for r in responses_requests(emu)]
    assert keys[0] and keys == [keys[0]] * 2
    assert result.usage.cached > 0
    assert f"{result.usage.cached:,} cached, saved $" in panel.status


def test_reasoning_control_offers_the_models_levels(emu, client, panels):
    from grok_jupyter.client._catalog import get_catalog

    catalog = get_catalog()
    panel = panels("t-effort", client=client, model="grok-4.6")
    offered = [v for _, v in panel.effort_options if v]
    assert offered == list(catalog.accepted_efforts("grok-4.6")) and "xhigh" in offered
    browser_sets(panel, effort="xhigh")
    ask(panel, "Think hard.")
    assert last_body(emu)["reasoning"] == {"effort": "xhigh"}
    # A model that takes no reasoning effort: the control is hidden and nothing is sent.
    panel.model = "grok-4.20-0309-non-reasoning"
    assert catalog.accepted_efforts(panel.model) == ()
    assert panel.effort_options == []  # the control is hidden
    ask(panel, "Quick answer.")
    assert "reasoning" not in last_body(emu)
