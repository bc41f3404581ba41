"""The official ``openai`` SDK reads the emulator's logprobs, streamed and not."""

from __future__ import annotations

import openai
import pytest

MESSAGES = [{"role": "user", "content": "Reply with 9 words"}]



def _tokens(logprobs) -> list[str]:
    return [t.token for t in logprobs.content]


def test_completion_logprobs_parse_into_the_sdk_types(client):
    completion = client.chat.completions.create(
        model="grok-4.3", messages=MESSAGES, logprobs=True, top_logprobs=3
    )
    choice = completion.choices[0]
    first = choice.logprobs.content[0]
    assert "".join(_tokens(choice.logprobs)) == choice.message.content
    assert first.token == choice.message.content.split()[0]
    assert first.bytes == list(first.token.encode()) and first.logprob <= 0
    assert len(first.top_logprobs) == 3 and first.top_logprobs[0].token == first.token
    assert max(t.logprob for t in first.top_logprobs) == first.logprob


def test_no_logprobs_unless_asked(client):
    completion = client.chat.completions.create(model="grok-4.3", messages=MESSAGES)
    assert completion.choices[0].logprobs is None


def test_streamed_logprobs_match_the_non_streamed_ones(client):
    full = client.chat.completions.create(
        model="grok-4.3", messages=MESSAGES, logprobs=True, top_logprobs=2
    ).choices[0]
    stream = client.chat.completions.create(
        model="grok-4.3", messages=MESSAGES, logprobs=True, top_logprobs=2, stream=True
    )
    entries = []
    for chunk in stream:
        for choice in chunk.choices:
            if choice.logprobs is not None:
                assert [t.token for t in choice.logprobs.content] == [choice.delta.content]
                entries.extend(choice.logprobs.content)
    assert entries == full.logprobs.content


def test_the_sdk_stream_helper_assembles_logprobs(client):
    with client.chat.completions.stream(
        model="grok-4.3", messages=MESSAGES, logprobs=True, top_logprobs=1
    ) as stream:
        final = stream.get_final_completion()
    choice = final.choices[0]
    assert "".join(_tokens(choice.logprobs)) == choice.message.content
    assert all(len(t.top_logprobs) == 1 for t in choice.logprobs.content)


async def test_async_stream_logprobs(aclient):
    stream = await aclient.chat.completions.create(
        model="grok-4.3", messages=MESSAGES, logprobs=True, stream=True
    )
    text, tokens = "", []
    async for chunk in stream:
        for choice in chunk.choices:
            text += choice.delta.content or ""
            if choice.logprobs is not None:
                tokens.extend(_tokens(choice.logprobs))
    assert tokens and "".join(tokens) == text


@pytest.mark.parametrize(
    ("fields", "says"),
    [({"logprobs": True, "top_logprobs": 9}, "between 0 and 8"),
     ({"top_logprobs": 2}, "requires logprobs")],
)  # fmt: skip
def test_bad_top_logprobs_is_a_bad_request_error(client, fields, says):
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="grok-4.3", messages=MESSAGES, **fields)
    assert err.value.status_code == 400
    # xAI's body is {"code", "error"}; the SDK keeps its "error" text as the body.
    assert says in err.value.body
    assert err.value.response.json()["code"] == "Client specified an invalid argument"
