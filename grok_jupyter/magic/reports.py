"""The tables ``%grok models | usage | history | config`` show, as (Markdown, plain text)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[str, str]:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    md = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    plain = [line(headers), *(line(row) for row in rows)]
    return "\n".join(md), "\n".join(plain)


def _usd(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.4f}" if value >= 0.01 or value == 0 else f"{value:.6f}"


WIDTH = 100  # the plain listing fits a 100-column terminal


def _rates(tier: Any) -> str:
    text = f"${tier.input:g} in"
    if tier.cached_input is not None:
        text += f" / ${tier.cached_input:g} cached"
    text += f" / ${tier.output:g} out"
    if tier.image_input is not None and tier.image_input != tier.input:
        text += f" / ${tier.image_input:g} image"
    return text


def _price(m: Any) -> str:
    p = m.price_per_million
    if m.kind == "image":
        return f"${m.image_price_usd:g}/image" if m.image_price_usd is not None else "?"
    if m.kind == "video" or (not p.input and not p.output):
        return "?"
    return _rates(p)


def _tier(m: Any, joint: str = ":") -> str:
    """The long-context tier: it bills every token of a request whose prompt reaches it."""
    p = m.price_per_million
    if p.long_context is None or m.kind != "chat" or m.retired is not None:
        return "—"
    return f"from {p.long_context_threshold:,} prompt tokens{joint} {_rates(p.long_context)}"


def _efforts(m: Any) -> str:
    if not m.reasoning_efforts:
        return "not configurable"
    return ", ".join(
        f"{e} (default)" if e == m.default_reasoning_effort else e for e in m.reasoning_efforts
    )


def _batch(m: Any) -> str:
    return {True: "yes", False: "no"}.get(m.batch, "?")


def _agents(m: Any) -> str:
    """grok-4.20-multi-agent's effort -> agents rule, as 'low/medium: 4 agents, ...'."""
    by_count: dict[int, list[str]] = {}
    for effort, n in m.agents_by_effort.items():
        by_count.setdefault(n, []).append(effort)
    return ", ".join(f"{'/'.join(es)}: {n}" for n, es in sorted(by_count.items())) + " agents"


def _apis(m: Any) -> str:
    if m.apis is None or m.kind != "chat":
        return "—"
    return "Responses API only" if tuple(m.apis) == ("responses",) else ", ".join(m.apis)


def _status(m: Any) -> str:
    if m.retired is None:
        return "current"
    target = m.retired.redirect_to
    effort = f" ({m.retired.implied_effort})" if m.retired.implied_effort else ""
    status = f"retired {m.retired.date or ''}".rstrip()
    return status + (f" → {target}{effort}" if target else ", gone")


def _wrap(text: str, indent: str = "    ") -> list[str]:
    import textwrap

    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


def _plain_entry(m: Any) -> list[str]:
    """A model as a few lines of at most ``WIDTH`` characters."""
    head = [m.id]
    if m.retired is not None:
        head.append(_status(m))
    else:
        if m.released:
            head.append(f"released {m.released}")
        if m.context_window:
            head.append(f"context {m.context_window:,}")
        head.append(", ".join(m.input_modalities) + " → " + ", ".join(m.output_modalities))
        if m.kind != "chat":
            head.append(_price(m).replace("?", "price unknown"))
    lines = _wrap(" · ".join(head), indent="")
    if m.retired is None and m.kind == "chat":
        lines += _wrap(f"USD per 1M tokens: {_price(m)}")
        if _tier(m) != "—":
            lines += _wrap(_tier(m, joint=", every token:"))
        lines += _wrap(f"efforts: {_efforts(m)} · batch: {_batch(m)} · APIs: {_apis(m)}")
        if m.agents_by_effort:
            lines += _wrap(f"reasoning.effort sets the agents: {_agents(m)}")
    if m.aliases:
        lines += _wrap("aliases: " + ", ".join(m.aliases))
    return lines


def models_table(catalog: Any) -> tuple[str, str]:
    """Current models first; retired ids after them, each saying what answers for it now.

    The Markdown is a table; the plain text (what a terminal shows) is a few lines per
    model, none over ``WIDTH`` characters.
    """
    models = sorted(catalog, key=lambda m: m.retired is not None)  # stable: catalogue order
    rows = [
        (
            m.id,
            _status(m),
            f"{m.context_window:,}" if m.context_window else "—",
            _price(m) if m.retired is None else "—",
            _tier(m),
            (_efforts(m) + (f"; {_agents(m)}" if m.agents_by_effort else ""))
            if m.retired is None and m.kind == "chat" else "—",
            _batch(m) if m.kind == "chat" and m.retired is None else "—",
            _apis(m) if m.retired is None else "—",
            ", ".join(m.aliases) or "—",
        )
        for m in models
    ]
    headers = ("model", "status", "context", "USD per 1M tokens", "long-context tier (all tokens)",
               "efforts", "batch", "APIs", "aliases")
    md, _ = _table(headers, rows)
    plain: list[str] = []
    for m in models:
        plain += _plain_entry(m)
    note = (
        f"Default chat model: {catalog.default_chat_model}. Once a prompt reaches a model's "
        "long-context threshold, every token of the request is billed at the tier price. "
        "batch: yes / no / ? (unknown: sent with a warning). A retired id still works: the "
        "model after the arrow answers it, at that model's prices. "
        "`%grok models --refresh` asks the server."
    )
    plain_note = "\n".join(_wrap(note.replace("`", ""), indent=""))
    return md + "\n\n" + note, "\n".join(plain) + "\n\n" + plain_note


def usage_table(ledger: Any) -> tuple[str, str]:
    records = ledger.records
    if not records:
        text = "No Grok calls yet in this session."
        return text, text
    by_model: dict[str, dict[str, Any]] = {}
    for r in records:
        row = by_model.setdefault(r.model, {"calls": 0, "in": 0, "out": 0, "reasoning": 0,
                                            "images": 0, "usd": 0.0, "known": True, "src": {},
                                            "estimated": False, "cached": 0, "saved": 0.0})
        row["calls"] += 1
        row["in"] += r.prompt_tokens
        row["out"] += r.completion_tokens
        row["reasoning"] += r.reasoning_tokens
        row["cached"] += getattr(r, "cached_tokens", 0)
        row["saved"] += getattr(r, "cache_savings_usd", None) or 0.0
        row["images"] += r.images_generated
        if r.cost_usd is None:
            row["known"] = False
        else:
            row["usd"] += r.cost_usd
        row["src"][r.source] = row["src"].get(r.source, 0) + 1
        row["estimated"] |= getattr(r, "estimated", False)
    rows = [
        (model, str(v["calls"]), f"{v['in']:,}", f"{v['cached']:,}", f"{v['out']:,}",
         f"{v['reasoning']:,}", str(v["images"]), _usd(v["saved"]),
         _approx(v["estimated"]) + _usd(v["usd"]) + ("" if v["known"] else "+?"),
         ", ".join(f"{s} {n}" for s, n in sorted(v["src"].items())))
        for model, v in by_model.items()
    ]
    rows += _tool_rows(records)
    total = ledger.total()
    rows.append(("total", str(total.calls), f"{total.prompt_tokens:,}",
                 f"{total.cached_tokens:,}",
                 f"{total.completion_tokens:,}", f"{total.reasoning_tokens:,}",
                 str(total.images_generated), _usd(total.cache_savings_usd),
                 _approx(any(v["estimated"] for v in by_model.values()))
                 + _usd(total.cost_usd) + ("" if total.cost_known else "+?"), ""))
    # "cached": prompt tokens served from the prompt cache; "cache saved": what that
    # saved against the full input price.
    headers = ("model", "calls", "prompt", "cached", "completion", "reasoning", "images",
               "cache saved", "USD", "calls by")
    md, plain = _table(headers, rows)
    if any(v["estimated"] for v in by_model.values()):
        note = ("~ : some calls were cut or stopped before the API sent their usage (a "
                "stream cut short, a table map's requests in flight at Ctrl-C or on a killed "
                "worker); they were billed, so their tokens and cost are estimated here.")
        md, plain = md + "\n\n" + note, plain + "\n\n" + note
    return md, plain


def _tool_rows(records: list[Any]) -> list[tuple[str, ...]]:
    """One row per server-side tool, with what its calls cost: the model rows are tokens
    only (``cost_usd``), so model rows and tool rows add up to the total."""
    from ..client._catalog import get_catalog
    from ..notebook.transcript import tool_label

    catalog = get_catalog()
    tools: dict[str, dict[str, Any]] = {}
    for r in records:
        counts = {k: n for k, n in (getattr(r, "tool_call_counts", None) or {}).items() if n}
        spent = getattr(r, "tool_cost_usd", 0.0) or 0.0
        if not counts and not spent:
            continue
        if not counts:  # billed, but the ledger kept no breakdown
            counts = {"other": 0}
        prices = {k: (catalog.tool_price_usd(k) or 0.0) * n for k, n in counts.items()}
        priced = sum(prices.values())
        for k, n in counts.items():
            row = tools.setdefault(k, {"calls": 0, "usd": 0.0, "src": {}})
            row["calls"] += n
            # The record's tool cost split by list price (the server's own total wins).
            share = prices[k] / priced if priced else 1 / len(counts)
            row["usd"] += spent * share
            row["src"][r.source] = row["src"].get(r.source, 0) + n
    return [
        (f"tool: {tool_label(k)}",
         str(v["calls"]), "", "", "", "", "", "", _usd(v["usd"]),
         ", ".join(f"{s} {n}" for s, n in sorted(v["src"].items())))
        for k, v in sorted(tools.items(), key=lambda item: tool_label(item[0]))
    ]


def _approx(estimated: bool) -> str:
    return "~" if estimated else ""


def history(conversation: Any) -> tuple[str, str]:
    from ..notebook.transcript import compaction_line

    messages = conversation.messages
    head = f"Conversation {conversation.name!r}: {len(messages)} message(s)"
    if conversation.system:
        head += f"; system prompt: {conversation.system!r}"
    md, plain = [f"**{head}**"], [head]
    marks: dict[int, list[Any]] = {}
    for record in conversation.compactions:
        marks.setdefault(record.upto, []).append(record)
    for i, m in enumerate([*messages, None]):
        for record in marks.get(i, ()):
            md.append(f"*{compaction_line(record)}*")
            plain.append(compaction_line(record))
        if m is None:
            break
        text = m.text
        if m.role == "user":
            extra = f" (+{len(m.images)} image(s))" if m.images else ""
            md.append(f"**You**{extra}: {text}")
            plain.append(f"You{extra}: {text}")
        elif m.role == "assistant":
            for call in m.tool_calls or []:
                line = f"{call.function.name}({call.function.arguments})"
                md.append(f"🔧 `{line}`")
                plain.append(f"tool call: {line}")
            if text:
                md.append(f"**Grok**: {text}")
                plain.append(f"Grok: {text}")
        elif m.role == "tool":
            md.append(f"↳ `{text[:200]}`")
            plain.append(f"tool result: {text[:200]}")
    return "\n\n".join(md), "\n".join(plain)


def config_table(magics: Any, emulator_url: str | None) -> tuple[str, str]:
    from ..client._errors import mask_key

    rows = [
        (f"GrokMagics.{name}", repr(getattr(magics, name)))
        for name in sorted(magics.class_traits(config=True))
    ]
    from ..client import get_client
    from ..client._default import built_from_environment

    # What the next request will send: the shared client's own key and URL (it is rebuilt
    # when the environment changed; one given to set_client keeps its own).
    settings = get_client().settings
    key = settings.api_key
    given = "" if built_from_environment() else " (set_client's client, not the environment)"
    # Never the key itself: only whether one is set, masked.
    rows.append(("XAI_API_KEY", (f"set ({mask_key(str(key))})" if key else "not set") + given))
    url = settings.base_url
    default = " (default)" if not os.environ.get("XAI_BASE_URL") and not given else ""
    rows.append(("XAI_BASE_URL", f"{url}{default}{given}"))
    rows.append(("in-kernel emulator", emulator_url or "not running"))
    return _table(("setting", "value"), rows)
