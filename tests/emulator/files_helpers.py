"""Helpers for the file tests: real PDFs, uploads, questions with ``input_file`` parts."""

from __future__ import annotations

import io

import httpx


def make_pdf(*lines: str) -> bytes:
    """A real one-page PDF with a text layer (matplotlib's PDF backend, TrueType text)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 1 + len(lines) * 0.4))
    for n, line in enumerate(lines):
        fig.text(0.02, 0.9 - n * 0.8 / len(lines), line)
    buf = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(buf, format="pdf")
    return buf.getvalue()


def upload(http: httpx.Client, data: bytes, name: str = "doc.txt", **fields) -> httpx.Response:
    return http.post("/files", files={"file": (name, data, "text/plain")}, data=fields or None)


def ask_with_files(http: httpx.Client, question: str, *files: dict, **extra) -> httpx.Response:
    content = [{"type": "input_text", "text": question}, *files]
    return http.post(
        "/responses",
        json={"model": "grok-4.3", "input": [{"role": "user", "content": content}], **extra},
    )


def answer_of(body: dict) -> str:
    return next(i for i in body["output"] if i["type"] == "message")["content"][0]["text"]
