"""Small real documents for the file-attachment tests (built here, not checked in), and
what the emulator received of them."""

from __future__ import annotations

from pathlib import Path

NOTE = "The zorblax kettle boils water in exactly 42 seconds."  # a fact only the file holds
PDF_TEXT = "Quarterly revenue rose by 17 percent in the Ganymede office."


def write_note(folder: Path) -> Path:
    """``notes.txt`` in ``folder``, a short text file whose middle line is ``NOTE``."""
    path = folder / "notes.txt"
    path.write_text(f"Lab notes.\n{NOTE}\nEnd of notes.\n")
    return path


def uploads(emu) -> list:
    """The emulator's recorded file uploads (``POST /v1/files``)."""
    return [r for r in emu.requests if r.path == "/v1/files" and r.method == "POST"]


def responses_posts(emu) -> list:
    """The emulator's recorded Responses calls (``POST /v1/responses``)."""
    return [r for r in emu.requests if r.path == "/v1/responses" and r.method == "POST"]


def input_files(request) -> list[dict]:
    """The ``input_file`` parts of a recorded Responses request, in input order."""
    parts = [p for item in request.body["input"] if isinstance(item.get("content"), list)
             for p in item["content"]]  # fmt: skip
    return [p for p in parts if p.get("type") == "input_file"]


def make_pdf(text: str) -> bytes:
    """A valid one-page PDF whose text layer is ``text`` (pypdf extracts it back)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out
