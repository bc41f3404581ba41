"""Issue 23: small things new users met in the ``%%grok`` magic."""

from __future__ import annotations


def test_html_answer_footer_is_rendered_not_shown_as_tags(ip, emu) -> None:
    ip.ok('%%grok -f html\nSay "<b>bold</b>"')
    page = ip.outputs()[0]["text/html"]
    assert page.startswith("<b>bold</b>")
    assert "&lt;sub&gt;" not in page and "&lt;details&gt;" not in page  # tags, not text
    footer = page.rsplit("<sub>", 1)[1].split("</sub>", 1)[0]
    assert "grok-4.3" in footer and "tokens" in footer


def test_a_stream_cut_before_the_model_was_named_shows_the_model(ip, emu) -> None:
    emu.inject("cut", after_chunks=0)
    ip.fails("%%grok\nWrite 200 words about rivers.")
    shown = ip.outputs()[0]["text/markdown"]
    assert "(default model)" not in shown
    assert "<sub>grok-4.3 ·" in shown


def test_reset_of_an_unknown_chat_says_there_is_none(ip, emu) -> None:
    from grok_jupyter.notebook.conversation import conversation_names

    ip.ok('%%grok --chat notes\nSay "hi"')
    from IPython.utils.capture import capture_output

    with capture_output() as out:
        ip.ok("%grok reset nosuchchat")
    assert "No conversation named 'nosuchchat'" in out.stdout and "cleared." not in out.stdout
    assert "notes" in out.stdout
    assert "nosuchchat" not in conversation_names()  # not created by asking
    with capture_output() as out:
        ip.ok("%grok reset notes")
    assert "Conversation 'notes' cleared." in out.stdout


def test_unknown_model_suggests_current_models_before_retired_ones(ip, emu) -> None:
    from grok_jupyter.client._catalog import get_catalog

    message = ip.fails("%%grok -m grok4\nhi")
    suggested = message.split("Did you mean ", 1)[1].split("?", 1)[0].split(", ")
    assert suggested and not get_catalog().is_retired(suggested[0])
    assert "grok-4.7" in suggested and suggested[0] != "grok-4"
    assert emu.requests == []


def test_map_with_output_says_its_summary_once(ip, emu, capsys, monkeypatch, tmp_path) -> None:
    import pandas as pd

    monkeypatch.setenv("GROK_JUPYTER_CACHE_DIR", str(tmp_path))  # a cache of this test's own
    ip.ns["notes"] = pd.DataFrame({"note": ["apples", "pears", "plums"]})
    ip.ok('%grok map notes "Say {note}" -o said')
    out = capsys.readouterr()
    both = out.out + out.err
    assert both.count("3/3 rows done") == 1, both
    assert "said" in out.out
    # Every row from the cache: map_rows says nothing, so the magic gives the summary.
    ip.ok('%grok map notes "Say {note}" -o again')
    out = capsys.readouterr()
    both = out.out + out.err
    assert both.count("3/3 rows done, 3 from the cache") == 1, both
