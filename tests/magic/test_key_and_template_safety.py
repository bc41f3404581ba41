"""Issue 22 items 3 and 4 through the magic: a real InteractiveShell, the emulator answering.

Item 3: ``{obj.__init__.__globals__[...]}`` used to fill a prompt with any module's
globals. A field that reads a private, dunder or frame attribute is now a one-line
error and nothing is sent.

Item 4: a key interpolated into a ``%%grok`` prompt went out verbatim; ``%grok fix``
cut the traceback before redacting (a key straddling the cut went out minus its
first characters) and knew only the environment's key; ``--chat`` resent earlier
turns as typed. No known key reaches the server now.
"""

from __future__ import annotations

import json
import sys

import pytest

from grok_jupyter.client import GrokClient, set_client
from grok_jupyter.notebook.fix import MAX_TRACEBACK_CHARS
from tests.conftest import TEST_API_KEY

CLIENT_KEY = "xai-magic-client-key-Vb37TxQ"


def sent(emu) -> str:
    return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in emu.requests)


@pytest.fixture
def no_error(monkeypatch):
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        monkeypatch.delattr(sys, name, raising=False)


# --- item 3: templates -------------------------------------------------------------

THING = '''
SECRET_GLOBAL = "s3cr3t-global-value"
class Thing:
    def __init__(self):
        self.name = "widget"
        self._hidden = "private-value"
thing = Thing()
def counter():
    yield 1
gen = counter()
'''


@pytest.mark.parametrize(
    "field",
    [
        "thing.__init__.__globals__[SECRET_GLOBAL]",
        "thing.__class__",
        "thing._hidden",
        "gen.gi_frame.f_globals",
        "thing.__dict__",
    ],
)
def test_a_field_reaching_private_attributes_is_refused_and_nothing_is_sent(ip, emu, field):
    ip.ok(THING)
    message = ip.fails(f"%%grok\nTell me about {{{field}}} please.")
    assert "starts with '_'" in message and "dunder" in message
    assert "s3cr3t-global-value" not in message and "private-value" not in message
    assert emu.requests == []


def test_public_fields_and_code_spans_are_still_filled_or_kept(ip, emu):
    ip.ok(THING)
    ip.ok("%%grok\nThe part is {thing.name}. Keep `{thing.__class__}` as typed.")
    body = sent(emu)
    assert "The part is widget." in body
    assert "`{thing.__class__}`" in body  # code is never filled, so never refused


def test_subcommands_and_image_lookups_follow_the_same_rule(ip, emu):
    ip.ok(THING)
    assert "starts with '_'" in ip.fails("%grok tokens {thing.__init__.__globals__}")
    assert "starts with '_'" in ip.fails("%%grok --image thing.__class__\nWhat is this?")
    assert emu.requests == []


def test_add_variable_refuses_them_too(ip):
    from grok_jupyter.notebook.interpolate import describe_variable
    from grok_jupyter.notebook.template_safety import UnsafeTemplateFieldError

    ip.ok(THING)
    with pytest.raises(UnsafeTemplateFieldError, match="starts with '_'"):
        describe_variable(ip.shell, "thing.__init__.__globals__")
    assert describe_variable(ip.shell, "thing.name") == "widget"


def test_format_templates_for_the_table_map():
    from grok_jupyter.notebook.template_safety import (
        UnsafeTemplateFieldError,
        check_format_template,
    )

    for bad in ["{review.__class__.__init__.__globals__}", "{row._secret}",
                "{a:{b.__class__}}", "{x.gi_frame}", "{x[0].__dict__}"]:
        with pytest.raises(UnsafeTemplateFieldError):
            check_format_template(bad)
    check_format_template("Label: {review} {scores[0]} {d[__key__]} {n.real:>{width}} {{}}")


# --- item 4: keys ------------------------------------------------------------------


def test_a_key_interpolated_into_a_prompt_is_redacted_and_warned(ip, emu, capsys):
    ip.ok(f'key = "{TEST_API_KEY}"')
    ip.ok("%%grok\nIs this a valid xAI key: {key}?")
    body = sent(emu)
    assert "Is this a valid xAI key: [redacted API key]?" in body
    assert TEST_API_KEY not in body
    err = capsys.readouterr().err
    assert "KeyInPromptWarning" in err and TEST_API_KEY not in err


def test_a_key_typed_into_the_cell_for_a_client_made_with_it_is_redacted(ip, emu):
    set_client(GrokClient(api_key=CLIENT_KEY, base_url=emu.base_url))
    ip.ok(f"%%grok\nuse {CLIENT_KEY} for the call")
    assert CLIENT_KEY not in sent(emu) and "[redacted API key]" in sent(emu)


def test_fix_redacts_before_it_cuts_the_traceback(ip, emu, no_error):
    # The error's message ends the traceback: the cut to MAX_TRACEBACK_CHARS falls three
    # characters into the key, so cutting first would send the key minus 'xai'.
    tail = "y" * (MAX_TRACEBACK_CHARS - len(TEST_API_KEY) + 2)
    ip.run(f'raise ValueError("{TEST_API_KEY}" + "{tail}")')
    ip.ok("%grok fix")
    body = sent(emu)
    assert emu.requests and TEST_API_KEY[3:] not in body and TEST_API_KEY[-12:] not in body


def test_fix_redacts_every_key_the_process_knows(ip, emu, no_error):
    # A client of the user's own (not the shared one, not the environment's key).
    GrokClient(api_key=CLIENT_KEY, base_url=emu.base_url).close()
    ip.run(f'secret = "{CLIENT_KEY}"\nraise RuntimeError("rejected " + secret)')
    from grok_jupyter.notebook.fix import fix_request

    request = fix_request(ip.shell)
    assert CLIENT_KEY not in request.prompt and CLIENT_KEY not in request.error
    ip.ok("%grok fix")
    assert CLIENT_KEY not in sent(emu)


def test_fix_with_chat_resends_no_key_from_earlier_turns(ip, emu, no_error):
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok(f'key = "{TEST_API_KEY}"')
    ip.ok("%%grok --chat keyed\nRemember this: {key}")
    stored = json.dumps([m.to_wire() for m in get_conversation("keyed").messages])
    assert TEST_API_KEY not in stored
    ip.run("totl = 3\nprint(total + 1)")
    ip.ok("%grok fix --chat keyed")
    assert len(get_conversation("keyed").turns) == 2
    body = sent(emu)
    assert "Remember this: [redacted API key]" in body and TEST_API_KEY not in body
