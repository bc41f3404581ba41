"""Images and files a tool returned: which part of the request carries them.

A ``ToolMessage`` may hold image and ``file`` blocks next to its text (a chart, a
screenshot, a PDF). Where each API takes them:

* Chat Completions: a tool message carries text only (xai-api.md §1.2, [V]);
* Responses: ``function_call_output.output`` takes ``input_text`` and ``input_image``
  parts (xai-api-2026.md §2.2, from Vercel's xAI provider, [V] code); no source
  shows an ``input_file`` there, while a user message surely takes one.

What a tool result has no place for is sent in one user message right after the run
of tool results (a user message between two tool results would break the run the
assistant's calls open), each tool's media behind a note naming the tool, e.g.
"The tool random_image returned this image:", so the model reads it as that tool's
output. The tool result itself then says where its media went (``placeholder``),
since neither API takes an empty one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

IMAGE_TYPES = ("image_url", "image")
T = TypeVar("T")
P = TypeVar("P")


def split_content(message: ToolMessage) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(text, image blocks, file blocks) of a tool message's content."""
    content = message.content
    if isinstance(content, str):
        return content, [], []
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif not isinstance(block, dict) or block.get("type") == "text":
            texts.append(block.get("text", "") if isinstance(block, dict) else "")
        elif block.get("type") in IMAGE_TYPES:
            images.append(block)
        elif block.get("type") == "file":
            files.append(block)
        else:
            raise ValueError(
                f"xAI tool results take text, images and files; got a {block.get('type')!r} block"
            )
    return "".join(texts), images, files


def tool_names(messages: Sequence[BaseMessage]) -> dict[str, str]:
    """Tool call id -> tool name, from the assistant messages' calls."""
    names: dict[str, str] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                if call.get("id"):
                    names[call["id"]] = call["name"]
    return names


def name_of(message: ToolMessage, names: dict[str, str]) -> str:
    return message.name or names.get(message.tool_call_id) or f"called as {message.tool_call_id}"


def _things(images: int, files: int) -> str:
    """``"2 images"``, ``"2 files"``, ``"3 images and files"`` (for two or more)."""
    if not files:
        return f"{images} images"
    if not images:
        return f"{files} files"
    return f"{images + files} images and files"


def note(name: str, images: int, files: int) -> str:
    """The text before a tool's media in the user message that carries it."""
    if images + files == 1:
        return f"The tool {name} returned this {'image' if images else 'file'}:"
    return f"The tool {name} returned these {_things(images, files)}:"


def placeholder(images: int, files: int) -> str:
    """A tool result's text when what it returned travels in the next user message."""
    if images + files == 1:
        return f"[returned {'an image' if images else 'a file'}, sent in the next message]"
    return f"[returned {_things(images, files)}, sent in the next message]"


def with_media_after_results(
    messages: Sequence[BaseMessage],
    tool_result: Callable[[ToolMessage, dict[str, str], list[P]], T],
    other: Callable[[BaseMessage], Iterable[T]],
    user_message: Callable[[list[P]], T],
) -> list[T]:
    """Each message in an API's form (``tool_result`` for a tool's, which adds the parts
    it has no place for to its third argument; ``other`` for the rest), with the parts of
    a run of tool results sent in one user message right after that run."""
    names = tool_names(messages)
    out: list[T] = []
    media: list[P] = []  # what this run of tool results returned that waits
    for message in messages:
        if media and not isinstance(message, ToolMessage):
            out.append(user_message(media))
            media = []
        if isinstance(message, ToolMessage):
            out.append(tool_result(message, names, media))
        else:
            out.extend(other(message))
    if media:
        out.append(user_message(media))
    return out
