"""The openai SDK asks a follow-up about an attached file, chained with
``previous_response_id`` and with the history resent: the emulator answers from the
file both ways, as the README says Grok does (issue 23, item 5)."""

from __future__ import annotations

REPORT = "Q3 revenue rose 12% to $4.1M, led by the kettle line.\nQ4 is forecast flat.\n"


def _upload(client) -> str:
    return client.files.create(file=("report.txt", REPORT.encode(), "text/plain"),
                               purpose="assistants").id  # fmt: skip


def _first_turn(file_id: str) -> list[dict]:
    return [{"role": "user", "content": [
        {"type": "input_text", "text": "Here is the quarterly report."},
        {"type": "input_file", "file_id": file_id},
    ]}]  # fmt: skip


def _searched(response) -> bool:
    return any(item.type == "file_search_call" for item in response.output)


def test_a_chained_follow_up_is_answered_from_the_file(client):
    file_id = _upload(client)
    first = client.responses.create(model="grok-4.3", input=_first_turn(file_id))
    follow = client.responses.create(
        model="grok-4.3", input="What does the report say about Q3?",
        previous_response_id=first.id,
    )  # fmt: skip
    assert "Q3 revenue rose 12% to $4.1M" in follow.output_text
    assert "You said" not in follow.output_text and _searched(follow)


def test_a_resent_history_follow_up_is_answered_from_the_file(client):
    file_id = _upload(client)
    first = client.responses.create(model="grok-4.3", input=_first_turn(file_id))
    history = [*_first_turn(file_id), {"role": "assistant", "content": first.output_text}]
    follow = client.responses.create(
        model="grok-4.3",
        input=[*history, {"role": "user", "content": "What does the report say about Q3?"}],
    )
    assert "Q3 revenue rose 12% to $4.1M" in follow.output_text and _searched(follow)


def test_a_streamed_chained_follow_up_is_answered_from_the_file(client):
    file_id = _upload(client)
    first = client.responses.create(model="grok-4.3", input=_first_turn(file_id))
    with client.responses.stream(
        model="grok-4.3", input="What does the report say about Q3?",
        previous_response_id=first.id,
    ) as stream:  # fmt: skip
        final = stream.get_final_response()
    assert "Q3 revenue rose 12% to $4.1M" in final.output_text and _searched(final)
