"""What the magic tells the user: one-line errors (``grok: ...``) and the answer footer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from ..notebook.display import AnswerSink
    from ..notebook.turn import TurnResult

PREFIX = "grok:"  # the start of every one-line error, so users can tell whose it is


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def fail(message: str) -> UsageError:
    """A user's mistake: one line, no traceback."""
    return UsageError(f"{PREFIX} {one_line(message)}")


def missing_key() -> UsageError:
    """No key and no emulator: say both ways out."""
    return fail(
        "no xAI API key: set XAI_API_KEY (%env XAI_API_KEY=xai-...), "
        "or run %grok emulator to work offline."
    )


@contextmanager
def turn_failures(
    sink: AnswerSink,
    kind: str,
    interrupted: Callable[[], str],
    guard_hint: str = "add --yes to this cell",
) -> Iterator[None]:
    """Around a turn's call: what it raises becomes the one-line error a cell shows.

    Ctrl-C keeps what had arrived in the display (finished as ``kind``, marked interrupted)
    and says ``interrupted()`` (asked only then: where the partial answer went depends on
    what the turn had committed); a missing key or a refused request (raised before
    anything was sent) drops the still-empty display.
    """
    from ..client._errors import InvalidRequestError, MissingAPIKeyError
    from ..notebook.turn.guard import CostGuardError

    try:
        yield
    except KeyboardInterrupt:
        sink.view.interrupted = True
        sink.finish(kind)
        raise fail(interrupted()) from None
    except MissingAPIKeyError:
        sink.abandon()
        raise missing_key() from None
    except CostGuardError as exc:
        sink.abandon()
        raise fail(cost_guard(exc, guard_hint)) from None
    except InvalidRequestError as exc:
        sink.abandon()
        raise fail(explain(exc)) from None


def cost_guard(exc: Any, again: str = "add --yes to this cell") -> str:
    """The cost guard's stop, with the two ways on."""
    return (
        f"{exc} To send it: {again}, or raise the threshold, e.g. "
        f"%config GrokMagics.confirm_over_usd = {max(1.0, 2 * (exc.estimate.usd or 0)):.2f}"
    )


def explain(exc: BaseException) -> str:
    """One line saying what went wrong and what to change."""
    from ..client._errors import (
        AnswerLostError,
        APIConnectionError,
        APIStatusError,
        AuthenticationError,
        ContextWindowExceededError,
        RateLimitError,
        ResponseBodyInterruptedError,
        StreamInterruptedError,
        UnsupportedParameterError,
    )

    message = one_line(getattr(exc, "message", None) or exc)
    if isinstance(exc, UnsupportedParameterError):
        return f"{message} Drop that option or pick another model with -m."
    if isinstance(exc, ContextWindowExceededError):
        return (
            f"the request needs about {exc.estimated_tokens:,} tokens but the model's context "
            f"window is {exc.context_window:,}: shorten the prompt, lower --max-tokens, "
            "start afresh with --new, or use --no-history."
        )
    if isinstance(exc, RateLimitError):
        wait = f" (the API asks to wait {exc.retry_after:g} s)" if exc.retry_after else ""
        return f"rate limited by the API after retries{wait}: {message} Run the cell again later."
    if isinstance(exc, AuthenticationError):
        return f"the API key was refused: {message} Check XAI_API_KEY."
    if isinstance(exc, StreamInterruptedError):
        return f"the stream broke before the answer was complete: {message}"
    if isinstance(exc, APIStatusError):
        return f"the API refused the request: {message}"
    if isinstance(exc, (AnswerLostError, ResponseBodyInterruptedError)):
        # It reached the API: "could not reach" would hide that it may have been billed.
        return f"the answer was lost after the request reached the API: {message}"
    if isinstance(exc, APIConnectionError):
        return f"could not reach the API: {message} Check XAI_BASE_URL and the network."
    return message


def stream_cut(exc: BaseException, where: str | None) -> str:
    """A stream that broke half-way, in the user's words (no attribute names)."""
    import re

    partial = getattr(exc, "partial", None)
    chars = len(getattr(partial, "content", "") or "")
    why = re.search(r"chunk\(s\) \((.*)\);", str(getattr(exc, "message", None) or exc))
    reason = f" ({why.group(1)})" if why else ""
    saved = f", and saved in {where} marked [interrupted]" if where else ""
    return (
        f"the connection broke while the answer was streaming{reason}. The "
        f"{chars:,} characters that arrived are shown above{saved}. Run the cell again "
        "for the whole answer."
    )


def notes(result: TurnResult, *, max_steps: int, max_tokens: int | None) -> list[str]:
    """What the user must know about how the answer ended, shown under it."""
    out = []
    if result.compaction is not None:  # compacted first (or could not be): said once
        out.append(f"[{result.compaction.describe()}]")
    if result.step_limit_reached:
        out.append(
            f"[step limit reached: Grok still wanted tools after {max_steps} round"
            f"{'s' * (max_steps != 1)} (--max-steps {max_steps}); it answered without "
            "more tools. Raise --max-steps to let it go on.]"
        )
    if result.cut:
        cap = f" {max_tokens:,}" if max_tokens else ""
        out.append(f"[cut: reached --max-tokens{cap}; raise it for the whole answer]")
    return out


def footer(result: TurnResult) -> str:
    approx = "~" if result.usage_estimated else ""  # counted locally: the usage never came
    parts = [result.model or "(default model)"]
    usage = result.usage
    if usage is not None:
        tokens = f"{approx}{usage.prompt_tokens:,} in · {approx}{usage.completion_tokens:,} out"
        if usage.reasoning:
            tokens += f" · {approx}{usage.reasoning:,} reasoning"
        parts.append(tokens + " tokens")
    cost = (
        f"${result.cost_usd:.4f}"
        if result.cost_usd >= 0.0001 or not result.cost_usd
        else f"${result.cost_usd:.6f}"
    )
    parts.append(approx + cost)
    parts.append(f"{result.latency_s:.1f} s")
    if result.tool_results:
        parts.append(f"{len(result.tool_results)} tool call{'s' * (len(result.tool_results) != 1)}")
    if result.step_limit_reached:
        parts.append("step limit reached")
    if result.cut:
        parts.append("cut at --max-tokens")
    return " · ".join(parts)
