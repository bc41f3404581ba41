"""web_search and x_search on the offline corpus: ranking, quotes, citations, filters, bills."""

from __future__ import annotations

import json
import re
from importlib import resources

import httpx
import pytest

from grok_jupyter.client._catalog import get_catalog
from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY
from tests.emulator.responses_helpers import cited, model, text_of


def _corpus_texts() -> dict[str, str]:
    root = resources.files("grok_jupyter.emulator") / "corpus"
    pages = json.loads((root / "pages.json").read_text("utf-8"))
    posts = json.loads((root / "posts.json").read_text("utf-8"))
    texts = {p["url"]: f"{p['title']} {p['text']}".lower() for p in pages}
    texts.update({f"https://x.com/i/status/{p['id']}": p["text"].lower() for p in posts})
    return texts


@pytest.fixture
def ask(http):
    def post(prompt: str, *tools: dict, **fields):
        body = {"model": model(reasoning=False), "input": prompt, "tools": list(tools), **fields}
        r = http.post("/responses", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    return post


def test_web_search_quotes_and_cites_pages_that_contain_the_terms(ask):
    body = ask("Did Starship reach orbit?", {"type": "web_search"})
    call, message = body["output"]
    assert call["type"] == "web_search_call" and call["status"] == "completed"
    # The July 2026 shape [REC 13218]: ws_<rid>_call-<uuid>-<n>, the query and its sources.
    assert re.fullmatch(rf"ws_{body['id']}_call-[0-9a-f-]{{36}}-0", call["id"]), call["id"]
    assert call["action"]["type"] == "search" and call["action"]["query"] == "starship reach orbit"
    urls = cited(body)
    assert [s["url"] for s in call["action"]["sources"]] == urls
    assert all(s["type"] == "url" for s in call["action"]["sources"])
    assert urls[0] == "https://www.space-example.org/starship-flight-12"
    texts = _corpus_texts()
    for url in urls:
        assert "starship" in texts[url] or "orbit" in texts[url]
    assert "Starship flight 12 reached orbit" in text_of(body)
    assert message["content"][0]["annotations"] == [
        {"type": "url_citation", "url": u, "start_index": 0, "end_index": 0, "title": u}
        for u in urls
    ]


def test_web_search_usage_counts_and_bills_the_call(ask):
    body = ask("Did Starship reach orbit?", {"type": "web_search"})
    usage = body["usage"]
    assert usage["num_server_side_tools_used"] == 1 and usage["num_sources_used"] == 0
    assert usage["server_side_tool_usage_details"]["web_search_calls"] == 1
    assert usage["server_side_tool_usage_details"]["x_search_calls"] == 0
    p = get_catalog().resolve(body["model"]).price_per_million
    cached = usage["input_tokens_details"]["cached_tokens"]
    tokens_usd = (
        (usage["input_tokens"] - cached) * p.input
        + cached * (p.cached_input or p.input)
        + usage["output_tokens"] * p.output
    ) / 1e6
    # $5 per 1k calls = 5e7 ticks per call, on top of the tokens.
    assert usage["cost_in_usd_ticks"] == pytest.approx(tokens_usd * 1e10 + 50_000_000, abs=2)


def test_added_page_is_found_and_domain_filters_hold(emu, ask):
    emu.add_page("https://blog.example.com/quokka", "Quokka facts", "The quokka smiles a lot.")
    emu.add_page("https://zoo.example.net/quokka", "Quokka at the zoo", "Our quokka eats leaves.")
    both = ask("Tell me about the quokka", {"type": "web_search"})
    assert set(cited(both)) == {"https://blog.example.com/quokka", "https://zoo.example.net/quokka"}
    allowed = ask("quokka", {"type": "web_search", "allowed_domains": ["example.net"]})
    assert cited(allowed) == ["https://zoo.example.net/quokka"]
    excluded = ask("quokka", {"type": "web_search", "excluded_domains": ["example.net"]})
    assert cited(excluded) == ["https://blog.example.com/quokka"]


def test_a_json_format_is_kept_after_a_search(ask):
    tool = {"type": "web_search"}
    mode = ask("Did Starship reach orbit?", tool, text={"format": {"type": "json_object"}})
    assert mode["output"][0]["type"] == "web_search_call"  # the search still ran
    assert "Starship flight 12 reached orbit" in json.loads(text_of(mode))["answer"]
    schema = {
        "type": "object",
        "properties": {"reached": {"type": "boolean"}},
        "required": ["reached"],
    }
    fmt = {"type": "json_schema", "name": "Orbit", "schema": schema}
    shaped = ask("Did Starship reach orbit?", tool, text={"format": fmt})
    assert set(json.loads(text_of(shaped))) == {"reached"}
    assert cited(shaped)  # the sources are still cited


def test_nothing_found_says_so_without_citations(ask):
    body = ask("zorblaxian flumphs", {"type": "web_search"})
    assert cited(body) == []
    assert "found no pages that match" in text_of(body)


def test_x_search_items_citations_and_handle_filters(emu, ask):
    mine = emu.add_post("otter_olga", "Otters hold hands while sleeping, confirmed.", "2026-11-10")
    other = emu.add_post("otter_oscar", "Otters are the best swimmers.", "2026-11-11")
    body = ask("otters", {"type": "x_search"})
    call = body["output"][0]
    assert call["type"] == "custom_tool_call" and call["name"] == "x_keyword_search"
    assert call["id"] == f"ctc_{body['id']}_{call['call_id']}"
    assert call["call_id"].startswith("xs_call_")
    assert json.loads(call["input"])["query"] == "otters"
    assert set(cited(body)) == {mine, other}
    assert mine.startswith("https://x.com/i/status/")
    assert "@otter_olga on 2026-11-10" in text_of(body)
    only = ask("otters", {"type": "x_search", "allowed_x_handles": ["otter_olga"]})
    assert cited(only) == [mine]
    assert "from:otter_olga" in json.loads(only["output"][0]["input"])["query"]
    without = ask("otters", {"type": "x_search", "excluded_x_handles": ["@otter_olga"]})
    assert cited(without) == [other]
    usage = body["usage"]["server_side_tool_usage_details"]
    assert usage["x_search_calls"] == 1 and usage["web_search_calls"] == 0


def test_x_search_date_filters(emu, ask):
    old = emu.add_post("heron_hal", "Herons fish at dawn.", "2026-10-01")
    new = emu.add_post("heron_hal", "Herons nest in spring.", "2026-11-15")
    ranged = ask("herons", {"type": "x_search", "from_date": "2026-11-01", "to_date": "2026-11-30"})
    assert cited(ranged) == [new]
    before = ask("herons", {"type": "x_search", "to_date": "2026-10-31"})
    assert cited(before) == [old]


def test_builtin_posts_answer_the_issue_example(ask):
    tool = {"type": "x_search", "allowed_x_handles": ["xai"], "from_date": "2026-11-01"}
    body = ask("What did xAI announce this month?", tool)
    texts = _corpus_texts()
    assert cited(body)
    for url in cited(body):
        assert "announc" in texts[url]


def test_both_tools_in_one_response(ask):
    body = ask("Starship orbit", {"type": "web_search"}, {"type": "x_search"})
    kinds = [i["type"] for i in body["output"]]
    assert kinds == ["web_search_call", "custom_tool_call", "message"]
    assert body["usage"]["num_server_side_tools_used"] == 2
    assert any(u.startswith("https://x.com/") for u in cited(body))


@pytest.mark.parametrize(
    ("tool", "fragment"),
    [
        ({"type": "x_search", "from_date": "2026-11-10", "to_date": "2026-11-01"}, "after"),
        ({"type": "x_search", "from_date": "10/11/2026"}, "ISO"),
        ({"type": "web_search", "allowed_domains": "x.ai"}, "list of strings"),
    ],
)
def test_bad_search_parameters_are_400(http, tool, fragment):
    r = http.post(
        "/responses", json={"model": model(reasoning=False), "input": "hi", "tools": [tool]}
    )
    assert r.status_code == 400 and fragment in r.json()["error"]


def test_serve_corpus_folder(tmp_path):
    (tmp_path / "pages.json").write_text(
        json.dumps(
            [{"url": "https://lab.example.org/n", "title": "Narwhal", "text": "A narwhal tusk."}]
        )
    )
    (tmp_path / "posts.json").write_text(
        json.dumps([{"handle": "sea", "text": "Narwhal spotted!", "date": "2026-11-01"}])
    )
    with serve(corpus=str(tmp_path)) as emu:
        body = httpx.post(
            f"{emu.base_url}/responses",
            headers={"Authorization": f"Bearer {KEY}"},
            json={
                "model": model(reasoning=False),
                "input": "narwhal",
                "tools": [{"type": "web_search"}, {"type": "x_search"}],
            },
        ).json()
    urls = cited(body)
    assert urls[0] == "https://lab.example.org/n" and urls[1].startswith("https://x.com/i/status/")


def test_reset_forgets_added_posts_and_pages_but_keeps_the_shipped_corpus():
    with serve() as emu:
        url = emu.add_post("lab", "Zanzibar quokka telescope first light", "2026-11-20")
        emu.add_page("https://quokka.example/first-light", "Quokka", "Zanzibar quokka telescope")
        body = {
            "model": model(reasoning=False),
            "input": "Zanzibar quokka telescope",
            "tools": [{"type": "x_search"}, {"type": "web_search"}],
        }
        headers = {"Authorization": f"Bearer {KEY}"}
        first = httpx.post(f"{emu}/responses", json=body, headers=headers).json()
        assert url in cited(first)
        emu.reset()
        again = httpx.post(f"{emu}/responses", json=body, headers=headers).json()
        assert url not in cited(again)
        assert "https://quokka.example/first-light" not in cited(again)
        starship = dict(body, input="Did Starship reach orbit?", tools=[{"type": "web_search"}])
        shipped = httpx.post(f"{emu}/responses", json=starship, headers=headers).json()
        assert "https://www.space-example.org/starship-flight-12" in cited(shipped)
