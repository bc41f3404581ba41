"""``ChatGrok.estimate_cost``: the one estimator, long-context tier included (issue 20).

A user checks what a long document will cost before sending it. The estimate must
price a prompt over the model's long-context threshold at the tier rate, as the bill
does, and agree with what the call then costs.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from grok_jupyter.client import estimate_cost, get_catalog
from langchain_grok import ChatGrok

pytestmark = pytest.mark.enable_socket

MODEL = "grok-4.3"


def test_a_prompt_over_the_threshold_is_priced_at_the_long_context_rate():
    llm = ChatGrok(model=MODEL)
    threshold = get_catalog().resolve(MODEL).price_per_million.long_context_threshold
    long_doc = "lorem ipsum dolor sit amet " * (threshold // 5 + 1000)
    estimate = llm.estimate_cost(long_doc)
    assert estimate.prompt_tokens == llm.get_num_tokens_from_messages([HumanMessage(long_doc)])
    assert estimate.prompt_tokens >= threshold and estimate.long_context
    assert estimate.usd == pytest.approx(2 * estimate.usd_without_tier)  # every token at 2x
    assert estimate == estimate_cost(MODEL, prompt_tokens=estimate.prompt_tokens)
    assert not llm.estimate_cost("Say hi.").long_context


def test_the_estimate_is_what_the_call_costs(emu):
    # A 225k-token prompt (over the 200k threshold) really sent: the bill agrees.
    llm = ChatGrok(model=MODEL)
    prompt = "lorem ipsum dolor sit amet " * 45000 + "Reply with one word."
    answer = llm.invoke(prompt)
    estimate = llm.estimate_cost(prompt, output_tokens=answer.usage_metadata["output_tokens"])
    assert estimate.long_context
    assert estimate.usd == pytest.approx(answer.response_metadata["cost_usd"])


def test_output_defaults_to_max_tokens_and_priority_doubles_the_price():
    messages = [SystemMessage("Be brief."), HumanMessage("Name three moons of Jupiter.")]
    plain = ChatGrok(model=MODEL, max_tokens=400).estimate_cost(messages)
    assert plain.output_tokens == 400
    priority = ChatGrok(model=MODEL, max_tokens=400, service_tier="priority")
    assert priority.estimate_cost(messages).usd == pytest.approx(2 * plain.usd)
    searched = ChatGrok(model=MODEL).estimate_cost(messages, tool_calls={"web_search": 2})
    assert searched.tool_usd > 0
