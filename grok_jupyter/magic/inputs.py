"""What a ``%%grok`` cell names, checked before anything is sent: the model, ``-s``,
``--image``, ``--file``, ``--tools`` and ``--schema``. A mixin of ``GrokMagics``."""

from __future__ import annotations

import os
import re
from typing import Any

from .messages import fail, one_line


class CellInputs:
    """Resolves the names a cell's options give into what the request needs."""

    _ns: Any  # provided by GrokMagics
    interpolate: bool
    context_budget: int

    def _filled(self, text: str, notes: list[str] | None = None) -> str:
        """``text`` with its ``{name}`` fields filled (``GrokMagics.interpolate``); a field
        that reads a private attribute is a one-line error, and nothing is sent. A value
        cut or summarised adds a line to ``notes``."""
        if not self.interpolate or ("{" not in text and "}" not in text):
            return text  # nothing to fill (most prompts): no import, no namespace
        from ..notebook.interpolate import interpolate
        from ..notebook.template_safety import UnsafeTemplateFieldError

        try:
            return interpolate(text, self._ns, budget_tokens=self.context_budget, notes=notes,
                               max_string_chars=self.max_value_chars)
        except UnsafeTemplateFieldError as exc:
            raise fail(str(exc)) from None

    def _model(self, name: str | None) -> str | None:
        if not name:
            return None
        from ..client._catalog import get_catalog

        catalog = get_catalog()
        info = catalog.resolve(name)
        if info is None:
            import difflib

            if name in catalog.retired_aliases:
                raise fail(f"model {name!r} was retired; see %grok models for current ones.")
            # The closest names, current models first; a retired one is said to be retired.
            close = sorted(difflib.get_close_matches(name, catalog.names(), n=3),
                           key=catalog.is_retired)
            close = [f"{n} (retired)" if catalog.is_retired(n) else n for n in close]
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise fail(f"unknown model {name!r}.{hint} See %grok models.")
        if info.kind != "chat":
            raise fail(f"{name!r} makes images; use %grok image PROMPT, or a chat model with -m.")
        return name

    def _system_text(self, value: str | None) -> str | None:
        if value is None:
            return None
        if value.isidentifier() and value in self._ns:
            named = self._ns[value]
            if not isinstance(named, str):
                raise fail(f"-s {value}: the variable holds a {type(named).__name__}, not text.")
            return named
        return value

    def _lookup(self, expr: str) -> Any:
        from ..notebook.interpolate import is_missing, resolve_field
        from ..notebook.template_safety import UnsafeTemplateFieldError

        try:
            value = resolve_field(expr, self._ns)
        except UnsafeTemplateFieldError as exc:
            raise fail(str(exc)) from None
        return None if is_missing(value) else value

    def _image(self, src: str) -> Any:
        from ..client import image_part
        from ..client._errors import InvalidRequestError

        obj: Any
        if re.match(r"^(https?|data):", src) or os.path.exists(os.path.expanduser(src)):
            obj = os.path.expanduser(src) if not src.startswith(("http", "data:")) else src
        else:
            obj = self._lookup(src)
            if obj is None:
                if "/" not in src and "\\" not in src:
                    raise fail(f"--image {src}: no variable or file named {src!r}.")
                raise fail(f"--image {src}: no such file.")
        try:
            return image_part(obj)
        except InvalidRequestError as exc:
            raise fail(f"--image {src}: {one_line(exc)}") from None
        except (TypeError, ValueError, OSError) as exc:
            raise fail(f"--image {src}: {one_line(exc)}") from None

    def _documents(self, args: Any) -> tuple[list[str], list[Any]]:
        """``--file`` sources as (document paths, image parts), checked before anything is sent:
        the path exists, the API reads its type, it is under the size limit. An image path
        goes as an image part, as with --image. Uploading waits for ``_attach``."""
        if not args.file:
            return [], []
        from ..client._errors import InvalidRequestError
        from ..notebook.attach_files import check_path, is_image

        documents: list[str] = []
        images: list[Any] = []
        for src in args.file:
            path = self._file_path(src)
            if is_image(path):
                images.append(self._image(path))
                continue
            try:
                check_path(path)
            except InvalidRequestError as exc:
                raise fail(f"--file {src}: {one_line(exc)}") from None
            documents.append(path)
        return documents, images

    def _file_path(self, src: str) -> str:
        # A path as typed; else a variable holding a path (str or pathlib.Path).
        path = os.path.expanduser(src)
        if not os.path.exists(path) and src.isidentifier():
            value = CellInputs._lookup(self, src)  # explicit: a mixin may shadow _lookup
            if isinstance(value, (str, os.PathLike)):
                return os.path.expanduser(os.fspath(value))
        return path

    def _attach(self, client: Any, documents: list[str], prompt: str, images: list[Any]) -> Any:
        """The user message's parts: the prompt, images, then each document uploaded
        (once per content in this session: a re-run reuses the file id)."""
        from ..client import TextPart
        from ..client._errors import GrokError, MissingAPIKeyError
        from ..notebook.attach_files import input_file_part, message_part
        from .messages import explain, missing_key

        parts: list[Any] = [TextPart(text=prompt)] if prompt.strip() else []
        parts += images
        for path in documents:
            try:
                part = input_file_part(client, path)
            except MissingAPIKeyError:
                raise missing_key() from None
            except GrokError as exc:
                raise fail(f"--file {path}: {explain(exc)}") from None
            parts.append(message_part(part, os.path.basename(path), path=path))
        return parts

    def _tools(self, spec: str | None) -> Any:
        if not spec:
            return None
        from ..client._errors import InvalidRequestError
        from ..notebook.tools import KernelTools

        functions = []
        for name in (n.strip() for n in spec.split(",")):
            if not name:
                continue
            func = self._lookup(name)
            if func is None:
                raise fail(f"--tools: no function named {name!r} in the notebook.")
            if not callable(func):
                raise fail(f"--tools: {name!r} is a {type(func).__name__}, not a function.")
            functions.append(func)
        if not functions:
            raise fail("--tools needs at least one function name, e.g. --tools f,g.")
        try:
            return KernelTools(functions)
        except InvalidRequestError as exc:
            raise fail(f"--tools: {one_line(exc)}") from None

    def _schema(self, var: str | None) -> tuple[Any, dict[str, Any] | None]:
        """(pydantic model or None, response_format) for ``--schema VAR``."""
        if not var:
            return None, None
        obj = self._lookup(var)
        if obj is None:
            raise fail(f"--schema {var}: no variable named {var!r}.")
        model = None
        if isinstance(obj, type) and hasattr(obj, "model_json_schema"):
            model = obj
            schema, name = obj.model_json_schema(), obj.__name__
        elif isinstance(obj, dict):
            if isinstance(obj.get("schema"), dict):  # already {"name", "schema", "strict"}
                schema, name = obj["schema"], str(obj.get("name") or var)
            else:
                schema, name = obj, str(obj.get("title") or var)
        else:
            raise fail(
                f"--schema {var}: expected a pydantic model class or a JSON-schema dict, "
                f"got a {type(obj).__name__}."
            )
        name = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "answer"
        spec = {"name": name, "schema": schema, "strict": True}
        return model, {"type": "json_schema", "json_schema": spec}
