"""``create_agent(ChatGrok(), tools=notebook_tools(approve="auto"))`` in a real kernel, against
the emulator's deterministic agent: the agent lists the variables, runs the block in the
user's kernel, and answers with the number the step printed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.agent.kernel_agent import KEY, run
from tests.kernels import started_kernel

AGENT = '''
from langchain.agents import create_agent
from langchain_grok import ChatGrok
from grok_jupyter.agent import notebook_tools

agent = create_agent(ChatGrok(), tools=notebook_tools(approve="auto"))
question = ("Total minutes?\\n```python\\nlc_total = int(trips['minutes'].sum())\\n"
            "print(lc_total)\\n```")
out = agent.invoke({"messages": [{"role": "user", "content": question}]})
print("ANSWER:", out["messages"][-1].content)
print("TOOLS:", [m.name for m in out["messages"] if m.type == "tool"])
'''


@pytest.fixture(scope="module")
def kernel_client(emulator_session) -> Iterator[Any]:
    env = {"XAI_API_KEY": KEY, "XAI_BASE_URL": emulator_session.base_url}
    setup = ("import pandas as pd\n"
             "trips = pd.DataFrame({'station': ['A', 'B'], 'minutes': [12, 30]})")
    with started_kernel(env, setup, secret=KEY) as (_, client):
        yield client


@pytest.fixture
def kc(kernel_client, emulator_session) -> Iterator[Any]:
    emulator_session.reset()  # no scripted turn queued by another test
    yield kernel_client
    emulator_session.reset()


def test_create_agent_with_notebook_tools_runs_a_step_in_the_kernel(kc) -> None:
    seen = run(kc, AGENT, timeout=120)
    assert seen["reply"]["content"]["status"] == "ok", seen["text"]
    text = seen["text"]
    assert "ANSWER: From what ran: the results show 42." in text
    assert "TOOLS: ['list_variables', 'run_code']" in text
    assert run(kc, "print(lc_total)")["text"].strip() == "42"  # it ran in the user's kernel


def test_notebook_tools_ask_before_each_step_by_default(kc) -> None:
    code = AGENT.replace('notebook_tools(approve="auto")', "notebook_tools()").replace(
        "lc_total", "asked_total")
    seen = run(kc, code, answers=["s", "not this one"], timeout=120)
    assert seen["prompts"][0] == "Run this step? [r]un / [e]dit / [s]kip / [q] stop: "
    assert "ANSWER: You skipped the step, so I did not run it." in seen["text"]
    assert "NameError" in run(kc, "print(asked_total)")["text"]  # nothing ran
