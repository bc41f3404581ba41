"""``client.responses`` over ``httpx2.MockTransport`` fed with api.x.ai recordings.

The streams below are the reference's real recordings (xai-api-2026.md §2.5:
VER-R ``xai-x-search-tool.chunks.txt``, 2025-12-01, and
``xai-text-with-reasoning-streaming-store-false.1.chunks.txt``, 2025-11-22),
shortened: most text deltas and annotations are cut, every key kept as recorded.
"""

from __future__ import annotations

import json

import httpx2 as httpx
import pytest

from grok_jupyter.client import (
    AsyncGrokClient,
    BadRequestError,
    FunctionCallInput,
    FunctionCallOutput,
    GrokClient,
    InputFile,
    InputImage,
    InputMessage,
    InputText,
    InternalServerError,
    NotFoundError,
    Response,
    ResponseEvent,
    StreamInterruptedError,
    UsageLedger,
    web_search,
    x_search,
)
from grok_jupyter.client._responses_events import (
    DeltaEvent,
    OutputItemEvent,
    ResponseLifecycleEvent,
    ToolCallProgressEvent,
)

KEY = "xai-responses-unit-key-Wq71"
RID = "b7b464ea-cc85-d44a-0f2f-1f7320e703c3"

X_SEARCH_STREAM = """\
{"sequence_number":0,"type":"response.created","response":{"created_at":1764611504,"id":"b7b464ea-cc85-d44a-0f2f-1f7320e703c3","max_output_tokens":null,"model":"grok-4-fast-reasoning","object":"response","output":[],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[{"type":"x_search","allowed_x_handles":["xai","elonmusk"],"enable_image_understanding":true,"enable_video_understanding":true}],"top_p":null,"user":null,"incomplete_details":null,"status":"in_progress","store":true,"metadata":{}}}
{"sequence_number":1,"type":"response.in_progress","response":{"created_at":1764611504,"id":"b7b464ea-cc85-d44a-0f2f-1f7320e703c3","max_output_tokens":null,"model":"grok-4-fast-reasoning","object":"response","output":[],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[{"type":"x_search","allowed_x_handles":["xai","elonmusk"],"enable_image_understanding":true,"enable_video_understanding":true}],"top_p":null,"user":null,"incomplete_details":null,"status":"in_progress","store":true,"metadata":{}}}
{"sequence_number":2,"type":"response.output_item.added","item":{"call_id":"xs_call_24148162","input":"","name":"x_keyword_search","type":"custom_tool_call","id":"ctc_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_xs_call_24148162","status":"in_progress"},"output_index":0}
{"sequence_number":3,"type":"response.custom_tool_call_input.delta","item_id":"ctc_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_xs_call_24148162","output_index":0,"delta":"{\\"query\\":\\"from:xai filter:media\\",\\"limit\\":20,\\"mode\\":\\"Latest\\"}"}
{"sequence_number":4,"type":"response.custom_tool_call_input.done","item_id":"ctc_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_xs_call_24148162","output_index":0,"input":"{\\"query\\":\\"from:xai filter:media\\",\\"limit\\":20,\\"mode\\":\\"Latest\\"}"}
{"sequence_number":5,"type":"response.output_item.done","item":{"call_id":"xs_call_24148162","input":"{\\"query\\":\\"from:xai filter:media\\",\\"limit\\":20,\\"mode\\":\\"Latest\\"}","name":"x_keyword_search","type":"custom_tool_call","id":"ctc_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_xs_call_24148162","status":"completed"},"output_index":0}
{"sequence_number":9,"type":"response.output_item.added","item":{"id":"ws_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_call_55360208","type":"web_search_call","status":"in_progress","action":{"type":"search","query":"","sources":[]}},"output_index":2}
{"sequence_number":10,"type":"response.web_search_call.in_progress","item_id":"ws_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_call_55360208","output_index":2}
{"sequence_number":11,"type":"response.web_search_call.searching","item_id":"ws_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_call_55360208","output_index":2}
{"sequence_number":25,"type":"response.web_search_call.completed","item_id":"ws_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_call_55360208","output_index":2}
{"sequence_number":26,"type":"response.output_item.done","item":{"id":"ws_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_call_55360208","type":"web_search_call","status":"completed","action":{"type":"search","query":"","sources":[]}},"output_index":2}
{"sequence_number":30,"type":"response.output_item.added","item":{"content":[],"id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","role":"assistant","type":"message","status":"in_progress"},"output_index":6}
{"sequence_number":31,"type":"response.content_part.added","content_index":0,"item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"part":{"type":"output_text","text":"","logprobs":[],"annotations":[]}}
{"sequence_number":32,"type":"response.output_text.delta","content_index":0,"delta":"###","item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"logprobs":[]}
{"sequence_number":33,"type":"response.output_text.delta","content_index":0,"delta":" Latest","item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"logprobs":[]}
{"sequence_number":34,"type":"response.output_text.delta","content_index":0,"delta":" Videos","item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"logprobs":[]}
{"sequence_number":1750,"type":"response.output_text.annotation.added","item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"content_index":0,"annotation_index":0,"annotation":{"type":"url_citation","url":"https://x.com/i/status/1990530503129391571"}}
{"sequence_number":1751,"type":"response.output_text.annotation.added","item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"content_index":0,"annotation_index":1,"annotation":{"type":"url_citation","url":"https://x.com/i/status/1991284822820720732"}}
{"sequence_number":1752,"type":"response.output_text.annotation.added","item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"content_index":0,"annotation_index":2,"annotation":{"type":"url_citation","url":"https://x.com/i/status/1990530503129391571"}}
{"sequence_number":1753,"type":"response.output_text.done","content_index":0,"item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"text":"### Latest Videos"}
{"sequence_number":1754,"type":"response.content_part.done","content_index":0,"item_id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","output_index":6,"part":{"type":"output_text","text":"### Latest Videos","logprobs":[],"annotations":[{"type":"url_citation","url":"https://x.com/i/status/1990530503129391571"},{"type":"url_citation","url":"https://x.com/i/status/1991284822820720732"}]}}
{"sequence_number":1755,"type":"response.output_item.done","item":{"content":[{"type":"output_text","text":"### Latest Videos","logprobs":[],"annotations":[{"type":"url_citation","url":"https://x.com/i/status/1990530503129391571"},{"type":"url_citation","url":"https://x.com/i/status/1991284822820720732"}]}],"id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","role":"assistant","type":"message","status":"completed"},"output_index":6}
{"sequence_number":1756,"type":"response.completed","response":{"created_at":1764611504,"id":"b7b464ea-cc85-d44a-0f2f-1f7320e703c3","max_output_tokens":null,"model":"grok-4-fast-reasoning","object":"response","output":[{"call_id":"xs_call_24148162","input":"{\\"query\\":\\"from:xai filter:media\\",\\"limit\\":20,\\"mode\\":\\"Latest\\"}","name":"x_keyword_search","type":"custom_tool_call","id":"ctc_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_xs_call_24148162","status":"completed"},{"id":"ws_b7b464ea-cc85-d44a-0f2f-1f7320e703c3_call_55360208","type":"web_search_call","status":"completed","action":{"type":"search","query":"","sources":[]}},{"content":[{"type":"output_text","text":"### Latest Videos","logprobs":[],"annotations":[{"type":"url_citation","url":"https://x.com/i/status/1990530503129391571"},{"type":"url_citation","url":"https://x.com/i/status/1991284822820720732"}]}],"id":"msg_b7b464ea-cc85-d44a-0f2f-1f7320e703c3","role":"assistant","type":"message","status":"completed"}],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[{"type":"x_search","allowed_x_handles":["xai","elonmusk"],"enable_image_understanding":true,"enable_video_understanding":true}],"top_p":null,"usage":{"input_tokens":27236,"input_tokens_details":{"cached_tokens":4585},"output_tokens":3077,"output_tokens_details":{"reasoning_tokens":1091},"total_tokens":30313,"num_sources_used":0,"num_server_side_tools_used":6,"server_side_tool_usage_details":{"web_search_calls":0,"x_search_calls":1,"code_interpreter_calls":0,"file_search_calls":0,"mcp_calls":0,"document_search_calls":0}},"user":null,"incomplete_details":null,"status":"completed","store":true,"metadata":{}}}
"""  # noqa: E501

REASONING_STREAM = """\
{"sequence_number":0,"type":"response.created","response":{"created_at":1763860285,"id":"0b824fe9-3250-2588-0bbf-0810402fc822","max_output_tokens":null,"model":"grok-code-fast-1","object":"response","output":[],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":null,"user":null,"incomplete_details":null,"status":"in_progress","store":false,"metadata":{}}}
{"sequence_number":2,"type":"response.output_item.added","item":{"id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","summary":[],"type":"reasoning","status":"in_progress"},"output_index":0}
{"sequence_number":3,"type":"response.reasoning_summary_part.added","item_id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":0,"part":{"text":"","type":"summary_text"},"summary_index":0}
{"sequence_number":4,"type":"response.reasoning_summary_text.delta","delta":"First","item_id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":0,"summary_index":0}
{"sequence_number":5,"type":"response.reasoning_summary_text.delta","delta":",","item_id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":0,"summary_index":0}
{"sequence_number":6,"type":"response.reasoning_summary_text.delta","delta":" the","item_id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":0,"summary_index":0}
{"sequence_number":68,"type":"response.reasoning_summary_text.done","item_id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":0,"summary_index":0,"text":"First, the"}
{"sequence_number":71,"type":"response.output_item.added","item":{"content":[],"id":"msg_0b824fe9-3250-2588-0bbf-0810402fc822","role":"assistant","type":"message","status":"in_progress"},"output_index":1}
{"sequence_number":72,"type":"response.output_text.delta","content_index":0,"delta":"Sonoran","item_id":"msg_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":1,"logprobs":[]}
{"sequence_number":73,"type":"response.output_text.delta","content_index":0,"delta":" food","item_id":"msg_0b824fe9-3250-2588-0bbf-0810402fc822","output_index":1,"logprobs":[]}
{"sequence_number":74,"type":"response.completed","response":{"created_at":1763860285,"id":"0b824fe9-3250-2588-0bbf-0810402fc822","model":"grok-code-fast-1","object":"response","output":[{"id":"rs_0b824fe9-3250-2588-0bbf-0810402fc822","summary":[{"text":"First, the","type":"summary_text"}],"type":"reasoning","status":"completed"},{"content":[{"type":"output_text","text":"Sonoran food","logprobs":[],"annotations":[]}],"id":"msg_0b824fe9-3250-2588-0bbf-0810402fc822","role":"assistant","type":"message","status":"completed"}],"usage":{"input_tokens":216,"input_tokens_details":{"cached_tokens":192},"output_tokens":863,"output_tokens_details":{"reasoning_tokens":237},"total_tokens":1079,"num_sources_used":0,"num_server_side_tools_used":0},"status":"completed","store":false,"metadata":{}}}
"""  # noqa: E501

# §2.3, the real non-streamed web-search body (xai-web-search-tool.1.json), text shortened.
WEB_SEARCH_BODY = """\
{"created_at":1762189566,"id":"25de2f84-163c-6e9e-e42e-cd1dbd6f9ed0","max_output_tokens":null,"model":"grok-4-fast-reasoning","object":"response","output":[{"arguments":"{\\"query\\":\\"what is xAI\\",\\"num_results\\":5}","call_id":"","name":"web_search","type":"web_search_call","id":"fc_25de2f84-163c-6e9e-e42e-cd1dbd6f9ed0_0","status":"completed"},{"content":[{"type":"output_text","text":"xAI is an American artificial intelligence company","logprobs":[],"annotations":[{"type":"url_citation","url":"https://x.ai/company"},{"type":"url_citation","url":"https://en.wikipedia.org/wiki/XAI_%28company%29"}]}],"id":"msg_25de2f84-163c-6e9e-e42e-cd1dbd6f9ed0","role":"assistant","type":"message","status":"completed"}],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[{"type":"web_search","search_context_size":"medium"}],"top_p":null,"usage":{"input_tokens":1941,"input_tokens_details":{"cached_tokens":947},"output_tokens":583,"output_tokens_details":{"reasoning_tokens":380},"total_tokens":2524,"num_sources_used":0,"num_server_side_tools_used":1},"user":null,"incomplete_details":null,"status":"completed","store":true,"metadata":{}}
"""  # noqa: E501


def sse(lines: str, *, event_lines: bool = False, done: bool = False) -> bytes:
    """The recording framed as SSE; optionally with ``event:`` lines and a ``[DONE]``."""
    out = []
    for line in lines.strip().splitlines():
        head = f"event: {json.loads(line)['type']}\n" if event_lines else ""
        out.append(f"{head}data: {line}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


class Server:
    """A MockTransport handler answering from a queue; it records every request."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)  # functions making a fresh httpx2.Response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        make = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return make()

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests if r.content]


def stream_answer(body: bytes):
    return lambda: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def json_answer(body: str, status: int = 200):
    return lambda: httpx.Response(
        status, headers={"content-type": "application/json"}, content=body
    )


def make(server: Server, **kw) -> GrokClient:
    kw.setdefault("ledger", UsageLedger())
    http = httpx.Client(transport=httpx.MockTransport(server))
    return GrokClient(
        api_key=KEY, base_url="https://api.x.ai/v1", http_client=http, retry_backoff=0.001, **kw
    )


# --- create / retrieve / delete --------------------------------------------------


def test_create_parses_the_recorded_web_search_body_into_a_typed_response():
    server = Server(json_answer(WEB_SEARCH_BODY))
    client = make(server)
    r = client.responses.create("what is xAI?", model="grok-4.3", tools=[web_search()])
    assert isinstance(r, Response)
    assert r.id == "25de2f84-163c-6e9e-e42e-cd1dbd6f9ed0" and r.status == "completed"
    assert r.output_text.startswith("xAI is an American")
    [call] = r.server_tool_calls
    assert (call.type, call.name, call.status) == ("web_search_call", "web_search", "completed")
    assert [c.url for c in r.citations] == [
        "https://x.ai/company",
        "https://en.wikipedia.org/wiki/XAI_%28company%29",
    ]
    assert [c.index for c in r.citations] == [1, 2]
    u = r.usage
    assert (u.input_tokens, u.cached_tokens, u.output_tokens, u.reasoning_tokens) == (
        1941, 947, 583, 380,
    )  # fmt: skip
    assert u.num_server_side_tools_used == 1 and u.cost_in_usd_ticks is None
    [req] = server.requests
    assert (req.method, req.url.path) == ("POST", "/v1/responses")
    assert server.bodies[0] == {
        "model": "grok-4.3", "input": "what is xAI?", "tools": [{"type": "web_search"}],
    }  # fmt: skip


def test_every_request_field_goes_out_key_for_key():
    server = Server(json_answer(WEB_SEARCH_BODY))
    client = make(server)
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    client.responses.create(
        [
            InputMessage(role="system", content="Be brief."),
            InputMessage(
                role="user",
                content=[
                    InputText(text="What is in these?"),
                    InputImage(image_url="https://example.com/a.png", detail="low"),
                    InputFile(file_id="file_123"),
                    {"type": "input_file", "file_url": "https://example.com/doc.pdf"},
                ],
            ),
            FunctionCallInput(call_id="call_1", name="weather", arguments='{"city":"Paris"}'),
            FunctionCallOutput(call_id="call_1", output="sunny"),
            {"role": "assistant", "content": "ok", "id": "msg_x"},
        ],
        model="grok-4.3",
        instructions="You are terse.",
        tools=[{"type": "function", "name": "weather", "parameters": {"type": "object"}}],
        tool_choice={"type": "function", "name": "weather"},
        previous_response_id="prev-1",
        store=False,
        include=["reasoning.encrypted_content"],
        max_output_tokens=300,
        reasoning_effort="high",
        text={"format": {"type": "json_schema", "name": "a", "schema": schema, "strict": True}},
        prompt_cache_key="conv-7",
        service_tier="priority",
    )
    body = server.bodies[0]
    assert body["input"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "input_text", "text": "What is in these?"},
            {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "low"},
            {"type": "input_file", "file_id": "file_123"},
            {"type": "input_file", "file_url": "https://example.com/doc.pdf"},
        ]},
        {"type": "function_call", "call_id": "call_1", "name": "weather",
         "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
        {"role": "assistant", "content": "ok", "id": "msg_x"},
    ]  # fmt: skip
    assert body["reasoning"] == {"effort": "high"} and "reasoning_effort" not in body
    assert body["text"]["format"]["type"] == "json_schema"
    for key, value in {
        "instructions": "You are terse.", "tool_choice": {"type": "function", "name": "weather"},
        "previous_response_id": "prev-1", "store": False,
        "include": ["reasoning.encrypted_content"], "max_output_tokens": 300,
        "prompt_cache_key": "conv-7", "service_tier": "priority",
    }.items():  # fmt: skip
        assert body[key] == value


def test_reasoning_as_a_dict_is_sent_as_is_and_effort_merges_into_it():
    server = Server(json_answer(WEB_SEARCH_BODY))
    client = make(server)
    client.responses.create("hi", model="grok-4.3", reasoning={"effort": "low", "summary": "auto"})
    client.responses.create("hi", model="grok-4.3", reasoning={"summary": "auto"},
                            reasoning_effort="none")  # fmt: skip
    assert [b["reasoning"] for b in server.bodies] == [
        {"effort": "low", "summary": "auto"},
        {"summary": "auto", "effort": "none"},
    ]


def test_a_client_with_responses_still_pickles():
    import pickle

    clone = pickle.loads(pickle.dumps(make(Server(json_answer(WEB_SEARCH_BODY)))))
    assert type(clone.responses).__name__ == "Responses"


def test_retrieve_and_delete_use_the_stored_response_routes():
    server = Server(json_answer(WEB_SEARCH_BODY), json_answer('{"id":"r1","deleted":true}'))
    client = make(server)
    got = client.responses.retrieve("25de2f84-163c-6e9e-e42e-cd1dbd6f9ed0")
    assert got.output_text.startswith("xAI")
    deleted = client.responses.delete("r1")
    assert deleted.deleted is True
    assert [(r.method, r.url.path) for r in server.requests] == [
        ("GET", "/v1/responses/25de2f84-163c-6e9e-e42e-cd1dbd6f9ed0"),
        ("DELETE", "/v1/responses/r1"),
    ]
    assert len(client.ledger) == 0  # only generating calls are billed


def test_errors_are_typed_and_a_503_is_retried_with_the_same_body():
    body = '{"code":"Client specified an invalid argument","error":"bad input"}'
    client = make(Server(json_answer(body, 400)))
    with pytest.raises(BadRequestError, match="bad input"):
        client.responses.create("hi", model="grok-4.3")
    missing = '{"code":"Some requested entity was not found","error":"no such response"}'
    with pytest.raises(NotFoundError):
        make(Server(json_answer(missing, 404))).responses.retrieve("gone")
    server = Server(json_answer('{"error":"busy"}', 503), json_answer(WEB_SEARCH_BODY))
    assert make(server).responses.create("hi", model="grok-4.3").status == "completed"
    assert len(server.requests) == 2 and server.bodies[0] == server.bodies[1]


# --- streaming ------------------------------------------------------------------


def test_stream_of_the_x_search_recording_yields_typed_events_and_adds_them_up():
    server = Server(stream_answer(sse(X_SEARCH_STREAM)))
    client = make(server)
    tools = [x_search(allowed_x_handles=["xai", "elonmusk"], enable_video_understanding=True)]
    seen_status = []
    with client.responses.stream("latest from xai", model="grok-4.3", tools=tools) as stream:
        events = []
        for event in stream:
            events.append(event)
            if isinstance(event, ToolCallProgressEvent):
                seen_status.append(stream.accumulator.server_tool_calls[event.item_id].status)
    assert server.bodies[0]["stream"] is True
    assert all(isinstance(e, ResponseEvent) for e in events)
    assert isinstance(events[0], ResponseLifecycleEvent) and events[0].type == "response.created"
    assert isinstance(events[2], OutputItemEvent)
    assert sum(isinstance(e, DeltaEvent) for e in events) == 4  # 1 tool input + 3 text
    assert seen_status == ["in_progress", "searching", "completed"]
    acc = stream.accumulator
    assert acc.text == "### Latest Videos"
    calls = list(acc.server_tool_calls.values())
    assert [(c.type, c.name, c.status) for c in calls] == [
        ("custom_tool_call", "x_keyword_search", "completed"),
        ("web_search_call", None, "completed"),
    ]
    assert json.loads(calls[0].input)["query"] == "from:xai filter:media"
    assert [c.url for c in acc.citations] == [
        "https://x.com/i/status/1990530503129391571",
        "https://x.com/i/status/1991284822820720732",
    ]  # the repeated citation is numbered once
    assert len(acc.annotations) == 3
    assert acc.usage.num_server_side_tools_used == 6
    final = stream.final()
    assert final.id == RID and final.output_text == acc.text
    assert [c.url for c in final.citations] == [c.url for c in acc.citations]


def test_stream_reasoning_and_the_final_response_of_the_recording():
    client = make(Server(stream_answer(sse(REASONING_STREAM))))
    stream = client.responses.stream("Sonoran food?", model="grok-4.3")
    final = stream.final()
    assert stream.accumulator.reasoning == "First, the"
    assert stream.accumulator.text == "Sonoran food" == final.output_text
    assert final.reasoning_text == "First, the" and final.usage.total_tokens == 1079


def test_stream_tolerates_event_lines_and_a_trailing_done():
    body = sse(REASONING_STREAM, event_lines=True, done=True)
    client = make(Server(stream_answer(body)))
    with client.responses.stream("hi", model="grok-4.3") as stream:
        assert stream.final().output_text == "Sonoran food"


FUNCTION_CALL_STREAM = [
    {"type": "response.created", "sequence_number": 0,
     "response": {"id": "r-fc", "model": "grok-4.3", "status": "in_progress", "output": []}},
    {"type": "response.output_item.added", "sequence_number": 1, "output_index": 0,
     "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "weather",
              "arguments": "", "status": "in_progress"}},
    {"type": "response.function_call_arguments.delta", "sequence_number": 2, "item_id": "fc_1",
     "output_index": 0, "delta": '{"city":"Paris"}'},
    {"type": "response.function_call_arguments.done", "sequence_number": 3, "item_id": "fc_1",
     "output_index": 0, "arguments": '{"city":"Paris"}'},
    {"type": "response.completed", "sequence_number": 4,
     "response": {"id": "r-fc", "model": "grok-4.3", "status": "completed",
                  "output": [{"type": "function_call", "id": "fc_1", "call_id": "call_1",
                              "name": "weather", "arguments": '{"city":"Paris"}'}],
                  "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}}},
]  # fmt: skip


def _lines(events: list[dict]) -> str:
    return "\n".join(json.dumps(e) for e in events)


def test_stream_accumulates_function_call_arguments():
    client = make(Server(stream_answer(sse(_lines(FUNCTION_CALL_STREAM)))))
    stream = client.responses.stream(
        "weather?", model="grok-4.3", tools=[{"type": "function", "name": "weather"}]
    )
    final = stream.final()
    [call] = stream.accumulator.function_calls.values()
    assert (call.call_id, call.name, call.arguments) == ("call_1", "weather", '{"city":"Paris"}')
    assert final.function_calls[0].arguments == '{"city":"Paris"}'


class _BreakingBody(httpx.SyncByteStream):
    def __init__(self, head: bytes) -> None:
        self.head = head

    def __iter__(self):
        yield self.head
        raise httpx.ReadError("connection reset by peer")


def test_a_stream_broken_after_its_first_event_is_not_retried():
    head = sse(REASONING_STREAM).split(b"\n\n")
    partial = b"\n\n".join(head[:5]) + b"\n\n"
    server = Server(
        lambda: httpx.Response(200, headers={"content-type": "text/event-stream"},
                               stream=_BreakingBody(partial)),
        stream_answer(sse(REASONING_STREAM)),
    )  # fmt: skip
    client = make(server)
    stream = client.responses.stream("hi", model="grok-4.3")
    with pytest.raises(StreamInterruptedError) as info:
        stream.final()
    assert info.value.partial.reasoning == "First,"
    assert len(server.requests) == 1
    assert len(client.ledger) == 1  # the partial call is still recorded once


def test_a_failed_response_event_becomes_a_typed_error():
    events = [
        FUNCTION_CALL_STREAM[0],
        {"type": "response.failed", "sequence_number": 1,
         "response": {"id": "r-f", "model": "grok-4.3", "status": "failed", "output": [],
                      "error": {"code": "server_error", "message": "Internal server error"}}},
    ]  # fmt: skip
    client = make(Server(stream_answer(sse(_lines(events)))))
    with pytest.raises(InternalServerError, match="Internal server error"):
        client.responses.stream("hi", model="grok-4.3").final()


def test_the_key_never_shows_in_stream_reprs_or_errors():
    client = make(Server(stream_answer(sse(REASONING_STREAM))))
    stream = client.responses.stream("hi", model="grok-4.3")
    stream.final()
    assert KEY not in repr(stream) + repr(stream.accumulator) + repr(client)


# --- async -------------------------------------------------------------------------


async def test_async_client_has_responses_create_stream_retrieve_delete():
    server = Server(json_answer(WEB_SEARCH_BODY))
    ledger = UsageLedger()
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    async with AsyncGrokClient(
        api_key=KEY, base_url="https://api.x.ai/v1", http_client=http, ledger=ledger
    ) as client:
        r = await client.responses.create("what is xAI?", model="grok-4.3")
        assert r.output_text.startswith("xAI")
        assert (await client.responses.retrieve(r.id)).id == r.id
        server.answers = [stream_answer(sse(X_SEARCH_STREAM))]
        async with client.responses.stream("x", model="grok-4.3") as stream:
            kinds = [e.type async for e in stream]
        assert kinds[-1] == "response.completed"
        assert stream.accumulator.text == "### Latest Videos"
        assert (await stream.final()).id == RID
        server.answers = [json_answer('{"id":"r1","deleted":true}')]
        assert (await client.responses.delete("r1")).deleted
    assert len(ledger) == 2
    assert [r.method for r in server.requests] == ["POST", "GET", "POST", "DELETE"]
