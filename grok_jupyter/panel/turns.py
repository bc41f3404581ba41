"""The panel's side of a turn: from Send to the engine, in a worker thread, and back.

Why a worker thread and not an asyncio task on the kernel loop: the turn engine,
``KernelTools`` and ``StopSignal`` are synchronous; a thread keeps streaming
while a long synchronous cell runs (a task on the kernel loop would stall for
the whole cell); and it does not depend on how a given ipykernel schedules
background tasks between cells (ipykernel#1510).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ..client._catalog import get_catalog
from ..client._errors import GrokError, InvalidRequestError, StreamInterruptedError
from ..client._types import Message
from ..notebook.secrets import redact_message
from ..notebook.transcript import cost_with_tools
from ..notebook.turn import CostGuardError, StopSignal, TurnRequest, TurnResult, run_turn
from ..notebook.turn.guard import default_threshold
from ..table.errors import dollars
from . import render
from .agent import AgentPanelObserver
from .attachments import Pending
from .commands import _shell, fill_prompt
from .observer import PanelObserver, describe_error, retry_can_fix, server_refused

SEND_REFUSED = "refused"
# Conversations (by id) with a panel turn in flight: two panels on one chat take turns.
_ANSWERING: set[int] = set()
_ANSWERING_LOCK = threading.Lock()
ANOTHER_PANEL = (
    "Grok is answering this chat in another panel: wait for that answer, or press Stop "
    "there, then send again."
)
Draft = tuple[str, list[Pending], list[Pending]]  # text, kernel-side, browser attachments
DRAFT_BACK = (
    "Your prompt and its attachments are back in the input: edit them, or pick another "
    "model, then Send (or Retry)."
)


class PanelTurns:
    """Mixin of ``ChatPanel``: submit, run a turn in a worker, show its outcome."""

    # The cost guard (``notebook/turn/guard.py``): a send estimated above this many USD
    # stops with the estimate, and the same prompt sent again goes. None: follow
    # ``GrokMagics.confirm_over_usd`` (default $0.50).
    confirm_over_usd: float | None = None
    _confirmed_text: str | None = None
    _resending = False  # the next turn sends an edited prompt, or regenerates

    def _submit(
        self, text: str, items: list[Pending], *, send_id: Any = None, files: Sequence[Any] = ()
    ) -> bool:
        handled, text = self._slash(text, items, send_id, files)
        if handled:
            return False
        if self.busy or id(self.conversation) in _ANSWERING:
            why = "Grok is still answering: wait, or press Stop, then send again."
            why = why if self.busy else ANOTHER_PANEL
            self._refuse(send_id, text, files, InvalidRequestError(why))
            return False
        kept = list(self._pending)  # kernel-side attachments go back here if refused
        if not text.strip() and not kept and not items:
            return False
        notes: list[str] = []
        try:
            server_tools = self._server_tools()
            prompt = fill_prompt(text, _shell(), notes)  # {name} and @name, as the magic
        except GrokError as exc:  # a bad MCP URL, a template reading private attributes
            self._refuse(send_id, text, files, exc)
            return False
        if notes:
            self._notice("\n".join(notes))  # what was cut or summarised
        self._pending = []
        self._sync_pending()
        self._start(None, draft=(text, kept, items), server_tools=server_tools, send_id=send_id,
                    files=files, prompt=prompt)  # fmt: skip
        return True

    def _slash(
        self, text: str, items: list[Pending], send_id: Any, files: Sequence[Any]
    ) -> tuple[bool, str]:
        """(handled, text): a ``/command`` is done here and never sent (an unknown one is
        refused, the prompt kept); ``//`` sends a leading "/" as written."""
        if text.lstrip().startswith("//"):
            return False, text.replace("//", "/", 1)
        try:
            if not self._command(text):
                return False, text
        except GrokError as exc:  # unknown, or not now (busy)
            self._refuse(send_id, text, files, exc)
            return True, text
        if items:  # files attached to a command go back to the input with no text
            self.send_custom({"type": SEND_REFUSED, "id": send_id, "text": "",
                              "files": [str(f.get("name", "")) for f in files], "error": ""})
        return True, text

    def _server_tools(self) -> list[dict[str, Any]]:
        """The Responses tools the toggles ask for; a bad MCP URL is refused before sending."""
        from ..client import code_interpreter, mcp, web_search, x_search

        tools: list[dict[str, Any]] = []
        if self.web_search:
            tools.append(web_search())
        if self.x_search:
            tools.append(x_search())
        if self.code_execution:
            tools.append(code_interpreter())
        if self.mcp_url.strip():
            tools.append(mcp(self.mcp_url.strip()))
        return tools

    def _sync_effort(self) -> None:
        """Offer the selected model's reasoning levels; "" (its default) sends none."""
        catalog = get_catalog()
        efforts = catalog.accepted_efforts(self.model)
        default = catalog.default_effort(self.model)
        options = [[f"default ({default or 'model'})", ""]] + [[e, e] for e in efforts]
        self.effort_options = options if efforts else []
        self.effort = ""

    def _on_model_pick(self, change: dict[str, Any]) -> None:
        self._sync_effort()
        if not self.busy:
            self._show_summary()  # the status line follows the picker

    def _params(self) -> dict[str, Any]:
        """The controls as chat-style options; the turn engine translates them per API."""
        params: dict[str, Any] = {}
        if self.effort:
            params["reasoning_effort"] = self.effort
        info = get_catalog().resolve(self.model)
        if info is not None and "temperature" in info.rejected_parameters:
            return params
        return {**params, "temperature": float(self.temperature)}

    def _start(
        self,
        user: Message | None,
        *,
        draft: Draft | None = None,
        server_tools: list[dict[str, Any]] | None = None,
        send_id: Any = None,
        files: Sequence[Any] = (),
        prompt: str | None = None,
    ) -> None:
        with _ANSWERING_LOCK:  # Retry, Regenerate, Fix: the other ways a turn starts
            if id(self.conversation) in _ANSWERING:
                raise InvalidRequestError(ANOTHER_PANEL)
            _ANSWERING.add(id(self.conversation))
        self._hide_error()
        self._failed_user = None
        self._stop = StopSignal()
        observer = AgentPanelObserver if self.agent else PanelObserver
        self._observer = observer(self, self.update_interval, self._stop)
        if server_tools is None:
            server_tools = self._server_tools()
        with self.hold_sync():
            preview = user or Message.user(draft[0] if draft else "")
            # Shown as it will be sent: a key typed into the prompt never reaches the
            # widget state (saved in the notebook) nor the engine's request.
            self.set_trait("live_user_html", render.user_html(redact_message(preview)))
            self._live.clear()
            self._set_busy(True)
        # Read the controls here, on the kernel's thread, not in the worker.
        job = dict(
            model=self.model or None,
            tools=server_tools,
            send_id=send_id,
            files=list(files),
            draft=draft,
            prompt=prompt,  # the draft's text with its {name} fields filled
            # An Edit or Regenerate stays undoable across the turn that resends it.
            undo_mark=self.conversation.undo_mark() if self._resending else None,
            conversation=self.conversation,
            agent=bool(self.agent),  # read here: the toggle may change while it runs
        )
        self._resending = False
        self._worker = threading.Thread(
            target=self._run, args=(user, job), name="grok-chat-panel", daemon=True
        )
        self._worker.start()

    def _run(self, user: Message | None, job: dict[str, Any]) -> None:
        observer = self._observer
        result: TurnResult | None = None
        error: BaseException | str | None = None
        refused = False
        try:
            if user is None:
                text, kept, items = job["draft"]
                try:
                    sent = text if job["prompt"] is None else job["prompt"]
                    user = self._user_message(sent, [*kept, *items])  # uploads documents
                except Exception as exc:
                    # Nothing was asked yet (a refused file, a failed upload): the prompt and
                    # its files go back to the input.
                    raise _NotSent(exc) from exc
                self.set_trait("live_user_html", render.user_html(redact_message(user)))
            result = self._take_turn(user, job)
            error = result.error
        except _NotSent as exc:
            error, refused = exc.error, True
        except CostGuardError as exc:  # over the threshold: Send again to go on
            error, refused = exc, True
            self._confirmed_text = job["draft"][0] if job.get("draft") is not None else None
            error = InvalidRequestError(
                f"{exc} Send again to go on, or raise panel.confirm_over_usd."
            )
        except InvalidRequestError as exc:  # refused before sending: the prompt goes back
            error, refused = exc, True
        except Exception as exc:  # a bug or a failed upload: shown, never a traceback
            error = exc
        finally:
            if observer is not None:
                observer.active = False
            with _ANSWERING_LOCK:
                _ANSWERING.discard(id(job["conversation"]))
        self.last_result = result
        committed = result is not None and (result.interrupted or result.error is None)
        returned = not committed and job.get("draft") is not None and server_refused(error)
        if returned:  # the server said no to this prompt: it goes back to the input, to edit
            refused = True
            error = f"{describe_error(error)}\n{DRAFT_BACK}"
        with self.hold_sync():
            if not committed:
                # Nothing was committed: the user's turn stays on screen, ready to retry.
                self._live.clear()
            if refused:
                self.set_trait("live_user_html", "")
            self._set_busy(False)
            if refused and job.get("draft") is not None:
                text, kept, _ = job["draft"]
                self._pending = kept + self._pending  # the browser restores its own files
                self._sync_pending()
                self._refuse(job["send_id"], text, job["files"], error)
                if returned:  # Retry (after picking another model, say) sends it again
                    self._failed_user = user
                    self.set_trait("can_retry", True)
            elif error is not None:
                if isinstance(error, StreamInterruptedError):
                    self._show_error(
                        f"{describe_error(error)}\nThe partial answer is kept.", retry=False
                    )
                else:
                    retry = not committed and user is not None and retry_can_fix(error)
                    self._failed_user = user if retry else None
                    self._show_error(error, retry=retry)
            self._show_summary(result)
        if self._clear_when_done:
            self._clear_when_done = False
            self.conversation.reset()
        if committed and observer is not None:
            self._keep_turn_notes(observer, job["undo_mark"])
        self._turn_done(result)
        self._update_static()

    def _free_of_other_panels(self) -> None:
        """Raise if another panel is answering this chat (its turn must commit first)."""
        if id(self.conversation) in _ANSWERING:
            raise InvalidRequestError(ANOTHER_PANEL)

    def _keep_turn_notes(self, observer: PanelObserver, undo_mark: int | None) -> None:
        """After a committed turn: its server-side tool lines stay with the answer, and an
        Edit's or Regenerate's Undo stays valid."""
        turns = self.conversation.turns
        replies = turns[-1].replies if turns else ()
        kernel_calls = {c.id for m in replies for c in m.tool_calls or []}
        self.conversation.note_activity(observer.activity(kernel_calls))
        self.conversation.keep_undo(undo_mark)
        self.set_trait("can_undo", self.conversation.can_undo)

    def _take_turn(self, user: Message, job: dict[str, Any]) -> TurnResult:
        """One turn in the engine, as the magic's: the API is the engine's choice."""
        confirmed = job.get("draft") is not None and job["draft"][0] == self._confirmed_text
        self._confirmed_text = None
        threshold = self.confirm_over_usd
        guard = None if confirmed else (default_threshold() if threshold is None else threshold)
        if job.get("agent"):
            return self._take_agent_turn(user, job, guard)
        request = TurnRequest(
            user,
            model=job["model"],
            params=self._params(),
            tools=self._tools,
            server_tools=job["tools"] or [],
            source="panel",
            confirm_over_usd=guard,
        )
        return run_turn(request, client=self.client, conversation=self.conversation,
                        observer=self._observer, cancel=self._stop)

    def _show_summary(self, result: TurnResult | None = None) -> None:
        parts = [result.model if result is not None and result.model else self.model]
        if result is not None and result.usage is not None:
            usage = result.usage
            approx = "~" if result.usage_estimated else ""
            tokens = (
                f"{approx}{usage.total_tokens:,} tokens ({usage.prompt_tokens:,} in, "
                f"{usage.completion_tokens:,} out)"
            )
            if result.usage_estimated:
                tokens += " estimated"
            parts.append(tokens)
            if result.tool_counts:  # the server-side tools apart, adding up to the turn
                approx = "~" if result.usage_estimated else ""
                parts.append("turn " + approx + cost_with_tools(
                    result.cost_usd, result.tool_counts.items(), result.tool_cost_usd))
            elif result.interrupted:
                parts.append(f"turn {dollars(result.cost_usd)}")
            if usage.cached:
                parts.append(_cache_note(result.model or self.model, usage))
        if result is not None and result.compaction is not None:
            parts.append(result.compaction.describe())  # compacted first, or could not
        parts.append(f"conversation {dollars(self.conversation.cost_usd)}")
        if result is not None:
            parts.extend(result.notices)  # a file uploaded again, or gone (named)
        if result is not None and result.ttft_s is not None:
            parts.append(f"TTFT {result.ttft_s:.2f} s")
        if result is not None and result.interrupted:
            parts.append("stopped")
        elif result is not None and result.error is not None:
            parts.append("failed")
        self._set_status(" · ".join(parts))


class _NotSent(Exception):
    """Building the prompt failed before any turn began; ``error`` says why."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def usage_note(usage: Any, cost: float, estimated: bool) -> str:
    approx = "~" if estimated else ""
    return f"{approx}{usage.total_tokens:,} tokens, {dollars(cost)}" + (
        " (estimated)" if estimated else ""
    )


def _cache_note(model: str | None, usage: Any) -> str:
    """'N cached, saved $X': prompt tokens the cache served and what that saved."""
    from ..client._usage import cache_savings_usd

    saved = cache_savings_usd(model or "", usage, get_catalog())
    note = f"{usage.cached:,} cached"
    if saved is None:
        return note
    return f"{note}, saved {dollars(saved)}"
