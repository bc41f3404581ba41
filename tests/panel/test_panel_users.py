"""What new users met in the panel (issue 23 items 10–14), at the kernel's side: what the
browser is told, what is sent to the emulator, what is saved. The browser side of the same
items is in tests/browser/test_panel_users_*.py."""

from __future__ import annotations

from grok_jupyter.client import GrokClient
from tests.conftest import TEST_API_KEY
from tests.panel.panel_helpers import ask, from_browser, png_bytes, to_browser
from tests.wire import image_urls, last_body, user_content


def test_a_prompt_the_server_refuses_goes_back_to_the_input_with_its_image(emu, panels, comms):
    # validate=False: the client does not know the model is text-only; only the server says no.
    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu.base_url, validate=False, max_retries=0
    ) as client:
        panel = panels("u-400", client=client, model="grok-build-0.1")
        result = ask(panel, "What is in this picture?", files=[("cat.png", png_bytes())])
        assert result.error is not None and result.error.status_code == 400
        (refused,) = to_browser(comms, panel, "refused")
        # The browser puts the prompt and its image back in the input (it kept the bytes).
        assert refused["text"] == "What is in this picture?" and refused["files"] == ["cat.png"]
        assert "does not support image" in panel.error and "back in the input" in panel.error
        assert panel.live_user_html == "" and len(panel.conversation) == 0
        assert panel.can_retry  # after picking another model, Retry sends it again

        from_browser(panel, {"type": "dismiss"})
        panel.model = "grok-4.3"  # the user picks a model that reads images
        from_browser(panel, {"type": "retry"})
        assert panel.wait(30).ok
        (url,) = image_urls(user_content(last_body(emu)))
        assert url.startswith("data:image/png;base64,")
        assert [m.role for m in panel.conversation.messages] == ["user", "assistant"]
