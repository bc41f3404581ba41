"""The ``%%grok`` / ``%grok`` magics: the cell magic (``cell``), the subcommands
(``subcommands``), the report tables (``reports``), answer formats and messages."""

from __future__ import annotations

from typing import Any

from . import shell
from .cell import GrokMagics

__all__ = ["GrokMagics", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%grok``/``%grok`` and make ``%config GrokMagics`` work."""
    for old in [c for c in ipython.configurables if isinstance(c, GrokMagics)]:
        ipython.configurables.remove(old)  # %reload_ext: the new instance takes over
    magics = GrokMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)
    shell.install(ipython)  # `%grok tokens how many?` is text, not a help request
    from .table_commands import register_accessor_on_load

    register_accessor_on_load()  # df.grok.map, now or once pandas is imported
    if getattr(ipython, "kernel", None) is not None:  # in a kernel: the notebook bridge's comm
        from ..bridge import install

        install(ipython)  # a front end with the grok-jupyter-bridge extension says hello


def unload_ipython_extension(ipython: Any) -> None:
    for old in [c for c in ipython.configurables if isinstance(c, GrokMagics)]:
        ipython.configurables.remove(old)
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("grok", None)
    shell.uninstall(ipython)
