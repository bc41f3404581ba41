"""The panel's cost guard (issue 20): a send estimated above ``confirm_over_usd`` is
refused with the estimate, the prompt goes back to the input, nothing is sent; the same
prompt sent again goes."""

from __future__ import annotations

from tests.panel.panel_helpers import browser_send, to_browser


def _posts(emu) -> list:
    return [r for r in emu.requests if r.method == "POST"]


def test_an_expensive_send_is_refused_then_confirmed_by_sending_again(emu, client, panels, comms):
    panel = panels("guard", client=client)
    panel.confirm_over_usd = 0.0
    text = "Summarise the plot of Hamlet in two lines."
    browser_send(panel, text)
    panel.wait(30)
    (refused,) = to_browser(comms, panel, "refused")
    assert refused["text"] == text  # the prompt goes back to the input
    assert "estimated at $" in panel.error and "Send again to go on" in panel.error
    assert _posts(emu) == []
    browser_send(panel, text)  # the same prompt again: confirmed
    result = panel.wait(30)
    assert result is not None and result.ok, panel.error
    assert len(_posts(emu)) == 1


def test_a_different_prompt_is_not_confirmed_by_the_refusal(emu, client, panels, comms):
    panel = panels("guard-2", client=client)
    panel.confirm_over_usd = 0.0
    browser_send(panel, "first prompt")
    panel.wait(30)
    browser_send(panel, "another prompt")
    panel.wait(30)
    assert len(to_browser(comms, panel, "refused")) == 2 and _posts(emu) == []
