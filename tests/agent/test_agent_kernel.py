"""``%%grok --agent`` in a real kernel against the emulator's deterministic agent: what the
user sees for each approval, for auto and plan, a failing step, a hang, the budget and
step limits, files outside the folder and the key in a step's output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.agent.kernel_agent import KEY, next_input, run
from tests.kernels import started_kernel

SETUP = """%load_ext grok_jupyter
import pandas as pd
trips = pd.DataFrame({"station": ["A", "B", "A", "C"], "minutes": [12, 30, 18, 7]})
"""
SUM_CELL = """%%grok --agent --chat agent-test
How long are the trips in total?
```python
total = int(trips["minutes"].sum())
print(total)
```"""


@pytest.fixture(scope="module")
def kernel(emulator_session, tmp_path_factory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("notebook")
    (folder / "notes.txt").write_text("station A is the busiest\n")
    (folder.parent / "outside-secret.txt").write_text("not for the agent\n")
    (folder / "link.txt").symlink_to(folder.parent / "outside-secret.txt")  # a link out
    env = {"XAI_API_KEY": KEY, "XAI_BASE_URL": emulator_session.base_url}
    setup = f"import os\nos.chdir({str(folder)!r})\n{SETUP}"
    with started_kernel(env, setup, secret=KEY) as started:
        yield started


@pytest.fixture
def kc(kernel, emulator_session) -> Iterator[Any]:
    emulator_session.reset()
    _, client = kernel
    run(client, "from grok_jupyter.notebook.conversation import forget_conversation\n"
                "forget_conversation('agent-test')\ntotal = None")
    yield client
    emulator_session.reset()  # no scripted turn left for another module's test


def conversation(kc: Any, name: str = "agent-test") -> list[dict]:
    code = ("import json\nfrom grok_jupyter.notebook.conversation import get_conversation\n"
            f"print(json.dumps([m.to_wire() for m in get_conversation({name!r}).messages]))")
    return json.loads(run(kc, code)["text"])


def value(kc: Any, expr: str) -> str:
    return run(kc, f"print(repr({expr}))")["text"].strip()


def test_run_asks_then_runs_the_code_in_the_kernel(kc) -> None:
    seen = run(kc, SUM_CELL, answers=["r"])
    assert seen["prompts"] == ["Run this step? [r]un / [e]dit / [s]kip / [q] stop: "]
    text = seen["text"]
    assert "── Step 1: run this code ──" in text and 'trips["minutes"].sum()' in text
    assert "Step 1: ok" in text
    assert "From what ran: the results show 67." in text  # the emulator quotes the output
    assert "[model step 1:" in text and "so far]" in text  # each step's cost as it goes
    assert value(kc, "total") == "67"  # the step ran in the user's kernel
    # No bridge in nbclient/jupyter_client: the code is offered as the next cell.
    assert "Cells can't be inserted in this front end" in text
    assert next_input(seen["reply"]) == 'total = int(trips["minutes"].sum())\nprint(total)'
    # The conversation keeps the code, the approval and the output summary.
    kept = json.dumps(conversation(kc))
    assert 'trips[\\"minutes\\"].sum()' in kept and "approved (Run)" in kept and "67" in kept


def test_edit_runs_the_users_code_instead(kc) -> None:
    seen = run(kc, SUM_CELL, answers=["e", "total = 1000", "print(total)", "."])
    assert "Step 1: ok" in seen["text"] and "the results show 1000." in seen["text"]
    assert value(kc, "total") == "1000"
    kept = json.dumps(conversation(kc))
    assert "edited by the user, then run" in kept and "total = 1000" in kept


def test_skip_with_a_reason_tells_grok_and_runs_nothing(kc) -> None:
    seen = run(kc, SUM_CELL, answers=["s", "not now"])
    assert "Step 1 skipped." in seen["text"]
    assert "You skipped the step, so I did not run it." in seen["text"]
    assert value(kc, "total") == "None"
    tool_results = [m["content"] for m in conversation(kc) if m["role"] == "tool"]
    assert "The user skipped this step; it did not run. Their reason: not now" in tool_results


def test_stop_ends_the_turn_and_keeps_the_steps_done(kc) -> None:
    seen = run(kc, SUM_CELL, answers=["q", ""])
    assert "Stopped: you pressed Stop." in seen["text"]
    assert seen["reply"]["content"]["status"] == "ok"
    assert value(kc, "total") == "None"
    kept = conversation(kc)
    assert [m["role"] for m in kept] == ["user", "assistant", "tool", "assistant", "tool",
                                         "assistant"]
    assert "list_variables" in json.dumps(kept[1]) and "[interrupted]" in kept[-1]["content"]


def test_auto_runs_without_asking(kc) -> None:
    seen = run(kc, SUM_CELL.replace("--agent", "--agent --approve auto"))
    assert seen["prompts"] == []
    assert value(kc, "total") == "67"


def test_plan_proposes_and_runs_nothing(kc) -> None:
    seen = run(kc, SUM_CELL.replace("--agent", "--agent --approve plan"))
    assert seen["prompts"] == [] and "Step 1: proposed, not run." in seen["text"]
    assert value(kc, "total") == "None"
    assert next_input(seen["reply"]) == 'total = int(trips["minutes"].sum())\nprint(total)'


def test_a_failing_step_is_marked_and_grok_names_the_error(kc) -> None:
    cell = "%%grok --agent --approve auto --chat agent-test\nFix:\n```python\nx = 1\ny = x / 0\n```"
    seen = run(kc, cell)
    assert "Step 1: failed" in seen["text"] and "ZeroDivisionError" in seen["text"]
    assert "The code raised ZeroDivisionError: division by zero at line 2." in seen["text"]
    assert seen["reply"]["content"]["status"] == "ok"  # the agent's cell itself succeeded
    # A failed step is shown, not made a cell: the notebook must run top to bottom.
    assert "Not added as a cell." in seen["text"] and next_input(seen["reply"]) is None


def test_a_hanging_step_times_out(kc) -> None:
    cell = ("%%grok --agent --approve auto --step-timeout 1 --chat agent-test\nWait:\n"
            "```python\nimport time\ntime.sleep(30)\n```")
    seen = run(kc, cell)
    assert "Step 1: timed out after 1 s" in seen["text"]
    assert "The step timed out after 1 s" in seen["text"]


def test_the_step_limit_ends_with_an_answer(kc) -> None:
    seen = run(kc, SUM_CELL.replace("--agent", "--agent --approve auto --max-steps 1"))
    assert "The agent reached --max-steps 1" in seen["text"]
    assert value(kc, "total") == "None"  # the second round was the answer, tools off


def test_the_budget_stops_before_a_step_that_would_pass_it(kc) -> None:
    seen = run(kc, SUM_CELL.replace("--agent", "--agent --approve auto --budget 0.0015"))
    assert "Stopped: the budget of $0.0015 would be passed" in seen["text"]
    assert value(kc, "total") == "None"


def test_files_outside_the_folder_are_refused(kc, emulator_session) -> None:
    emulator_session.script([
        {"tool": "read_file", "arguments": {"path": "../outside-secret.txt"}},
        {"tool": "read_file", "arguments": {"path": "notes.txt"}},
        {"tool": "read_file", "arguments": {"path": "link.txt"}},
        {"tool": "list_files", "arguments": {}},
        "Done.",
    ])
    run(kc, "%%grok --agent --chat agent-test\nRead my files.")
    results = [m["content"] for m in conversation(kc) if m["role"] == "tool"]
    assert results[0].startswith("Refused: '../outside-secret.txt' is outside the notebook's")
    assert "not for the agent" not in json.dumps(results)
    assert results[1] == "station A is the busiest\n"
    assert results[2].startswith("Refused: 'link.txt' is outside the notebook's folder")
    assert "notes.txt (25 bytes)" in results[3] and "link.txt" not in results[3]


def test_the_key_in_a_steps_output_is_redacted(kc, emulator_session) -> None:
    seen = run(kc, "%%grok --agent --approve auto --chat agent-test\nShow it:\n"
                   "```python\nimport os\nprint(os.environ['XAI_API_KEY'])\n```")
    # run() already checked that the key is in no message the kernel sent.
    assert "[redacted API key]" in json.dumps(conversation(kc))
    sent = json.dumps([r.body for r in emulator_session.requests])
    assert KEY not in sent and "[redacted API key]" in sent
    assert seen["reply"]["content"]["status"] == "ok"


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_plot_shows_in_the_cell_and_goes_to_grok_as_an_image(kc, emulator_session,
                                                                 api) -> None:
    run(kc, f"%config GrokMagics.api = {api!r}")
    cell = ("%%grok --agent --approve auto --chat agent-test\nPlot it:\n```python\n"
            "import matplotlib.pyplot as plt\nplt.plot(trips['minutes'])\nplt.title('minutes')\n"
            "```")
    try:
        seen = run(kc, cell)
    finally:
        run(kc, "%config GrokMagics.api = 'auto'")
    assert any("image/png" in d for d in seen["displays"])  # the plot, in the agent's cell
    assert emulator_session.requests[-1].path.endswith(
        "/responses" if api == "responses" else "/chat/completions")
    assert "From what ran:" in seen["text"]  # the API took the images and answered
    last = json.dumps(emulator_session.requests[-1].body)
    assert "Plots drawn by the step above" in last and "data:image/png;base64," in last
    assert "[a plot: sent to you as an image after these results]" in last


def test_ctrl_c_during_a_step_ends_the_turn_and_keeps_it(kernel, kc) -> None:
    import threading

    km, _ = kernel
    cell = ("%%grok --agent --approve auto --chat agent-test\nWait:\n"
            "```python\nimport time\ntime.sleep(30)\n```")
    timer = threading.Timer(2.0, km.interrupt_kernel)
    timer.start()
    try:
        seen = run(kc, cell)
    finally:
        timer.cancel()
    assert ("Interrupted. No step had run; the turn is kept in conversation 'agent-test'."
            in seen["text"])
    kept = conversation(kc)
    assert kept[-1]["content"].endswith("[interrupted]")
    assert "interrupted before this tool finished" in json.dumps(kept)


def test_the_agent_reads_a_table_recent_cells_and_the_last_error(kc, emulator_session) -> None:
    run(kc, "oops = undefined_name_here")  # the last error the agent should see
    emulator_session.script([
        {"tool": "describe_variable", "arguments": {"name": "trips"}},
        {"tool": "read_cells", "arguments": {"count": 3}},
        "Done.",
    ])
    run(kc, "%%grok --agent --chat agent-test\nLook around.")
    described, cells = [m["content"] for m in conversation(kc) if m["role"] == "tool"]
    assert described.startswith("trips = pandas DataFrame: 4 rows × 2 columns")
    assert "all 4 rows:" in described and "30" in described
    assert "oops = undefined_name_here" in cells
    assert "NameError: name 'undefined_name_here' is not defined" in cells


def test_insert_cell_asks_then_offers_the_cell_without_running_it(kc, emulator_session) -> None:
    emulator_session.script([
        {"tool": "insert_cell", "arguments": {"source": "inserted = True"}}, "Added.",
    ])
    seen = run(kc, "%%grok --agent --chat agent-test\nAdd a cell.", answers=["r"])
    assert seen["prompts"] == ["Insert this step? [r]un / [e]dit / [s]kip / [q] stop: "]
    assert "Step 1: inserted, not run." in seen["text"]
    assert next_input(seen["reply"]) == "inserted = True"
    assert value(kc, "globals().get('inserted')") == "None"


def test_server_side_search_mixes_in(kc, emulator_session) -> None:
    run(kc, SUM_CELL.replace("--agent", "--agent --approve auto --search web"))
    tools = emulator_session.requests[-1].body["tools"]
    kinds = {t.get("name") or t["type"] for t in tools}
    assert {"web_search", "list_variables", "run_code"} <= kinds
    assert emulator_session.requests[-1].path == "/v1/responses"


def test_bad_options_are_refused_before_anything_is_sent(kc, emulator_session) -> None:
    seen = run(kc, "%%grok --agent --budget -1\nGo.")
    assert "--budget -1: give a positive amount in USD" in seen["text"]
    seen = run(kc, "%%grok --agent --tools print\nGo.")
    assert "--agent works with the notebook's own tools" in seen["text"]
    seen = run(kc, "%%grok --agent --approve maybe\nGo.")
    assert "invalid choice: 'maybe'" in seen["text"]
    assert emulator_session.requests == []


def test_ask_without_an_input_prompt_says_how_to_go_on(kc, emulator_session) -> None:
    msg_id = kc.execute(SUM_CELL, allow_stdin=False)  # as nbclient and papermill send it
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "error"
    assert "use --approve auto or --approve plan" in reply["content"]["evalue"]
    assert emulator_session.requests == []


def test_o_keeps_the_answer(kc) -> None:
    run(kc, SUM_CELL.replace("--agent", "--agent --approve auto -o found"))
    assert value(kc, "str(found)") == "'From what ran: the results show 67.'"
    assert value(kc, "len(found.tool_calls)") == "2"


def test_the_saved_chat_keeps_the_code_approvals_and_outputs(kc, tmp_path) -> None:
    chats = tmp_path / "chats"
    run(kc, f"%config GrokMagics.chat_dir = {str(chats)!r}")
    try:
        run(kc, SUM_CELL.replace("agent-test", "agent-saved"), answers=["r"])
        run(kc, SUM_CELL.replace("agent-test", "agent-saved"), answers=["s", "enough"])
    finally:
        run(kc, "%config GrokMagics.chat_dir = 'off'")
    (saved,) = chats.glob("agent-saved*.json")
    text = saved.read_text()
    assert 'trips[\\"minutes\\"].sum()' in text  # the code
    assert "approved (Run)" in text and "Output:\\n67" in text  # approval, output summary
    assert "The user skipped this step; it did not run. Their reason: enough" in text
    assert KEY not in text


def test_a_long_output_is_cut_to_its_budget_saying_what_was_left_out(kc) -> None:
    cell = ("%%grok --agent --approve auto --chat agent-test\nPrint a lot:\n```python\n"
            "print('start ' + 'x' * 100_000 + ' end')\n```")
    seen = run(kc, cell)
    assert "x" * 1000 in seen["text"]  # the user sees the whole output in the cell
    result = [m["content"] for m in conversation(kc) if m["role"] == "tool"][-1]
    assert len(result) < 8_300
    assert "characters left out] …" in result
    assert "Output:\nstart xxx" in result and result.endswith("xxx end")


def test_stop_at_the_second_step_keeps_the_first(kc, emulator_session) -> None:
    emulator_session.script([
        {"tool": "run_code", "arguments": {"code": "total = 1"}},
        {"tool": "run_code", "arguments": {"code": "total = 2"}},
        "Never asked for.",
    ])
    seen = run(kc, "%%grok --agent --chat agent-test\nTwo steps.", answers=["r", "q", "wrong"])
    assert "Stopped: you pressed Stop (wrong). The 1 step done is kept in conversation" \
        in seen["text"]
    assert value(kc, "total") == "1"
    kept = json.dumps(conversation(kc))
    assert "total = 1" in kept and "Not run: you pressed Stop (wrong)." in kept
    assert "Never asked for." not in kept
