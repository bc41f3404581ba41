"""Files in the notebook's folder, listed and read for Grok: read-only, never outside it.

A path is resolved (``..`` and symlinks followed) and refused unless it lands inside the
folder, so a link pointing out of it reads nothing. Nothing here writes.
"""

from __future__ import annotations

import os
from pathlib import Path

from .budget import DEFAULT_CHARS, clip, clip_lines

_MAX_ENTRIES = 200
_HIDDEN = (".git", ".grok", "__pycache__", ".ipynb_checkpoints", ".venv", "node_modules")


class OutsideFolderError(ValueError):
    """A path that leads out of the notebook's folder; refused, nothing read."""


def inside(root: str | os.PathLike[str], path: str) -> Path:
    """``path`` (relative to ``root``) resolved; raises ``OutsideFolderError`` when it, or a
    symlink on the way, leads out of ``root``."""
    base = Path(root).resolve()
    if os.path.isabs(path):
        raise OutsideFolderError(
            f"{path!r} is an absolute path; give a path relative to the notebook's folder."
        )
    target = (base / path).resolve()
    if target != base and base not in target.parents:
        raise OutsideFolderError(
            f"{path!r} is outside the notebook's folder ({base.name}/); only files inside it "
            "can be read."
        )
    return target


def list_files(root: str | os.PathLike[str], folder: str = ".") -> str:
    """The files under ``folder`` (inside ``root``), with sizes; hidden folders left out."""
    try:
        start = inside(root, folder)
    except OutsideFolderError as exc:
        return f"Refused: {exc}"
    if not start.is_dir():
        return f"{folder!r} is not a folder inside the notebook's folder."
    base = Path(root).resolve()
    lines: list[str] = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _HIDDEN)
        for name in sorted(filenames):
            full = Path(dirpath) / name
            try:
                real = inside(base, str(full.relative_to(base)))
                size = real.stat().st_size
            except (OutsideFolderError, OSError):
                continue  # a link out of the folder is not listed
            lines.append(f"{full.relative_to(base)} ({size:,} bytes)")
        if len(lines) > _MAX_ENTRIES:
            break
    if not lines:
        return "No files in the notebook's folder."
    return clip("\n".join(clip_lines(lines, _MAX_ENTRIES, what="files")))


def read_file(root: str | os.PathLike[str], path: str, max_chars: int = DEFAULT_CHARS) -> str:
    """The text of ``path`` (inside ``root``), cut to ``max_chars`` saying what was left out."""
    try:
        target = inside(root, path)
    except OutsideFolderError as exc:
        return f"Refused: {exc}"
    if not target.is_file():
        return f"No file {path!r} in the notebook's folder."
    limit = max(200, min(max_chars, DEFAULT_CHARS))
    with open(target, "rb") as handle:
        data = handle.read(limit * 4 + 1)
    if b"\0" in data[:4096]:
        return f"{path!r} is a binary file ({target.stat().st_size:,} bytes); not shown."
    text = data.decode("utf-8", errors="replace")
    size = target.stat().st_size
    if size > len(data):
        text += f"\n… [the file has {size:,} bytes; only the first {len(data):,} were read]"
    return clip(text, limit)
