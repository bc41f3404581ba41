"""``%%grok --search/--code``: Responses-API turns with server-side tools, on the emulator."""

from __future__ import annotations

import re

import pytest

RESPONSES = "/v1/responses"

POST = "Zorblax quantum kettle launched today, boils water in negative time"


def _responses(emu):
    return [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]


@pytest.fixture
def post_url(emu) -> str:
    """The one post matching handle, date and terms; the others must not be cited."""
    url = emu.add_post("zorbcorp", POST, "2026-11-12")
    emu.add_post("someoneelse", "zorblax kettle rumours, another handle", "2026-11-12")
    emu.add_post("zorbcorp", "zorblax kettle teaser, before the date", "2026-09-01")
    emu.add_post("zorbcorp", "an unrelated post about gardening", "2026-11-13")
    return url


def test_x_search_streams_answer_with_numbered_citation_links(ip, emu, post_url):
    ip.ok(
        "%%grok --search x --x-handles zorbcorp --from-date 2026-11-01\n"
        "What did zorbcorp say about the zorblax kettle?"
    )
    md = ip.markdown()
    links = re.findall(r"^(\d+)\. \[[^\]]*\]\(<([^>]+)>\)", md, flags=re.M)
    assert links, md
    assert links[0][0] == "1"
    # The cited post is the matching one: the other handle and the older post are filtered.
    assert [url for _, url in links] == [post_url]
    # The request: /v1/responses, the x_search tool with the filters, nothing on chat.
    (request,) = _responses(emu)
    assert request.body["stream"] is True
    (tool,) = request.body["tools"]
    assert tool == {
        "type": "x_search",
        "allowed_x_handles": ["zorbcorp"],
        "from_date": "2026-11-01",
    }
    assert not emu.chat_requests


def test_status_line_says_searching_x(ip, emu, post_url):
    from grok_jupyter.client import get_client
    from grok_jupyter.notebook.turn import TurnObserver
    from tests.notebook_layer.tool_turns import x_search_turn

    statuses: list[str] = []

    class Obs(TurnObserver):
        def on_status(self, text: str) -> None:
            statuses.append(text)

    result = x_search_turn(get_client(), observer=Obs())
    assert any(s.startswith("searching X for") and "zorblax" in s for s in statuses), statuses
    assert post_url in [c.url for c in result.citations]


@pytest.mark.parametrize("flag", ["--from-date 2026-13-01", "--to-date yesterday"])
def test_bad_date_refused_before_sending(ip, emu, flag):
    message = ip.fails(f"%%grok --search x {flag}\nanything")
    assert "ISO date" in message and "YYYY-MM-DD" in message
    assert emu.requests == []


def test_from_after_to_refused(ip, emu):
    message = ip.fails("%%grok --search x --from-date 2026-11-02 --to-date 2026-11-01\nhi")
    assert "after --to-date" in message
    assert emu.requests == []


def test_follow_up_chains_previous_response_id(ip, emu, post_url):
    ip.ok("%%grok --search x --chat news\nzorblax kettle")
    from grok_jupyter.notebook.conversation import get_conversation

    conv = get_conversation("news")
    stored = conv.response_id
    assert stored
    ip.ok("%%grok --search x --chat news\nand what else about the kettle?")
    second = _responses(emu)[-1]
    assert second.body["previous_response_id"] == stored
    assert len(second.body["input"]) == 1  # only the new message: the server has the rest
    # The chat side and the panel see the turns too.
    assert [m.role for m in conv.messages] == ["user", "assistant", "user", "assistant"]


def test_follow_up_resends_history_when_stored_response_is_gone(ip, emu, post_url):
    from grok_jupyter.client import get_client
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok("%%grok --search x --chat gone\nzorblax kettle")
    conv = get_conversation("gone")
    get_client().responses.delete(conv.response_id)
    ip.ok("%%grok --search x --chat gone\nwhat about the kettle again?")
    posts = _responses(emu)
    chained, resent = posts[-2], posts[-1]
    assert chained.body.get("previous_response_id")  # tried the chain first, got 404
    assert "previous_response_id" not in resent.body
    texts = [item["content"] for item in resent.body["input"]]
    assert texts[0] == "zorblax kettle" and texts[-1] == "what about the kettle again?"
    assert len(texts) == 3
    assert "I searched X" in ip.markdown()
    assert conv.response_id and conv.response_id != chained.body["previous_response_id"]


def test_output_var_holds_text_and_citations(ip, emu, post_url):
    ip.ok("%%grok --search x --x-handles zorbcorp -o ans\nzorblax kettle")
    ans = ip.ns["ans"]
    assert "zorblax" in ans.text.lower()
    assert ans.citations and ans.citations[0].index == 1
    assert ans.citations[0].url == post_url


def test_output_var_without_citations_is_plain_text(ip, emu):
    ip.ok("%%grok -o plain\nsay hi")
    assert isinstance(ip.ns["plain"], str)


def test_code_runs_the_prompts_python(ip, emu):
    ip.ok("%%grok --code -o out\nRun this:\n```python\nprint(6 * 7 + 1000)\n```")
    (request,) = _responses(emu)
    assert request.body["tools"] == [{"type": "code_interpreter"}]
    assert "1042" in ip.markdown()


def test_web_search_domains_filter(ip, emu):
    emu.add_page("https://good.example/k", "Kettle news", "the flibbertigibbet kettle is out")
    emu.add_page("https://bad.example/k", "Kettle gossip", "the flibbertigibbet kettle leaked")
    ip.ok("%%grok --search web --domains good.example\nflibbertigibbet kettle")
    sources = ip.markdown().split("**Sources**")[-1]
    assert "good.example" in sources and "bad.example" not in sources
    assert _responses(emu)[0].body["tools"] == [
        {"type": "web_search", "allowed_domains": ["good.example"]}
    ]


def test_api_responses_setting_routes_plain_turns(ip, emu):
    ip.ok('%config GrokMagics.api = "responses"')
    ip.ok("%%grok\nsay hi")
    assert _responses(emu) and not emu.chat_requests
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ok("%%grok\nsay hi again")
    assert emu.chat_requests


def test_broken_citation_url_shown_as_text():
    from grok_jupyter.client._responses_types import Citation
    from grok_jupyter.magic.server_tools import citations_markdown

    md = citations_markdown(
        [
            Citation(index=1, url="not a url", title="Odd"),
            Citation(index=2, url="https://ok.example/a", title="Fine"),
        ]
    )
    assert "1. Odd (`not a url`)" in md
    assert "2. [Fine](<https://ok.example/a>)" in md


def test_the_cell_shows_the_search_while_it_streams(ip, emu, post_url):
    ip.ok("%%grok --search x --x-handles zorbcorp\nzorblax kettle")
    shown = [e["data"].get("text/markdown", "") for e in ip.pub.events]
    assert any("*searching X for" in md and "zorblax" in md for md in shown), shown
    assert "searching X" not in ip.markdown()  # gone from the finished answer


def test_options_are_documented_in_their_own_group(ip):
    from grok_jupyter.magic import GrokMagics

    text = GrokMagics.grok.parser.format_help()
    group = text.split("Server-side tools (Responses API)")[1]
    for flag in (
        "--search",
        "--x-handles",
        "--domains",
        "--from-date",
        "--to-date",
        "--code",
        "--mcp",
    ):
        assert flag in group


def test_mcp_url_must_be_http(ip, emu):
    message = ip.fails("%%grok --mcp ftp://example.com/mcp\nhi")
    assert "http" in message
    assert emu.requests == []


def test_a_chat_turn_in_between_is_resent_not_chained(ip, emu, post_url):
    # Pinned to chat: the scenario is a Chat Completions turn between two Responses turns
    # (--search always goes to the Responses API).
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ok("%%grok --search x --chat mixed\nzorblax kettle")
    ip.ok("%%grok --chat mixed\nthanks, and in one word?")  # a chat-completions turn
    assert len(emu.chat_requests) == 1
    ip.ok("%%grok --search x --chat mixed\nthe kettle again")
    last = _responses(emu)[-1]
    assert "previous_response_id" not in last.body
    assert [i["content"] for i in last.body["input"]][2] == "thanks, and in one word?"


def test_no_stream_shows_citations_too(ip, emu, post_url):
    ip.ok(
        "%%grok --search x --x-handles zorbcorp --from-date 2026-11-01 --no-stream\nzorblax kettle"
    )
    assert "1. [" in ip.markdown() and f"(<{post_url}>)" in ip.markdown()
    assert _responses(emu)[0].body.get("stream") in (None, False)
