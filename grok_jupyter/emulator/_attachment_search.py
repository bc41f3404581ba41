"""``input_file`` parts on ``/v1/responses``: the implicit ``attachment_search`` tool.

Attaching a file "implicitly adds the attachment_search server-side tool"
(shared/xai-api-2026.md sections 2.2, 3.1 and 5): the emulator reads each
attached file's real text (``_file_store``: PDFs through pypdf), searches it
for the question's terms and answers by quoting the passages it found, so an
answer about a file is checkably from that file. Billing follows section 3.3:
$10 per 1k ``attachment_search`` calls, one call per attached file searched,
counted as ``document_search_calls`` [U which counter: the reference names
``document_search_calls`` or ``file_search_calls``; the latter is priced as
collections search, so the document counter is the one that fits]. The output
item is a ``file_search_call`` (the nearest recorded shape, section 3.2) [U].

Which turns search: attachment_search is a tool the model calls in an agentic
turn, not a filter on every answer. A conversation that holds a document resends
its ``input_file`` part with the history each turn, yet a later "reply with 3000
words" is answered as a prompt. So the emulator searches only when the last user
message carries a file, or the question names the files ("the file", its name)
or shares a content word with a file's text (``files_to_search``); otherwise the
responder answers and no attachment_search call is made or billed [U: billing
is per call (section 3.3), and a turn that never calls the tool makes none; a
call that finds nothing is still a call and is billed]. The file still counts
as context either way: its part stays in the input (counted in input_tokens),
and the passages it was quoted from earlier stay in the history.
"""

from __future__ import annotations

import re
from typing import Any

from ..client._tokens import count_tokens
from ._file_inputs import parts_of
from ._file_store import StoredFile
from ._responses_tools import ToolRun
from ._search_corpus import term_matches, terms_of, words_of

COUNTER = "document_search_calls"
# Priced in _responses_tools.TICKS_BY_COUNTER: $10 per 1k calls (section 3.3 [V]).
MAX_QUOTES = 3
_MARKER = re.compile(r"\[attached file [^\]]*\]")  # what _responses_request puts in the text
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


# Words that say what to do, not what about: they pick no document passage.
_TASK_WORDS = frozenset(
    """reply answer write words word sentences sentence paragraph paragraphs lines line
    long short brief briefly take make list explain describe more again continue tell
    repeat translate format count number times""".split()
)
# Words by which a question points at the attachments themselves.
_FILE_WORDS = frozenset(
    """file files document documents doc docs attachment attachments attached upload
    uploaded pdf""".split()
)


def _names_file(terms: list[str], doc: StoredFile) -> bool:
    name = doc.filename.lower()
    stem = name.rsplit(".", 1)[0]
    return any(t in _FILE_WORDS or t == name or t == stem for t in terms)


def _mentions(terms: list[str], doc: StoredFile) -> bool:
    content = [t for t in terms if t not in _TASK_WORDS and not t.isdigit()]
    return bool(content) and bool(best_passages(doc.text, content, limit=1))


def files_to_search(items: Any, attached: list[StoredFile], question: str) -> list[StoredFile]:
    """The attached files this turn's attachment_search reads (none: answer the prompt).

    ``attached`` is ``_file_inputs.resolve_attachments(items, ...)``, in the same order. A file on
    the last user message is always searched; one resent with the history only when
    the question names the files or shares a content word with its text.
    """
    listed = items if isinstance(items, list) else []  # a plain string input holds no file
    user_items = [i for i in listed if isinstance(i, dict) and i.get("role") == "user"]
    new = len(parts_of(user_items[-1])) if user_items else 0
    earlier, current = attached[: len(attached) - new], attached[len(attached) - new :]
    terms = terms_of(question)
    named = any(_names_file(terms, doc) for doc in earlier)
    # Asked about "the file": every earlier attachment is read; else those it is about.
    kept = earlier if named else [doc for doc in earlier if _mentions(terms, doc)]
    seen: set[str] = set()
    out = []
    for doc in [*kept, *current]:
        if doc.id not in seen:  # a file attached twice is searched once
            seen.add(doc.id)
            out.append(doc)
    return out


def question_of(text: str) -> str:
    """The user's words without the attachment markers."""
    return _MARKER.sub(" ", text).strip()


def _score(terms: list[str], sentence: str) -> int:
    # web_search's matching: a shared 5-letter stem counts ("revenues" finds "revenue").
    words = words_of(sentence)
    return sum(term_matches(t, words) for t in terms)


def best_passages(text: str, terms: list[str], limit: int = MAX_QUOTES) -> list[str]:
    """The sentences holding the most terms, in document order; none if nothing matches."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    scored = [(_score(terms, s), n, s) for n, s in enumerate(sentences)]
    hits = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1]))[:limit]
    return [s for _, _, s in sorted(hits, key=lambda x: x[1])]


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def add_attachment_search(
    run: ToolRun | None, stored: list[StoredFile], question: str, response_id: str
) -> ToolRun | None:
    """Search ``stored`` for ``question``; the quotes join the answer, the calls the bill."""
    if not stored:
        return run
    run = run if run is not None else ToolRun()
    terms = terms_of(question)
    lines: list[str] = []
    for n, doc in enumerate(stored):
        quotes = best_passages(doc.text, terms)
        run.items.append(
            {
                "type": "file_search_call",
                "id": f"fs_{response_id}_{n}",
                "status": "completed",
                "queries": [" ".join(terms) or question],
                "results": None,  # results only with include=["file_search_call.results"] [V]
            }
        )
        run.details[COUNTER] = run.details.get(COUNTER, 0) + 1
        if doc.fetch_error is not None:  # a file_url the offline emulator cannot reach
            lines.append(doc.fetch_error)
            continue
        if not doc.text.strip():
            lines.append(f"I could not read any text in the attached file {doc.filename}.")
            continue
        if quotes:
            lines.append(f"From the attached file {doc.filename}:")
            lines += [f'- "{_shorten(q)}"' for q in quotes]
        else:
            lines.append(
                f"The attached file {doc.filename} does not mention "
                f'"{" ".join(terms) or question}". It begins: "{_shorten(doc.text, 200)}"'
            )
        # What the model read: the passages it quotes, or the opening it summarises.
        run.result_tokens += count_tokens("\n".join(quotes) or doc.text[:200])
    run.answer = "\n".join(filter(None, [run.answer, *lines]))
    return run


def file_search_events(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream events of a ``file_search_call`` item (OpenAI's event names [U for xAI])."""
    where = {"item_id": item["id"], "output_index": i}
    return [
        {
            "type": "response.output_item.added",
            "item": {**item, "status": "in_progress"},
            "output_index": i,
        },
        *(
            {"type": f"response.file_search_call.{s}", **where}
            for s in ("in_progress", "searching", "completed")
        ),
    ]
