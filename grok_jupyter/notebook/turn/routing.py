"""Which API carries a turn: the engine decides, from the catalogue and the settings.

xAI calls Chat Completions "legacy", and current models misbehave there
(xai-api-2026-09.md section 3: grok-4.6 put its answer into ``reasoning_content``
and looped), so ``"auto"`` sends every turn to the Responses API when the model
takes it. Server-side tools and attached files exist only there, whatever the setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..attach_files import has_files

if TYPE_CHECKING:
    from ...client._catalog import Catalog
    from ..conversation import Conversation
    from .types import ApiChoice, TurnRequest

API_CHOICES = ("auto", "chat", "responses")

_default_api: ApiChoice = "auto"


def set_default_api(api: ApiChoice) -> None:
    """The process-wide choice for front ends that state none (``GrokMagics.api`` sets it,
    so the panel follows the magic's setting)."""
    global _default_api
    if api not in API_CHOICES:
        raise ValueError(f"api must be one of {', '.join(API_CHOICES)}, not {api!r}.")
    _default_api = api


def default_api() -> ApiChoice:
    return _default_api


def model_takes_responses(catalog: Catalog, model: str | None) -> bool:
    """True unless the catalogue says the model is chat-only (a model it does not know,
    or one whose APIs were not recorded, is taken to have both, as the API now does)."""
    info = catalog.resolve(model or catalog.default_chat_model)
    apis = getattr(info, "apis", None) if info is not None else None
    return apis is None or "responses" in apis


def model_takes_chat(catalog: Catalog, model: str | None) -> bool:
    info = catalog.resolve(model or catalog.default_chat_model)
    apis = getattr(info, "apis", None) if info is not None else None
    return apis is None or "chat" in apis


def choose_api(
    request: TurnRequest, catalog: Catalog, conversation: Conversation | None = None
) -> str:
    """``"chat"`` or ``"responses"`` for this turn."""
    needs_responses = bool(request.server_tools) or has_files(request.user)
    if not needs_responses and conversation is not None:
        # Files live on the Responses API: a turn that follows one goes there too.
        needs_responses = any(
            m.role == "user" and has_files(m) for m in conversation.request_messages(None)
        )
    if needs_responses:
        return "responses"
    choice = request.api if request.api != "auto" else _default_api
    if choice == "chat":
        return "chat" if model_takes_chat(catalog, request.model) else "responses"
    if choice == "responses":
        return "responses"
    if "stop" in request.params or "logprobs" in request.params:
        return "chat"  # only Chat Completions has them
    return "responses" if model_takes_responses(catalog, request.model) else "chat"
