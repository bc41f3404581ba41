"""--reasoning-effort: the API's five levels, refused here only where the catalogue says [V]."""

from __future__ import annotations

from grok_jupyter.client._catalog import get_catalog
from tests.wire import last_body, turn_requests


def test_every_level_is_offered_and_others_are_argparse_errors(ip, emu) -> None:
    result = ip.run("%%grok --reasoning-effort extreme\nhi")
    assert result.error_in_exec is not None
    assert "xhigh" in str(result.error_in_exec)  # argparse lists the choices
    assert turn_requests(emu) == []


def test_an_accepted_level_is_sent(ip, emu) -> None:
    ip.ok("%%grok -m grok-4.6 --reasoning-effort XHIGH\nhi")
    assert last_body(emu)["reasoning"] == {"effort": "xhigh"}  # the Responses field


def test_an_accepted_level_is_sent_on_chat(ip, emu) -> None:
    ip.ok('%config GrokMagics.api = "chat"')  # chat's flat reasoning_effort field
    ip.ok("%%grok -m grok-4.6 --reasoning-effort XHIGH\nhi")
    assert emu.chat_requests[-1].body["reasoning_effort"] == "xhigh"


def test_a_verified_refusal_names_the_accepted_values_and_default(ip, emu) -> None:
    model = next(m.id for m in get_catalog().current_models("chat")
                 if get_catalog().must_refuse_effort(m.id, "high"))
    message = ip.fails(f"%%grok -m {model} --reasoning-effort high\nhi")
    assert f"--reasoning-effort high: {model} refuses it" in message
    assert turn_requests(emu) == []  # refused before sending


def test_a_verified_refusal_lists_what_the_model_takes(ip, emu, monkeypatch) -> None:
    catalog = get_catalog()
    monkeypatch.setattr(type(catalog), "must_refuse_effort", lambda self, n, e: e == "xhigh")
    message = ip.fails("%%grok -m grok-4.3 --reasoning-effort xhigh\nhi")
    accepted = ", ".join(catalog.accepted_efforts("grok-4.3"))
    assert f"it takes {accepted} (default {catalog.default_effort('grok-4.3')})" in message
    assert turn_requests(emu) == []


def test_an_unverified_refusal_is_sent_and_the_server_answers(ip, emu) -> None:
    catalog = get_catalog()
    assert "xhigh" not in catalog.accepted_efforts("grok-4.3")
    assert not catalog.must_refuse_effort("grok-4.3", "xhigh")  # [U] in the reference
    message = ip.fails("%%grok -m grok-4.3 --reasoning-effort xhigh\nhi")
    assert last_body(emu)["reasoning"] == {"effort": "xhigh"}  # it was sent
    assert message.startswith("grok: the API refused the request: Invalid reasoning effort")
