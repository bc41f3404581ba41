"""What a prompt template may read from an object: its public attributes, nothing more.

A ``{field}`` in a ``%%grok`` prompt, the panel's "Add variable" and a table
map's template all walk ``.attr`` and ``[key]`` parts from a value. Without a
rule, ``{obj.__init__.__globals__[...]}`` reaches any module's globals (and
``{gen.gi_frame.f_globals}`` a frame's) from an innocent-looking object, and a
template pasted from elsewhere could send them to the model. So no attribute
whose name starts with ``_`` (private and dunder ones) and none of the frame and
code attributes is ever read; the field is refused, before anything is sent,
with this rule in the message. ``[key]`` parts are the object's own lookups and
stay allowed.

``check_field`` serves the magic's field grammar (``interpolate.py``);
``check_format_template`` serves ``str.format`` templates (the table map).
"""

from __future__ import annotations

import re
import string
from _string import formatter_field_name_split  # str.format's own field parser
from collections.abc import Iterator

from ..client._errors import InvalidRequestError

# Attributes that lead from an ordinary value to frames, code and their globals.
INTROSPECTION_ATTRIBUTES = frozenset(
    {
        "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame",
        "tb_next", "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "func_globals",
        "func_code", "co_consts",
    }
)  # fmt: skip

_ATTR = re.compile(r"\.([A-Za-z_]\w*)")

RULE = (
    "a template never reads an attribute whose name starts with '_' (private and dunder "
    "attributes) nor a frame or code attribute (gi_frame, f_globals, ...)"
)


class UnsafeTemplateFieldError(InvalidRequestError):
    """A template field reads a private, dunder or introspection attribute; refused
    before anything is sent. ``field`` is the whole field, ``attribute`` the refused part."""

    def __init__(self, field: str, attribute: str) -> None:
        super().__init__(
            f"{{{field}}} reads the attribute {attribute!r}, which is refused: {RULE}. Use a "
            "public attribute, or put the value you mean in a variable (or column) first."
        )
        self.field = field
        self.attribute = attribute


def is_safe_attribute(name: str) -> bool:
    """Whether a template may read attribute ``name``."""
    return not name.startswith("_") and name not in INTROSPECTION_ATTRIBUTES


def check_attribute(field: str, name: str) -> None:
    """Raise ``UnsafeTemplateFieldError`` if ``field`` may not read attribute ``name``."""
    if not is_safe_attribute(name):
        raise UnsafeTemplateFieldError(field, name)


def check_field(field: str) -> None:
    """Check each ``.attr`` part of a field in the magic's grammar (``name.attr[key]...``);
    text inside ``[...]`` is a key, not an attribute."""
    for match in _ATTR.finditer(re.sub(r"\[[^\]]*\]", "[]", field)):
        check_attribute(field, match.group(1))


def _format_fields(template: str) -> Iterator[str]:
    """Every field name of a ``str.format`` template, those nested in format specs too."""
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is not None:
            yield name
        if spec and "{" in spec:
            yield from _format_fields(spec)


def check_format_template(template: str) -> None:
    """Raise ``UnsafeTemplateFieldError`` if a ``str.format`` template (``'Label: {review}'``)
    reads an attribute it may not; call it before filling any row.

    A template that is not valid format syntax raises ``ValueError`` from
    ``string.Formatter``, as ``str.format`` itself would.
    """
    for name in _format_fields(template):
        _, rest = formatter_field_name_split(name)
        for is_attribute, part in rest:
            if is_attribute:
                check_attribute(name, str(part))
