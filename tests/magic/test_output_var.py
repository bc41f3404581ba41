"""``%%grok -o VAR``: one type whatever the turn did, usable as the answer's text."""

from __future__ import annotations


def test_output_var_without_sources_has_the_same_attributes(ip, emu) -> None:
    ip.ok("%%grok -o ans\nsay hi")
    ans = ip.ns["ans"]
    assert ans.citations == []  # was AttributeError on a plain str
    assert ans.usage is not None and ans.usage.completion_tokens > 0
    assert ans.cost_usd > 0 and ans.tool_calls == [] and ans.stopped is False
    # Still the answer's text wherever the old str was used.
    text = ans.text
    assert isinstance(ans, str) and str(ans) == text and f"{ans}" == text
    assert ans == text and len(ans) == len(text) and ans[:3] == text[:3]
    assert text.split()[0] in ans
    assert type(str(ans)) is str


def test_output_var_counts_the_python_tools_that_ran(ip, emu) -> None:
    ip.ok("def add(a: int, b: int) -> int:\n    \"\"\"Add two integers.\"\"\"\n    return a + b\n")
    ip.ok("%%grok --tools add -o ans\nUse the add tool: add(a=2, b=3)")
    ans = ip.ns["ans"]
    assert [t.call.function.name for t in ans.tool_calls] == ["add"]
    assert ans.citations == [] and "add returned 5" in ans


def test_structured_formats_keep_their_parsed_values(ip, emu) -> None:
    ip.ok("%%grok -f json -o data\nGive me a JSON object about rivers.")
    assert type(ip.ns["data"]) is dict
    ip.ok('%%grok -f code -o snippet\nSay "def add(a, b): return a + b"')
    assert type(ip.ns["snippet"]) is str


def test_ctrl_c_still_sets_the_output_var_marked_stopped(ip, emu) -> None:
    ip.magics.throttle_interval = 0
    ip.pub.interrupt_on = 5  # Ctrl-C on the 5th update of the streaming display
    try:
        message = ip.fails("%%grok -o ans\nWrite 2000 words about the sea.")
    finally:
        ip.pub.interrupt_on = None
    assert "interrupted" in message
    ans = ip.ns["ans"]
    assert ans.stopped is True and ans.citations == []
    assert 0 < len(ans) and ans.text in ip.markdown()
