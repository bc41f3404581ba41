"""LangChain messages <-> xAI wire types.

Outbound: ``to_wire_messages`` turns LangChain messages into the client's
``Message`` objects. Inbound: ``completion_to_result`` turns a whole
``ChatCompletion`` into a ``ChatResult``, and ``ChunkTranslator`` turns a
stream of ``ChatCompletionChunk`` into ``ChatGenerationChunk``s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from grok_jupyter.client import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ContentPart,
    FunctionCall,
    ImagePart,
    ImageURL,
    Message,
    TextPart,
    ToolCall,
    Usage,
)
from langchain_grok._tool_media import (
    name_of,
    note,
    placeholder,
    split_content,
    with_media_after_results,
)

PROVIDER = "xai"
# Sent in place of an earlier answer that had no text (``_assistant``); the history keeps it.
EMPTY_ANSWER = "[This answer had no text.]"

# --- LangChain -> wire -----------------------------------------------------


def to_wire_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """The wire form of a LangChain conversation.

    Images a tool returned go in one user message after the run of tool results,
    each behind a note naming the tool: chat tool messages carry text only (_tool_media).
    """
    return with_media_after_results(
        messages,
        _tool_result,
        lambda message: [to_wire_message(message)],
        lambda media: Message(role="user", content=media),
    )


def _tool_result(message: ToolMessage, names: dict[str, str], media: list[ContentPart]) -> Message:
    """The tool message (text), adding the images it returned to ``media``."""
    text, images, files = split_content(message)
    if files:
        from langchain_grok._file_blocks import chat_file_error

        raise chat_file_error()  # only with use_responses_api=False: else routed there
    if images:
        media.append(TextPart(text=note(name_of(message, names), len(images), 0)))
        media.extend(_image_part(block) for block in images)
        text = text or placeholder(len(images), 0)
    return Message(role="tool", tool_call_id=message.tool_call_id, content=text)


def to_wire_message(message: BaseMessage) -> Message:
    """One message other than a tool result (``to_wire_messages`` places those)."""
    if isinstance(message, SystemMessage):
        return Message(role="system", content=_text_only(message.content, "system"))
    if isinstance(message, HumanMessage):
        # xAI allows ``name`` on user messages only; elsewhere it answers 400.
        return Message(role="user", content=_user_content(message.content), name=message.name)
    if isinstance(message, AIMessage):
        return _assistant(message)
    if isinstance(message, ChatMessage):
        role = {"human": "user", "ai": "assistant"}.get(message.role, message.role)
        if role == "user":
            return Message(role="user", content=_user_content(message.content))
        return Message(role=role, content=_text_only(message.content, role))
    if isinstance(message, FunctionMessage):
        raise ValueError(
            "FunctionMessage is the retired OpenAI function-calling form; "
            "use ToolMessage with a tool_call_id."
        )
    raise TypeError(f"ChatGrok cannot send a {type(message).__name__}")


def _assistant(message: AIMessage) -> Message:
    calls = [
        ToolCall(
            id=tc["id"] or f"call_{i}",
            function=FunctionCall(name=tc["name"], arguments=json.dumps(tc["args"])),
        )
        for i, tc in enumerate(message.tool_calls)
    ]
    # Only text goes back: tool_use / thinking / reasoning blocks in the
    # content are other providers' echoes of what ``tool_calls`` says already.
    text = message.content if isinstance(message.content, str) else _join_text(message.content)
    # ``Message.to_wire`` sends "" rather than null; xAI answers 400 to null.
    if not text.strip() and not calls:
        # An answer with no text: xAI refuses a message with no content element (400,
        # shared/xai-api.md section 1.2), so it goes as a placeholder the model can read.
        text = EMPTY_ANSWER
    return Message(role="assistant", content=text or "", tool_calls=calls or None)


def _join_text(content: list[Any]) -> str:
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(block.get("text", ""))
    return "".join(parts)


def _text_only(content: str | list[Any], role: str) -> str:
    if isinstance(content, str):
        return content
    for block in content:
        if isinstance(block, dict) and block.get("type") not in ("text", None):
            raise ValueError(
                f"xAI {role} messages carry text only; got a {block.get('type')!r} block"
            )
    return _join_text(content)


def _user_content(content: str | list[Any]) -> str | list[ContentPart]:
    if isinstance(content, str):
        return content
    parts: list[ContentPart] = []
    for block in content:
        if isinstance(block, str):
            parts.append(TextPart(text=block))
        elif block.get("type") == "text":
            parts.append(TextPart(text=block["text"]))
        elif block.get("type") in ("image_url", "image"):
            parts.append(_image_part(block))
        elif block.get("type") == "file":
            from langchain_grok._file_blocks import chat_file_error

            raise chat_file_error()  # only with use_responses_api=False: else routed there
        else:
            raise ValueError(
                f"xAI user messages take text and images; got a {block.get('type')!r} block"
            )
    return parts


def _image_part(block: dict[str, Any]) -> ImagePart:
    """An image in any LangChain spelling, as xAI's ``image_url`` part."""
    detail = block.get("detail")
    if block["type"] == "image_url":  # OpenAI form
        inner = block["image_url"]
        if isinstance(inner, str):
            inner = {"url": inner}
        return ImagePart(image_url=ImageURL(url=inner["url"], detail=inner.get("detail", detail)))
    source = block.get("source")
    if isinstance(source, dict):  # Anthropic form
        if source.get("type") == "base64":
            url = f"data:{source['media_type']};base64,{source['data']}"
        else:
            url = source["url"]
    elif block.get("base64") or (block.get("source_type") == "base64" and block.get("data")):
        # standard v1 block, or its v0 ``source_type`` spelling
        data = block.get("base64") or block["data"]
        mime = block.get("mime_type") or "image/png"
        url = f"data:{mime};base64,{data}"
    elif block.get("url"):
        url = block["url"]
    else:
        raise ValueError("xAI takes images by URL or base64 data, not by file id")
    extras = block.get("extras") or {}
    return ImagePart(image_url=ImageURL(url=url, detail=detail or extras.get("detail")))


# --- wire -> LangChain -----------------------------------------------------


def usage_metadata(usage: Usage) -> UsageMetadata:
    """LangChain usage from xAI usage.

    xAI's ``completion_tokens`` leaves reasoning out, while LangChain's
    ``output_tokens`` counts every generated token; adding reasoning back
    makes ``total_tokens`` equal xAI's own total.
    """
    output = usage.completion_tokens + usage.reasoning
    return UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=output,
        total_tokens=usage.prompt_tokens + output,
        input_token_details=InputTokenDetails(cache_read=usage.cached),
        output_token_details=OutputTokenDetails(reasoning=usage.reasoning),
    )


def _parse_tool_calls(calls: list[ToolCall]) -> tuple[list[Any], list[Any]]:
    good, bad = [], []
    for call in calls:
        raw = call.function.arguments or "{}"
        try:
            args = json.loads(raw)
        except json.JSONDecodeError as exc:
            bad.append(
                invalid_tool_call(name=call.function.name, args=raw, id=call.id, error=str(exc))
            )
            continue
        if not isinstance(args, dict):
            bad.append(
                invalid_tool_call(
                    name=call.function.name,
                    args=raw,
                    id=call.id,
                    error="arguments are not a JSON object",
                )
            )
            continue
        good.append(tool_call(name=call.function.name, args=args, id=call.id))
    return good, bad


def _response_metadata(
    model: str,
    finish_reason: str | None,
    fingerprint: str | None,
    logprobs: Any,
    rid: str,
    cost: float | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "model_name": model,  # the resolved id the server answered with, not the alias sent
        "model_provider": PROVIDER,
        "finish_reason": finish_reason,
        "system_fingerprint": fingerprint,
        "id": rid,
        # The whole call's USD (every choice of n), as the ledger records it; None if unpriced.
        "cost_usd": cost,
    }
    if logprobs is not None:
        meta["logprobs"] = logprobs
    return meta


def completion_to_result(completion: ChatCompletion, cost_usd: float | None = None) -> ChatResult:
    """One generation per choice: with ``n > 1`` every billed choice comes back.

    Usage and ``cost_usd`` are the whole call's and ride on every choice's
    message, as langchain-openai does; add them up once per call, not per choice.
    """
    usage = usage_metadata(completion.usage) if completion.usage else None
    generations = [
        _generation(completion, choice, usage, cost_usd)
        for choice in sorted(completion.choices, key=lambda c: c.index)
    ]
    llm_output = {
        "model_name": completion.model,
        "system_fingerprint": completion.system_fingerprint,
        "id": completion.id,
        "cost_usd": cost_usd,
    }
    if completion.usage is not None:
        llm_output["token_usage"] = completion.usage.to_wire()
    return ChatResult(generations=generations, llm_output=llm_output)


def _generation(
    completion: ChatCompletion, choice: Choice, usage: UsageMetadata | None, cost: float | None
) -> ChatGeneration:
    msg = choice.message
    extra: dict[str, Any] = {}
    if msg.reasoning_content:
        extra["reasoning_content"] = msg.reasoning_content
    if msg.refusal:
        extra["refusal"] = msg.refusal
    if completion.citations:
        extra["citations"] = list(completion.citations)
    good, bad = _parse_tool_calls(msg.tool_calls or [])
    meta = _response_metadata(
        completion.model,
        choice.finish_reason,
        completion.system_fingerprint,
        choice.logprobs,
        completion.id,
        cost,
    )
    if completion.citations:
        meta["citations"] = list(completion.citations)
    message = AIMessage(
        content=msg.text,
        additional_kwargs=extra,
        tool_calls=good,
        invalid_tool_calls=bad,
        usage_metadata=usage,
        response_metadata=meta,
        id=completion.id,
    )
    info: dict[str, Any] = {"finish_reason": choice.finish_reason}
    if choice.logprobs is not None:
        info["logprobs"] = choice.logprobs
    return ChatGeneration(message=message, generation_info=info)


class ChunkTranslator:
    """Turns one stream's ``ChatCompletionChunk``s into ``ChatGenerationChunk``s.

    Content, reasoning and tool calls are passed on as they arrive. The finish
    chunk is held back and merged with the usage chunk that follows it, so
    the last chunk carries ``finish_reason``, metadata and usage together,
    and usage sits on exactly one chunk. Logprobs ride on the chunk of their
    own tokens, in ``response_metadata["logprobs"] = {"content": [...]}``
    as langchain-openai does: langchain-core's merge concatenates the lists,
    so the aggregated message holds them all, in order, even if the stream
    is cut before the last chunk.
    """

    def __init__(self, price: Callable[[str, Usage], float | None] | None = None) -> None:
        # ``price(model, usage)``: the call's USD, put on the last chunk with the usage.
        self._price = price
        self._finish: ChatCompletionChunk | None = None
        self._citations: list[str] | None = None
        # Once reasoning streamed, langchain-core's v1 view gives it content index 0; tool
        # call chunks are moved one up so the two are not merged into one block.
        self._offset = 0

    def add(self, chunk: ChatCompletionChunk) -> list[ChatGenerationChunk]:
        out: list[ChatGenerationChunk] = []
        if chunk.citations:
            self._citations = list(chunk.citations)
        for choice in chunk.choices:
            delta = choice.delta
            entries = choice.logprobs.get("content") if choice.logprobs is not None else None
            extra: dict[str, Any] = {}
            if delta.reasoning_content:
                extra["reasoning_content"] = delta.reasoning_content
                self._offset = 1
            if delta.refusal:
                extra["refusal"] = delta.refusal
            calls = [
                tool_call_chunk(
                    name=tc.function.name,
                    args=tc.function.arguments,
                    id=tc.id,
                    index=(tc.index if tc.index is not None else i) + self._offset,
                )
                for i, tc in enumerate(delta.tool_calls or [])
            ]
            if delta.content or extra or calls or entries:
                message = AIMessageChunk(
                    content=delta.content or "",
                    additional_kwargs=extra,
                    tool_call_chunks=calls,
                    response_metadata={"logprobs": {"content": list(entries)}} if entries else {},
                    id=chunk.id,
                )
                out.append(ChatGenerationChunk(message=message))
            if choice.finish_reason:
                self._finish = chunk.model_copy(update={"choices": [choice]})
        if chunk.usage is not None:
            out.append(self._last(chunk))
        return out

    def close(self) -> list[ChatGenerationChunk]:
        """The held-back finish chunk, if no usage chunk followed it."""
        if self._finish is None:
            return []
        return [self._last(None)]

    def _last(self, usage_chunk: ChatCompletionChunk | None) -> ChatGenerationChunk:
        ref = self._finish or usage_chunk
        assert ref is not None
        finish_reason = self._finish.choices[0].finish_reason if self._finish else None
        usage = usage_chunk.usage if usage_chunk is not None else None
        cost = self._price(ref.model, usage) if usage is not None and self._price else None
        # logprobs were sent with their tokens; repeating them here would double them
        meta = _response_metadata(
            ref.model, finish_reason, ref.system_fingerprint, None, ref.id, cost
        )
        extra: dict[str, Any] = {}
        if self._citations:
            meta["citations"] = self._citations
            extra["citations"] = self._citations
        self._finish = None
        message = AIMessageChunk(
            content="",
            additional_kwargs=extra,
            usage_metadata=usage_metadata(usage) if usage is not None else None,
            response_metadata=meta,
            chunk_position="last",
            id=ref.id,
        )
        return ChatGenerationChunk(message=message, generation_info=dict(meta))
