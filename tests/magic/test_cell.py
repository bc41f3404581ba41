"""``%%grok`` options, each seen where the user sees it: the display, the namespace, the request."""

from __future__ import annotations

import json

import pytest

from tests.magic.conftest import ADD_TOOL
from tests.wire import (
    RESPONSES,
    image_urls,
    last_body,
    responses_requests,
    sent_items,
    sent_roles,
    system_prompt,
    turn_requests,
    user_content,
    user_text,
)

# A plain cell goes to the Responses API by default (GrokMagics.api = "auto"); the tests
# read what was asked through tests/wire.py. Chat-path twins pin GrokMagics.api = "chat".


def test_answer_streams_into_one_display_with_a_footer(ip, emu) -> None:
    ip.ok('%%grok\nSay "hello from the notebook"')
    outputs = ip.outputs()
    assert len(outputs) == 1  # one display, updated in place
    final = outputs[0]
    assert "hello from the notebook" in final["text/markdown"]
    assert "waiting for first token" not in final["text/markdown"]
    # The footer: model, tokens, cost, time.
    assert "grok-4.3" in final["text/markdown"]  # the default model
    assert " in · " in final["text/markdown"] and "$" in final["text/markdown"]
    assert ip.pub.updates, "the display is updated in place, not re-created"
    (request,) = turn_requests(emu)
    assert request.path == RESPONSES  # the default API
    assert request.body["stream"] is True
    from grok_jupyter.client import get_ledger

    assert [r.source for r in get_ledger().records] == ["magic"]


def test_conversation_memory_and_named_chats(ip, emu) -> None:
    ip.ok("%%grok\nHello, my name is Ada.")
    ip.ok("%%grok\nWhat is my name?")
    assert "Your name is Ada." in ip.markdown()
    # The second turn chained on the first answer, stored on the server.
    assert responses_requests(emu)[1].body["previous_response_id"]
    ip.ok("%%grok --chat other\nWhat is my name?")
    assert "Ada" not in ip.markdown()  # another conversation knows nothing of Ada
    assert len(sent_items(last_body(emu))) == 1
    assert "previous_response_id" not in last_body(emu)
    ip.ok("%%grok --new\nWhat is my name?")
    assert "Ada" not in ip.markdown()
    from grok_jupyter.notebook.conversation import get_conversation

    assert len(get_conversation("default").messages) == 2  # --new dropped the old turns


def test_no_history_sends_and_keeps_nothing(ip, emu) -> None:
    ip.ok("%%grok\nMy name is Ada.")
    ip.ok("%%grok --no-history\nWhat is my name?")
    assert sent_roles(last_body(emu)) == ["user"]
    assert "previous_response_id" not in last_body(emu)
    assert "Ada" not in ip.markdown()
    from grok_jupyter.notebook.conversation import get_conversation

    assert len(get_conversation("default").messages) == 2


def test_model_system_and_parameters_reach_the_request(ip, emu) -> None:
    ip.ns["persona"] = "You are a terse statistician."
    ip.ok("%%grok -m grok-4.3 -s persona -t 0.25 --max-tokens 7 --reasoning-effort high\n"
          "Write 50 words about rivers.")
    body = last_body(emu)
    assert body["model"] == "grok-4.3"
    # In the Responses API's names: instructions, max_output_tokens, reasoning.effort.
    assert body["instructions"] == "You are a terse statistician."
    assert body["temperature"] == 0.25 and body["max_output_tokens"] == 7
    assert body["reasoning"] == {"effort": "high"}
    final = ip.outputs()[0]["text/markdown"]
    assert "7 out" in final  # the answer was cut at --max-tokens
    # -s sticks to the conversation; a literal -s works too.
    ip.ok("%%grok -m grok-4.3-latest\nAnd now?")
    assert system_prompt(last_body(emu)) == "You are a terse statistician."
    ip.ok('%%grok -s "Answer in French."\nBonjour')
    assert system_prompt(last_body(emu)) == "Answer in French."


def test_model_system_and_parameters_reach_a_chat_request(ip, emu) -> None:
    # The chat twin: the same options in Chat Completions' names.
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ns["persona"] = "You are a terse statistician."
    ip.ok("%%grok -m grok-4.3 -s persona -t 0.25 --max-tokens 7 --reasoning-effort high\n"
          "Write 50 words about rivers.")
    (request,) = turn_requests(emu)
    assert request.path == "/v1/chat/completions"
    body = request.body
    assert body["messages"][0] == {"role": "system", "content": "You are a terse statistician."}
    assert body["temperature"] == 0.25 and body["max_tokens"] == 7
    assert body["reasoning_effort"] == "high"
    assert "7 out" in ip.outputs()[0]["text/markdown"]
    ip.ok("%%grok\nAnd now?")  # history resent: system, the first turn, the new prompt
    assert [m["role"] for m in last_body(emu)["messages"]] == [
        "system", "user", "assistant", "user"]


def test_output_variable_holds_the_text(ip) -> None:
    ip.ok('%%grok -o reply\nSay "forty-two"')
    assert ip.ns["reply"] == "forty-two"


def test_format_text_and_html(ip) -> None:
    ip.ok('%%grok -f text\nSay "plain words"')
    final = ip.outputs()[0]
    assert set(final) == {"text/plain"} and "plain words" in final["text/plain"]
    ip.ok('%%grok -f HTML\nSay "<b>bold</b>"')
    final = ip.outputs()[0]
    assert final["text/html"].startswith("<b>bold</b>")


def test_format_json_parses_and_displays(ip, emu) -> None:
    ip.ok("%%grok -f json -o data\nGive me a JSON object about rivers.")
    assert last_body(emu)["text"] == {"format": {"type": "json_object"}}
    assert isinstance(ip.ns["data"], dict) and "answer" in ip.ns["data"]
    final = ip.outputs()[0]
    assert final["application/json"] == ip.ns["data"]
    assert "```json" in final["text/markdown"]


def test_format_code_offers_a_new_cell(ip) -> None:
    ip.shell.rl_next_input = None
    ip.ok('%%grok -f code -o snippet\nSay "def add(a, b): return a + b"')
    assert ip.shell.rl_next_input == "def add(a, b): return a + b"
    assert ip.ns["snippet"] == "def add(a, b): return a + b"


def test_schema_from_a_pydantic_model(ip, emu) -> None:
    ip.ok(
        "from pydantic import BaseModel\n"
        "class City(BaseModel):\n"
        "    name: str\n"
        "    population: int\n"
    )
    ip.ok("%%grok --schema City -o city\nThe city 'Lyon' has population 522000.")
    fmt = last_body(emu)["text"]["format"]  # Responses: text.format, the schema inline
    assert fmt["type"] == "json_schema" and fmt["name"] == "City"
    assert fmt["schema"]["required"] == ["name", "population"]
    city = ip.ns["city"]
    assert type(city).__name__ == "City"
    assert city.name == "Lyon" and city.population == 522000


def test_schema_from_a_dict(ip, emu) -> None:
    ip.ns["spec"] = {
        "type": "object",
        "properties": {"colour": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["colour", "count"],
    }
    ip.ok("%%grok --schema spec -o got\nThere are 3 apples, colour 'red'.")
    assert last_body(emu)["text"]["format"]["schema"] == ip.ns["spec"]
    assert ip.ns["got"] == {"colour": "red", "count": 3}


def test_schema_on_a_chat_request(ip, emu) -> None:
    # The chat twin: response_format with the schema under json_schema.
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ns["spec"] = {
        "type": "object",
        "properties": {"colour": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["colour", "count"],
    }
    ip.ok("%%grok --schema spec -o got\nThere are 3 apples, colour 'red'.")
    (request,) = emu.chat_requests
    assert request.body["response_format"]["json_schema"]["schema"] == ip.ns["spec"]
    assert ip.ns["got"] == {"colour": "red", "count": 3}


def test_no_stream_waits_for_the_whole_answer(ip, emu) -> None:
    ip.ok('%%grok --no-stream\nSay "all at once"')
    assert not last_body(emu).get("stream")
    assert "all at once" in ip.outputs()[0]["text/markdown"]


def test_interpolation_in_the_cell(ip, emu) -> None:
    ip.ok("import pandas as pd\ndf = pd.DataFrame({'price': [1.5, 2.5, 3.0], 'item': list('abc')})")
    ip.ok('%%grok\nSummarise {df}. Keep {"format": {"as": "json"}} and {{df}} and {missing}.')
    sent = user_text(last_body(emu))
    assert "pandas DataFrame: 3 rows × 2 columns" in sent and "price (float64)" in sent
    assert '{"format": {"as": "json"}}' in sent
    assert "{df} and {missing}." in sent
    ip.ok("x = 41")
    ip.ok("%%grok\nWhat is {x} + 1? Cell In[{x}] does not exist.")
    assert "41 + 1" in user_text(last_body(emu))


def test_interpolation_of_in_and_out(ip, emu) -> None:
    ip.ok("6 * 7")
    n = ip.shell.execution_count - 1
    ip.ok(f"%%grok\nThe code {{In[{n}]}} gave {{Out[{n}]}}.")  # in `...` it stays as typed
    assert user_text(last_body(emu)) == "The code 6 * 7 gave 42."


def test_images_from_paths_and_variables(ip, emu, tmp_path) -> None:
    ip.ok(
        "from PIL import Image\n"
        "import numpy as np\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "red = Image.new('RGB', (40, 30), 'red')\n"
        "blue_array = np.zeros((20, 20, 3), dtype=np.uint8); blue_array[..., 2] = 255\n"
        "fig, ax = plt.subplots(figsize=(2, 2)); ax.plot([1, 2, 3]); plt.close(fig)\n"
        "import io; buf = io.BytesIO(); Image.new('RGB', (10, 10), 'green').save(buf, 'PNG')\n"
        "green_bytes = buf.getvalue()\n"
        "frames = [red]\n"
    )
    path = tmp_path / "yellow.png"
    from PIL import Image

    Image.new("RGB", (16, 16), "yellow").save(path)
    ip.ok(f"%%grok --image red --image blue_array --image fig --image green_bytes "
          f"--image frames[0] --image {path}\nWhat do these show?")
    urls = image_urls(user_content(last_body(emu)))
    assert len(urls) == 6
    assert all(url.startswith("data:image/") for url in urls)
    answer = ip.outputs()[0]["text/markdown"]
    for colour in ("red", "blue", "green", "yellow"):
        assert f"dominant colour is {colour}" in answer


def test_tools_run_in_the_kernel_and_show(ip, emu) -> None:
    ip.ok(
        ADD_TOOL
        + "def shout(text: str) -> str:\n"
        '    """Upper-case the text."""\n'
        "    return text.upper()\n"
    )
    ip.ok("%%grok --tools add,shout\nUse the add tool: add(a=2, b=3)")
    assert ip.ns["calls"] == [(2, 3)]
    first, second = responses_requests(emu)
    # Function tools in the Responses API's flat shape.
    assert [t["name"] for t in first.body["tools"]] == ["add", "shout"]
    assert first.body["tools"][0]["type"] == "function"
    assert first.body["tools"][0]["description"] == "Add two integers."
    # The second round chains on the first and sends only the tool's output.
    assert second.body["previous_response_id"]
    (output,) = second.body["input"]
    assert output["type"] == "function_call_output" and output["output"] == "5"
    final = ip.outputs()[0]["text/markdown"]
    assert "🔧 `add(a=2, b=3)` → `5`" in final
    assert "add returned 5" in final
    assert "1 tool call" in final  # the footer counts them


def test_tools_run_in_the_kernel_on_a_chat_request(ip, emu) -> None:
    # The chat twin: nested function tools, the whole history and a "tool" message resent.
    ip.ok('%config GrokMagics.api = "chat"')
    ip.ok(
        "def add(a: int, b: int) -> int:\n"
        '    """Add two integers."""\n'
        "    return a + b\n"
    )
    ip.ok("%%grok --tools add\nUse the add tool: add(a=2, b=3)")
    first, second = emu.chat_requests
    assert [t["function"]["name"] for t in first.body["tools"]] == ["add"]
    assert second.body["messages"][-1] == {
        "role": "tool", "tool_call_id": second.body["messages"][-2]["tool_calls"][0]["id"],
        "content": "5",
    }
    final = ip.outputs()[0]["text/markdown"]
    assert "🔧 `add(a=2, b=3)` → `5`" in final and "add returned 5" in final


def test_parallel_tool_calls_and_max_steps(ip, emu) -> None:
    ip.ok(
        "def weather(city: str) -> str:\n"
        '    """The weather in a city."""\n'
        "    return f'sunny in {city}'\n"
    )
    ip.ok("%%grok --tools weather --max-steps 2\n"
          "Call weather for 'Paris' and 'Oslo', each separately.")
    final = ip.outputs()[0]["text/markdown"]
    assert "sunny in Paris" in final and "sunny in Oslo" in final
    assert len(responses_requests(emu)) == 2  # tools, then the answer: within the limit
    assert "tool_choice" not in last_body(emu)
    assert "step limit" not in final


def test_config_defaults_apply_and_persist(ip, emu) -> None:
    ip.ok('%config GrokMagics.model = "grok-3-mini"')
    ip.ok("%config GrokMagics.default_format = 'text'")
    ip.ok('%%grok\nSay "configured"')
    assert last_body(emu)["model"] == "grok-3-mini"
    assert set(ip.outputs()[0]) == {"text/plain"}
    ip.ok("%reload_ext grok_jupyter")
    ip.ok('%%grok\nSay "still configured"')
    assert last_body(emu)["model"] == "grok-3-mini"
    ip.ok('%%grok -m grok-4\nSay "overridden"')
    assert last_body(emu)["model"] == "grok-4"


def test_config_rejects_bad_values(ip) -> None:
    ip.run("%config GrokMagics.default_format = 'pdf'")
    assert ip.magics.default_format == "markdown"


def test_reasoning_is_shown_collapsed_above_the_answer(ip, emu) -> None:
    # Today's models return their reasoning text only on the Responses API (xai-api-2026.md
    # §2.5, §4.1): chat completions bill it but send none.
    ip.ok("%%grok -m grok-4.3 --reasoning-effort high\nWrite 20 words about rivers.")
    assert emu.requests[-1].path == RESPONSES  # the default API
    final = ip.outputs()[-1]["text/markdown"]
    assert "<details><summary>Reasoning" in final


def test_terminal_ipython_streams_to_stdout(ip, capsys) -> None:
    ip.magics.output = "stdout"
    # The default API, where today's models send reasoning text.
    ip.ok('%%grok -m grok-4.3 --reasoning-effort high\nSay "in the terminal"')
    out = capsys.readouterr().out
    assert "[reasoning] " in out and "in the terminal" in out and "-- grok-4.3" in out
    assert ip.outputs() == []  # no rich display at all


@pytest.mark.parametrize("interval", [0.05])
def test_display_updates_are_bounded_by_time_not_tokens(ip, emu, interval) -> None:
    import time

    ip.magics.throttle_interval = interval
    started = time.perf_counter()
    ip.ok("%%grok --max-tokens 8000\nWrite 4700 words about the sea.")
    elapsed = time.perf_counter() - started
    record = json.loads(json.dumps(ip.outputs()[0]))  # the saved notebook's one output
    assert record["text/markdown"].count(" ") >= 4699
    from grok_jupyter.client import get_ledger

    tokens = get_ledger().records[-1].completion_tokens
    assert tokens >= 5000
    # At most one update per interval, plus the first show, status changes and the final one.
    assert len(ip.pub.events) <= elapsed / interval + 5
