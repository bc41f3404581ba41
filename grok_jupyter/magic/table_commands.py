"""``%grok map`` (a table map from a cell) and ``%grok batches`` (the batches it submitted).

A mixin of :class:`~grok_jupyter.magic.cell.GrokMagics`; the work is
``grok_jupyter.table``'s ``map_rows``, so the magic and Python calls
share the cache, the progress bar and the budget.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from typing import Any

from .messages import explain, fail


def _table(rows: list[dict[str, Any]]) -> tuple[str, str]:
    if not rows:
        text = "No batches submitted from this machine yet (map_rows(..., mode='batch'))."
        return text, text
    md = [
        "| batch | status | rows | answered | collected | model | template |",
        "|---|---|--:|--:|---|---|---|",
    ]
    plain = []
    for r in rows:
        answered = "?" if r["answered"] is None else f"{r['answered']:,}"
        template = r["template"].replace("|", "\\|").replace("\n", " ")[:60]
        collected = "yes" if r["collected"] else "no"
        md.append(
            f"| `{r['batch_id']}` | {r['status']} | {r['rows']:,} | {answered} | "
            f"{collected} | {r['model']} | {template} |"
        )
        plain.append(
            f"  {r['batch_id']}  {r['status']}  {r['rows']} rows  {answered} answered  "
            f"collected: {collected}  {r['model']}  {template}"
        )
    return "\n".join(md), "Batches:\n" + "\n".join(plain)


class TableCommands:
    """``%grok map`` and ``%grok batches``."""

    _ns: Any  # provided by GrokMagics
    model: str

    def _cmd_map(self, rest: str) -> None:
        from .subcommands import check_var_name, parse

        args = parse(
            "map",
            rest,
            ("table", {"metavar": "DF", "help": "the DataFrame, Series or list to map"}),
            ("template", {"help": "the prompt, with {column} fields filled from each row"}),
            ("--schema", {"metavar": "NAME", "help": "a pydantic model or JSON-schema dict"}),
            ("-o", {"dest": "output", "metavar": "VAR", "help": "store the result in VAR"}),
            (("-m", "--model"), {"dest": "model", "help": "model or alias"}),
            ("--budget", {"type": float, "metavar": "USD", "help": "refuse or stop past it"}),
            (
                "--mode",
                {
                    "choices": ["live", "batch"],
                    "default": "live",
                    "help": "live requests, or one Batch API job (20% cheaper)",
                },
            ),
            (
                "--concurrency",
                {"type": int, "help": "most requests in flight (default: map_rows' own, 1,024)"},
            ),
            (
                "--keep-errors",
                {"action": "store_true", "help": "a failed row gets _error; the others still run"},
            ),
            ("--resume", {"metavar": "BATCH_ID", "help": "collect a batch submitted earlier"}),
            ("--no-cache", {"action": "store_true", "help": "neither read nor write the cache"}),
        )
        check_var_name(args.output, "-o")
        table = self._table_var(args.table, "DF")
        schema = self._table_var(args.schema, "--schema") if args.schema else None
        from ..table.map import map_rows

        # Unset, the map's own default applies: the rate limit, not a cap, sets the pace.
        cap = {} if args.concurrency is None else {"concurrency": args.concurrency}
        try:
            result = map_rows(
                table,
                args.template,
                schema=schema,
                model=args.model or self.model or None,
                budget_usd=args.budget,
                mode=args.mode,
                on_error="keep" if args.keep_errors else "raise",
                resume=args.resume,
                cache=not args.no_cache,
                **cap,
            )
        except Exception as exc:
            partial = getattr(exc, "result", None)
            if partial is not None and args.output:
                self._ns[args.output] = partial
                print(f"The rows done so far are in {args.output}.")
            raise fail(explain(exc)) from None
        if args.output:
            self._ns[args.output] = result
            report = result.attrs["grok_map"] if hasattr(result, "attrs") else result.report
            # map_rows prints its summary itself when it sent rows (or a batch): said once.
            summarised = report.mode == "batch" or report.cached < report.rows
            print(f"Stored in {args.output}." if summarised
                  else f"{args.output}: {report.describe()}")
            return
        from IPython.display import display

        display(result)

    def _table_var(self, name: str, option: str) -> Any:
        from .subcommands import check_var_name

        check_var_name(name, option)
        if name not in self._ns:
            raise fail(f"{option} {name}: no variable of that name in the notebook.")
        return self._ns[name]

    def _cmd_batches(self, rest: str) -> None:
        from .subcommands import parse, show

        parse("batches", rest)
        from ..client import get_client
        from ..table.batch import describe_batches
        from ..table.cache import MapCache

        try:
            rows = describe_batches(MapCache(), get_client())
        except Exception as exc:
            raise fail(explain(exc)) from None
        show(*_table(rows))


# --- df.grok at %load_ext ---------------------------------------------------------


def _register_accessor() -> None:
    from ..table.accessor import register

    register()


class _RegisterOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when pandas is first imported, registers ``df.grok`` right
    after pandas has loaded, so ``%load_ext`` works before ``import pandas`` and
    imports neither pandas nor the table map itself."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "pandas":
            return None
        _remove_hook()
        spec = importlib.util.find_spec("pandas")
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            original(module)
            _register_accessor()

        loader.exec_module = exec_module  # this one load only: the spec is ours
        return spec


_hook = _RegisterOnImport()


def _remove_hook() -> None:
    if _hook in sys.meta_path:
        sys.meta_path.remove(_hook)


def register_accessor_on_load() -> None:
    """``%load_ext``: ``df.grok`` now if pandas is imported, else as soon as it is."""
    if "pandas" in sys.modules:
        _register_accessor()
    elif _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)
