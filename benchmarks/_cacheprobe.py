"""Child process for the caching figures: ``python -m benchmarks._cacheprobe TURNS WORDS``.

Runs the same ``%%grok --chat`` conversation twice in an ``InteractiveShell``
against an in-process emulator, on the API the magic picks by default: once as a
user gets it (the named conversation sends its id: ``x-grok-conv-id`` on chat,
``prompt_cache_key`` on the Responses API, where each turn also chains on the last
stored answer) and once with the id removed and no chaining.
Prints one JSON object: per run, the USD billed, the cached tokens, and the
repeated prompt tokens (each request's prompt that the previous request of the
same conversation had sent already).
"""

from __future__ import annotations

import json
import sys
from typing import Any

_WORDS = ("harbor", "lantern", "granite", "meadow", "copper", "willow", "saffron", "tundra")


def _document(words: int) -> str:
    return " ".join(_WORDS[(i * 7 + i // 3) % len(_WORDS)] for i in range(words))


def _conversation(shell: Any, name: str, turns: int, document: str, *, with_id: bool) -> dict:
    from grok_jupyter.client import get_ledger
    from grok_jupyter.notebook.conversation import get_conversation

    conversation = get_conversation(name)
    if not with_id:
        conversation.conv_id = None  # what a client without prompt-cache routing sends
    ledger = get_ledger()
    before = len(ledger.records)
    shell.user_ns["document"] = document
    head = f"%%grok --chat {name} --max-tokens 40\n"
    cells = [head + "Read this and answer in 10 words: {document}"]
    cells += [head + f"Question {k}: answer in 10 words." for k in range(2, turns + 1)]
    for cell in cells:
        if not with_id:
            # Nor a stored answer to chain on (previous_response_id), which the Responses
            # API also reads from cache: this run is a client that routes nothing.
            conversation.response_id = None
        result = shell.run_cell(cell, store_history=True)
        if result.error_in_exec is not None or result.error_before_exec is not None:
            raise RuntimeError(f"cell failed: {result.error_in_exec or result.error_before_exec}")
    records = ledger.records[before:]
    repeated = sum(r.prompt_tokens for r in records[:-1])  # turn k repeats turn k-1's prompt
    return {
        "usd": sum(r.cost_usd or 0.0 for r in records),
        "cached": sum(r.cached_tokens for r in records),
        "repeated": repeated,
        "savings": sum(r.cache_savings_usd or 0.0 for r in records),
        "calls": len(records),
    }


def main() -> None:
    turns, words = int(sys.argv[1]), int(sys.argv[2])
    import io

    from IPython.core.interactiveshell import InteractiveShell

    from grok_jupyter.emulator import serve

    with serve() as emu:
        import os

        os.environ["XAI_BASE_URL"] = str(emu)
        os.environ["XAI_API_KEY"] = "xai-bench-not-a-real-key-0000"
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "grok_jupyter")
        shell.run_line_magic("config", "GrokMagics.output = 'stdout'")
        document = _document(words)
        real_stdout = sys.stdout
        sys.stdout = io.StringIO()  # the answers themselves are not the figure
        try:
            with_id = _conversation(shell, "bench-cached", turns, document, with_id=True)
            without = _conversation(shell, "bench-uncached", turns, document, with_id=False)
        finally:
            sys.stdout = real_stdout
        paths = sorted({r.path for r in emu.requests})
    print(json.dumps({"with_id": with_id, "without_id": without, "paths": paths}))


if __name__ == "__main__":
    main()
