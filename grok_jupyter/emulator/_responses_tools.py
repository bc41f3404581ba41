"""Server-side web_search and x_search, run for real against the offline corpus.

Output items: ``web_search_call`` items in the July 2026 shape (2026-09 reference,
section 2: ``ws_<rid>_call-<uuid>-<n>`` ids, ``action.query`` and ``action.sources``),
one per question the prompt asks; ``custom_tool_call`` items for X sub-tools in the
2025-12 format (shared/xai-api-2026.md section 3.2). The answer quotes what each
search found; each ``url_citation`` points at a hit, and every hit contains the
query's terms.
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from ..client._tokens import count_tokens
from ._code_interpreter import CodeResult, describe
from ._mcp_tool import run_mcp_tools
from ._search_corpus import Corpus, Hit, terms_of

TICKS_PER_TOOL_CALL = 50_000_000  # $5 per 1k calls (section 3.3) = 0.005 USD = 5e7 ticks
# Counters priced otherwise (section 3.3): attachment_search (input_file parts) is $10 per 1k.
TICKS_BY_COUNTER = {"document_search_calls": 100_000_000}
_DETAIL_KEYS = (
    "web_search_calls",
    "x_search_calls",
    "code_interpreter_calls",
    "file_search_calls",
    "mcp_calls",
    "document_search_calls",
    "image_generation_calls",
)


@dataclass
class ToolRun:
    """What the server-side tools did in one response."""

    items: list[dict[str, Any]] = field(default_factory=list)
    answer: str = ""
    urls: list[str] = field(default_factory=list)
    details: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_DETAIL_KEYS, 0))
    result_tokens: int = 0  # what the model read: billed as input

    @property
    def sub_tool_calls(self) -> int:
        # Listing an MCP server's tools is preparation, not a tool the model used.
        return sum(1 for item in self.items if item["type"] != "mcp_list_tools")

    @property
    def cost_ticks(self) -> int:
        # Billed per usage-details counter (section 3.3 leaves which counter open [U]).
        details = self.details.items()
        return sum(n * TICKS_BY_COUNTER.get(k, TICKS_PER_TOOL_CALL) for k, n in details)


def _call_digits(response_id: str, n: int) -> str:
    return f"{zlib.crc32(f'{response_id}|{n}'.encode()) % 100_000_000:08d}"


def _x_query(terms: list[str], tool: dict[str, Any]) -> str:
    query = " ".join(terms)
    handles = [h.lstrip("@") for h in tool.get("allowed_x_handles") or []]
    if handles:
        query += " " + " OR ".join(f"from:{h}" for h in handles)
    return query.strip()


def _quote(n: int, hit: Hit, terms: list[str]) -> str:
    doc = hit.doc
    sentence = doc.best_sentence(terms)
    if doc.handle:
        return f'[{n}] @{doc.handle} on {doc.date}: "{sentence}" ({doc.url})'
    dated = f", {doc.date}" if doc.date else ""
    return f'[{n}] {doc.title}{dated}: "{sentence}" ({doc.url})'


# At most this many web searches in one turn, one per question the prompt asks [U].
MAX_SEARCHES = 4
_QUESTION = re.compile(r"[^?.!\n]*\?")


def search_queries(text: str) -> list[str]:
    """The web searches a prompt leads to: one per question when it asks several
    ("When was X founded? Who runs Y?"), else one for the whole prompt."""
    questions = [q.strip() for q in _QUESTION.findall(text) if terms_of(q)]
    return questions[:MAX_SEARCHES] if len(questions) > 1 else [text]


def _web_search(
    run: ToolRun, query_text: str, tool: dict[str, Any], corpus: Corpus, item_id: str
) -> tuple[list[Hit], list[str]]:
    hits = corpus.search_web(query_text, tool)
    terms = terms_of(query_text)
    run.items.append(
        {
            "id": item_id,
            "type": "web_search_call",
            "status": "completed",
            # The July 2026 shape [REC 13218]: the query and the pages it found. (2025-12
            # items had query "" and no sources; the emulator says what it searched.)
            "action": {
                "type": "search",
                "query": " ".join(terms),
                "sources": [{"type": "url", "url": hit.doc.url} for hit in hits],
            },
        }
    )
    run.details["web_search_calls"] += 1
    return hits, terms


def _x_search(
    run: ToolRun, query_text: str, tool: dict[str, Any], corpus: Corpus, response_id: str
) -> tuple[list[Hit], list[str]]:
    hits = corpus.search_x(query_text, tool)
    terms = terms_of(query_text)
    arguments: dict[str, Any] = {"query": _x_query(terms, tool), "limit": 20}
    arguments["mode"] = "Latest"
    for key in ("from_date", "to_date"):
        if tool.get(key):
            arguments[key] = tool[key]
    digits = _call_digits(response_id, len(run.items))
    run.items.append(
        {
            "type": "custom_tool_call",
            "id": f"ctc_{response_id}_xs_call_{digits}",
            "call_id": f"xs_call_{digits}",
            "name": "x_keyword_search",
            "input": json.dumps(arguments, ensure_ascii=False),
            "status": "completed",
        }
    )
    run.details["x_search_calls"] += 1
    return hits, terms


def run_tools(
    tools: list[dict[str, Any]], query_text: str, corpus: Corpus, response_id: str
) -> ToolRun:
    run = ToolRun()
    lines: list[str] = []
    # Web search item ids: ws_<rid>_call-<uuid>-<n>, one uuid per turn [REC 13218].
    call_uuid = uuid.uuid4()
    searches = 0
    for tool in tools:
        if tool["type"] == "web_search":
            where, kind = "the web", "pages"
            runs = []
            for query in search_queries(query_text):
                item_id = f"ws_{response_id}_call-{call_uuid}-{searches}"
                searches += 1
                runs.append(_web_search(run, query, tool, corpus, item_id))
        elif tool["type"] == "x_search":
            where, kind = "X", "posts"
            runs = [_x_search(run, query_text, tool, corpus, response_id)]
        else:
            continue  # code_interpreter and mcp run apart (``add_code_run``, ``add_mcp_runs``)
        for hits, terms in runs:
            searched = " ".join(terms) or query_text.strip()
            if not hits:
                lines.append(f'I searched {where} for "{searched}" and found no {kind} that match.')
                continue
            lines.append(f'I searched {where} for "{searched}" and found {len(hits)} {kind}:')
            for hit in hits:
                if hit.doc.url not in run.urls:
                    run.urls.append(hit.doc.url)
                lines.append(_quote(run.urls.index(hit.doc.url) + 1, hit, terms))
                run.result_tokens += count_tokens(f"{hit.doc.title}\n{hit.doc.text}")
    run.answer = "\n".join(lines)
    return run


def add_code_run(run: ToolRun, code: str, result: CodeResult, response_id: str) -> None:
    """A code_interpreter call in the one recorded shape (2025-10, section 3.2); the
    2025-12 shape is [U]. Like the real API, the item holds the code, not its output."""
    run.items.append(
        {
            "type": "code_interpreter_call",
            "id": f"fc_{response_id}_{len(run.items)}",
            "name": "code_execution",
            "arguments": json.dumps({"code": code}, ensure_ascii=False),
            "call_id": "",
            "status": "completed",
        }
    )
    run.details["code_interpreter_calls"] += 1
    run.answer = "\n".join(filter(None, [run.answer, describe(result)]))


async def add_mcp_runs(
    run: ToolRun, tools: list[dict[str, Any]], prompt: str, response_id: str
) -> None:
    """Run the request's ``mcp`` tools for real (``_mcp_tool``) and add what they did:
    ``mcp_list_tools`` and ``mcp_call`` items, one ``mcp_calls`` per call made, the
    tool output as tokens the model read, and a sentence per server to the answer."""
    if not any(t.get("type") == "mcp" for t in tools):
        return
    done = await run_mcp_tools(tools, prompt, response_id)
    run.items.extend(done.items)
    run.details["mcp_calls"] += done.calls
    run.result_tokens += sum(count_tokens(text) for text in done.result_tokens_text)
    run.answer = "\n".join(filter(None, [run.answer, *done.lines]))
