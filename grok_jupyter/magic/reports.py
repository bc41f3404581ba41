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


def models_table(catalog: Any) -> tuple[str, str]:
    """Current models first; retired ids after them, each saying what answers for it now."""
    rows = []
    models = list(catalog)
    for m in sorted(models, key=lambda m: m.retired is not None):  # stable: catalogue order
        p = m.price_per_million
        if m.kind == "image":
            price = f"${m.image_price_usd:g}/image" if m.image_price_usd is not None else "?"
        elif m.kind == "video" or (not p.input and not p.output):
            price = "?"
        else:
            price = f"${p.input:g} in / ${p.output:g} out"
            if p.cached_input is not None:
                price += f" / ${p.cached_input:g} cached"
            if p.image_input is not None and p.image_input != p.input:
                price += f" / ${p.image_input:g} image"
        status = "current"
        if m.retired is not None:
            target = m.retired.redirect_to
            effort = f" ({m.retired.implied_effort})" if m.retired.implied_effort else ""
            status = f"retired {m.retired.date or ''}".rstrip()
            status += f" → {target}{effort}" if target else ", gone"
        rows.append((
            m.id,
            status,
            f"{m.context_window:,}" if m.context_window else "—",
            ", ".join(m.input_modalities) + " → " + ", ".join(m.output_modalities),
            price,
            ", ".join(m.aliases) or "—",
        ))
    headers = ("model", "status", "context", "modalities", "USD per 1M tokens", "aliases")
    md, plain = _table(headers, rows)
    note = (
        f"Default chat model: {catalog.default_chat_model}. A retired id still works: the "
        "model after the arrow answers it, at that model's prices. "
        "`%grok models --refresh` asks the server."
    )
    return md + "\n\n" + note, plain + "\n\n" + note.replace("`", "")


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


def _approx(estimated: bool) -> str:
    return "~" if estimated else ""


def history(conversation: Any) -> tuple[str, str]:
    messages = conversation.messages
    head = f"Conversation {conversation.name!r}: {len(messages)} message(s)"
    if conversation.system:
        head += f"; system prompt: {conversation.system!r}"
    md, plain = [f"**{head}**"], [head]
    for m in messages:
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
    key = os.environ.get("XAI_API_KEY")
    # Never the key itself: only whether one is set, masked.
    rows.append(("XAI_API_KEY", f"set ({mask_key(key)})" if key else "not set"))
    rows.append(("XAI_BASE_URL", os.environ.get("XAI_BASE_URL") or "https://api.x.ai/v1 (default)"))
    rows.append(("in-kernel emulator", emulator_url or "not running"))
    return _table(("setting", "value"), rows)
