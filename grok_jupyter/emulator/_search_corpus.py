"""The offline search corpus behind the emulator's web_search and x_search tools.

Pages and X posts written for the emulator ship as JSON under ``corpus/``;
users add their own (``emu.add_page``, ``emu.add_post``, ``serve(corpus=folder)``).
Search ranks documents by how many of the query's terms they contain, so every
hit, and every citation built from it, really contains the terms.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_PACKAGE_CORPUS = Path(__file__).with_name("corpus")
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9]")
_STOPWORDS = frozenset(
    """a an and are as at be by can could did do does for from had has have how i if in into
    is it its me my of on or our please search find look tell show give what whats when where
    which who whom why will with would you your about this that these those the to was were
    there their they them any some all web x posts post latest recent recently people say
    said saying news up use using via me us we""".split()
)


def terms_of(text: str) -> list[str]:
    """The query's search terms: lower-cased words without filler, in order, unique."""
    words = [w.strip(".-") for w in _WORD_RE.findall(text.lower().replace("@", " "))]
    return list(dict.fromkeys(w for w in words if w and w not in _STOPWORDS))


def words_of(text: str) -> set[str]:
    """The lower-cased words of ``text``, as ``term_matches`` compares them."""
    return {w.strip(".-") for w in _WORD_RE.findall(text.lower())}


def term_matches(term: str, words: set[str]) -> bool:
    """Whether ``term`` is one of ``words``, or shares a stem of 5+ letters with one."""
    # "announce" finds "announcing", "reactions" finds "reaction": a shared stem of 5+.
    if term in words:
        return True
    stem = term[:5] if len(term) >= 6 else None
    return stem is not None and any(w.startswith(stem) for w in words)


def parse_date(value: Any, field: str) -> dt.date:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be an ISO date string (YYYY-MM-DD), got {value!r}")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{field} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


@dataclass(frozen=True)
class Document:
    """A web page (``handle`` None) or an X post."""

    url: str
    title: str
    text: str
    date: dt.date | None = None
    handle: str | None = None

    @property
    def domain(self) -> str:
        host = urlsplit(self.url).hostname or ""
        return host[4:] if host.startswith("www.") else host

    def best_sentence(self, terms: list[str]) -> str:
        """The sentence that holds the most terms: what the answer quotes."""
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", self.text) if s.strip()]
        return max(
            sentences or [self.text],
            key=lambda s: sum(term_matches(t, words_of(s)) for t in terms),
        )


@dataclass(frozen=True)
class Hit:
    doc: Document
    matched: tuple[str, ...]


def _post_url(handle: str, text: str, date: dt.date) -> str:
    status = 1990000000000000000 + zlib.crc32(f"{handle}|{date}|{text}".encode()) % 10**12
    return f"https://x.com/i/status/{status}"


def _domain_in(domain: str, domains: list[str]) -> bool:
    wanted = [d.lower().removeprefix("www.") for d in domains]
    return any(domain == d or domain.endswith("." + d) for d in wanted)


class Corpus:
    """Pages and posts; thread-safe (the server and test threads share it)."""

    def __init__(self, *, builtin: bool = True) -> None:
        self._lock = threading.Lock()
        self._pages: list[Document] = []
        self._posts: list[Document] = []
        if builtin:
            self.load_folder(_PACKAGE_CORPUS)
        self._baseline: tuple[list[Document], list[Document]] = ([], [])
        self.keep_as_baseline()

    def keep_as_baseline(self) -> None:
        """What ``emu.reset()`` goes back to: the shipped and ``corpus=`` documents."""
        with self._lock:
            self._baseline = (list(self._pages), list(self._posts))

    def restore_baseline(self) -> None:
        """Drop pages and posts added since, so one test's documents don't leak into the next."""
        with self._lock:
            self._pages, self._posts = list(self._baseline[0]), list(self._baseline[1])

    def add_page(self, url: str, title: str, text: str, date: str | None = None) -> Document:
        if not re.match(r"https?://", url):
            raise ValueError(f"a page url must start with http:// or https://, got {url!r}")
        doc = Document(url, title, text, parse_date(date, "date") if date else None)
        with self._lock:
            self._pages = [p for p in self._pages if p.url != url] + [doc]
        return doc

    def add_post(self, handle: str, text: str, date: str, post_id: str | None = None) -> Document:
        handle = handle.lstrip("@")
        day = parse_date(date, "date")
        url = f"https://x.com/i/status/{post_id}" if post_id else _post_url(handle, text, day)
        doc = Document(url, f"@{handle} on X", text, day, handle)
        with self._lock:
            self._posts.append(doc)
        return doc

    def load_folder(self, folder: str | Path) -> None:
        """Read ``pages.json`` and ``posts.json`` (either may be missing) from ``folder``."""
        root = Path(folder)
        if not root.is_dir():
            raise ValueError(f"corpus folder {str(root)!r} does not exist")
        pages = root / "pages.json"
        posts = root / "posts.json"
        for page in json.loads(pages.read_text("utf-8")) if pages.exists() else []:
            self.add_page(page["url"], page["title"], page["text"], page.get("date"))
        for post in json.loads(posts.read_text("utf-8")) if posts.exists() else []:
            self.add_post(post["handle"], post["text"], post["date"], post.get("id"))

    def search_web(self, query: str, tool: dict[str, Any], limit: int = 3) -> list[Hit]:
        allowed = tool.get("allowed_domains") or []
        excluded = tool.get("excluded_domains") or []
        with self._lock:
            docs = [
                d
                for d in self._pages
                if (not allowed or _domain_in(d.domain, allowed))
                and not _domain_in(d.domain, excluded)
            ]
        return _rank(docs, terms_of(query), limit)

    def search_x(self, query: str, tool: dict[str, Any], limit: int = 3) -> list[Hit]:
        allowed = {h.lstrip("@").lower() for h in tool.get("allowed_x_handles") or []}
        excluded = {h.lstrip("@").lower() for h in tool.get("excluded_x_handles") or []}
        start = parse_date(tool["from_date"], "from_date") if tool.get("from_date") else None
        end = parse_date(tool["to_date"], "to_date") if tool.get("to_date") else None
        with self._lock:
            docs = [
                d
                for d in self._posts
                if (not allowed or (d.handle or "").lower() in allowed)
                and (d.handle or "").lower() not in excluded
                and (start is None or (d.date is not None and d.date >= start))
                and (end is None or (d.date is not None and d.date <= end))
            ]
        # Handles named in the query ("from @xai") count as terms too.
        return _rank(docs, terms_of(query), limit, by_handle=True)


def _rank(docs: list[Document], terms: list[str], limit: int, by_handle: bool = False) -> list[Hit]:
    scored = []
    for order, doc in enumerate(docs):
        # A post's title is only "@handle on X": match its text alone.
        words = words_of(doc.text if doc.handle else f"{doc.title} {doc.text}")
        in_text = tuple(t for t in terms if term_matches(t, words))
        if not in_text:
            continue  # a handle alone is no hit: what is cited must contain the terms
        handle = (doc.handle or "").lower()
        by_name = by_handle and handle in terms and handle not in in_text
        matched = in_text + ((handle,) if by_name else ())
        newest = doc.date.toordinal() if doc.date else 0
        scored.append((-len(matched), -newest, order, Hit(doc, matched)))
    scored.sort(key=lambda s: s[:3])
    if not scored:
        return []
    # Weak partial matches are dropped once better ones exist.
    floor = (len(scored[0][3].matched) + 1) // 2
    return [s[3] for s in scored if len(s[3].matched) >= floor][:limit]
