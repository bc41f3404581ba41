"""An agent step in the chat: its code (with Copy), then how it was approved and what came
back, as Grok was told (``agent/toolset.py``'s summary); "waiting" while it is asked."""

from __future__ import annotations

import html
import json

from .markdown import code_block_html

STEP_TOOLS = frozenset({"run_code", "insert_cell"})
_SHOWN = 600  # characters of a step's result shown; Grok got the whole (budgeted) text


def step_html(name: str, arguments: str, output: str | None, error: str | None) -> str:
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        args = {}
    code = str(args.get("code") or args.get("source") or "") if isinstance(args, dict) else ""
    what = "run this code" if name == "run_code" else "add this cell"
    text = error if error is not None else output
    if text is None:
        status, rest = "waiting for your answer, or running…", ""
    else:
        status, _, rest = text.partition("\n")
    if len(rest) > _SHOWN:
        rest = rest[:_SHOWN] + " …"
    failed = error is not None or "Status: failed" in status or "timed out" in status
    cls = "grok-step grok-step-failed" if failed else "grok-step"
    shown = f'<pre class="grok-step-output">{html.escape(rest)}</pre>' if rest.strip() else ""
    return (f'<div class="{cls}" data-testid="grok-step"><div class="grok-step-head">'
            f"Step: {what}</div>{code_block_html(code, 'python')}"
            f'<div class="grok-step-status" data-testid="grok-step-status">'
            f"{html.escape(status)}</div>{shown}</div>")
