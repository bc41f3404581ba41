"""``%%grok --agent``: the one turn engine with the notebook tools and an approval step.

A mixin of ``GrokMagics``. The turn runs in this cell's thread, the kernel's main
thread, so every step's code runs there as a cell would (``agent/runner.py``). What the
agent did (the code, each approval, each output summary) is kept in the named
conversation like any turn: the tool calls and their results are the turn's messages.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .messages import cost_guard, explain, fail, footer, missing_key

if TYPE_CHECKING:
    from argparse import Namespace

AGENT_SYSTEM = (
    "You work inside the user's Jupyter notebook through tools. Look before you act: list "
    "the variables, describe the ones you need, read recent cells or files in the "
    "notebook's folder. Then write small steps with run_code; each one runs in the user's "
    "kernel as a new cell (the user may approve, edit or skip it), and its output comes "
    "back to you. When a step fails, read the traceback and fix it in the next step. End "
    "with a short answer that says what you ran and what it showed."
)
DEFAULT_AGENT_STEPS = 10
DEFAULT_STEP_TIMEOUT = 60.0


class AgentCell:
    """Mixin of ``GrokMagics``: the agent's cell from options to answer."""

    def _agent(self: Any, args: Namespace, cell: str) -> None:
        from ..agent.approval import approver_for
        from ..agent.observer import AgentObserver
        from ..agent.sinks import choose_sink
        from ..agent.toolset import AgentStopped, AgentTools
        from ..client import Message, get_client
        from ..client._errors import InvalidRequestError, MissingAPIKeyError
        from ..notebook.chat_draft import ended_by_kernel
        from ..notebook.turn import CostGuardError, TurnRequest, run_turn
        from .server_tools import build_tools
        from .shell import cell_key
        from .subcommands import check_var_name

        if args.tools or args.schema or args.image or args.file or args.format:
            raise fail("--agent works with the notebook's own tools: drop --tools, --schema, "
                       "--image, --file and -f (the agent reads variables and files itself, "
                       "and its answer is text).")
        check_var_name(args.output, "-o/--output")
        if args.budget is not None and args.budget <= 0:
            raise fail(f"--budget {args.budget:g}: give a positive amount in USD, e.g. 0.05.")
        if args.step_timeout is not None and args.step_timeout <= 0:
            raise fail(f"--step-timeout {args.step_timeout:g}: give a positive number of s.")
        kernel = getattr(self.shell, "kernel", None)
        if args.approve == "ask" and kernel is not None and not getattr(kernel, "_allow_stdin",
                                                                        True):
            raise fail("this front end can't ask before each step (it has no input prompt, as "
                       "nbclient and papermill): use --approve auto or --approve plan.")
        max_steps = args.max_steps if args.max_steps is not None else DEFAULT_AGENT_STEPS
        if max_steps < 1:
            raise fail("--max-steps must be at least 1.")
        model = self._model(args.model or self.model or None)
        prompt = self._filled(cell.rstrip().lstrip("\n"))
        if not prompt.strip():
            raise fail("the cell is empty: write what the agent should do under %%grok --agent.")
        server_tools = build_tools(args)
        params = self._params(args, model, None)
        conversation, system = self._conversation_and_system(args, "text")
        system = f"{AGENT_SYSTEM}\n\n{system}" if system else AGENT_SYSTEM
        sink = choose_sink(self.shell)
        tools = AgentTools(
            self.shell, approver=approver_for(args.approve), sink=sink, root=os.getcwd(),
            step_timeout=args.step_timeout or DEFAULT_STEP_TIMEOUT, budget_usd=args.budget,
        )
        observer = AgentObserver(tools, model=model)
        request = TurnRequest(
            Message.user(prompt), model=model, system=system, params=params, tools=tools,
            server_tools=server_tools, api=self.api, stream=self.stream and not args.no_stream,
            max_steps=max_steps, source="agent",
            confirm_over_usd=None if args.yes else self.confirm_over_usd,
        )
        this_cell = cell_key(self.shell)
        if conversation is not None:
            conversation.replace_turn_of(this_cell)
            if ended_by_kernel(conversation):
                print(f"The last turn of {conversation.name!r} ended when the kernel stopped; "
                      "its steps are kept in the chat, and Grok sees them.", flush=True)
        result = None
        ended = ""
        where = f"conversation {conversation.name!r}" if conversation is not None else "this cell"
        try:
            result = run_turn(request, client=get_client(), conversation=conversation,
                              observer=observer)
        except AgentStopped as stop:
            ended = f"Stopped: {stop.reason}. {_kept(tools.done, where)}"
        except KeyboardInterrupt:
            ended = f"Interrupted. {_kept(tools.done, where)} The answer is marked [interrupted]."
        except MissingAPIKeyError:
            raise missing_key() from None
        except CostGuardError as exc:
            raise fail(cost_guard(exc)) from None
        except InvalidRequestError as exc:
            raise fail(explain(exc)) from None
        finally:
            sink.finish()
        if conversation is not None:
            conversation.mark_turn(this_cell)
        print()
        if ended:
            print(ended)
            print(f"Spent ${tools.spent_usd:,.4f} over {observer.rounds} model step(s).")
            return
        assert result is not None
        if result.step_limit_reached:
            print(f"The agent reached --max-steps {max_steps}; it answered with what it had.")
        if result.error is not None:
            raise fail(explain(result.error))
        if args.output:  # the answer, with its usage and tool calls, as for any cell
            from .answer import GrokAnswer

            self._ns[args.output] = GrokAnswer.of(result)
        if self.show_footer:
            print(footer(result))


def _kept(done: int, where: str) -> str:
    if not done:
        return f"No step had run; the turn is kept in {where}."
    return f"The {done} step{'s' if done != 1 else ''} done {'are' if done != 1 else 'is'} " \
        f"kept in {where}."
