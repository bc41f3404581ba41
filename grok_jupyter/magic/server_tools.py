"""``%%grok`` server-side tool options (--search, --x-handles, --domains, dates,
--code, --mcp): the tools list they build, and citations shown under the answer."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from ..notebook.transcript import sources_markdown
from .messages import fail, one_line

if TYPE_CHECKING:
    from argparse import Namespace

    from ..client._responses_types import Citation

SEARCH_KINDS = ("web", "x")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        hint = "write it as YYYY-MM-DD, e.g. 2026-11-01"
        raise fail(f"{flag} {value}: not an ISO date; {hint}.") from None


def build_tools(args: Namespace) -> list[dict[str, Any]]:
    """The ``tools`` list for the Responses API; every mistake is a one-line UsageError."""
    from ..client import code_interpreter, mcp, web_search, x_search
    from ..client._errors import InvalidRequestError

    if not (args.search is not None or args.code or args.mcp or args.x_handles
            or args.domains or args.from_date or args.to_date):
        return []
    kinds = [kind.lower() for kind in _split(args.search)]
    for kind in kinds:
        if kind not in SEARCH_KINDS:
            raise fail(f"--search {args.search}: {kind!r} is not a search; use web, x or web,x.")
    if args.search is not None and not kinds:
        raise fail("--search needs web, x or web,x.")
    handles = _split(args.x_handles)
    domains = _split(args.domains)
    from_date = _date(args.from_date, "--from-date")
    to_date = _date(args.to_date, "--to-date")
    if from_date and to_date and from_date > to_date:
        raise fail(f"--from-date {from_date} is after --to-date {to_date}; swap them.")
    if (handles or from_date or to_date) and "x" not in kinds:
        raise fail("--x-handles, --from-date and --to-date filter X search: add --search x.")
    if domains and "web" not in kinds:
        raise fail("--domains filters web search: add --search web.")
    tools: list[dict[str, Any]] = []
    try:
        if "web" in kinds:
            tools.append(web_search(allowed_domains=domains or None))
        if "x" in kinds:
            tools.append(x_search(allowed_x_handles=handles or None,
                                  from_date=from_date, to_date=to_date))
        if args.code:
            tools.append(code_interpreter())
        for url in args.mcp or ():
            tools.append(mcp(url))
    except InvalidRequestError as exc:
        raise fail(one_line(exc)) from None
    return tools


def citations_markdown(citations: list[Citation]) -> str:
    """Numbered sources under the answer; a URL that is not a valid link is shown as text."""
    return "\n\n" + sources_markdown(citations) if citations else ""
