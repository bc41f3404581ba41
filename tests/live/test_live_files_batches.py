"""Opt-in: the Files and Batch APIs against api.x.ai (``pytest -m live``).

These check the [U] parts of the emulator's Files/Batch shapes (xai-api-2026.md §5, §6)
against the real service: ids, paging keys, derived batch status, results paging.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.live


def test_a_text_file_round_trips_and_answers_a_question(live):
    marker = f"The vault code is {uuid.uuid4().hex[:8]}."
    uploaded = live.files.upload(marker.encode(), filename="live-note.txt")
    try:
        assert uploaded.id and uploaded.filename == "live-note.txt"
        assert live.files.retrieve(uploaded.id).bytes == len(marker.encode())
        assert live.files.content(uploaded.id) == marker.encode()
        assert any(f.id == uploaded.id for f in live.files.iter())
        answer = live.responses.create(
            model="grok-4.3",
            input=[{"role": "user", "content": [
                {"type": "input_text", "text": "What is the vault code? Reply with it only."},
                {"type": "input_file", "file_id": uploaded.id},
            ]}],
            max_output_tokens=200,
        )
        assert marker.split()[-1].rstrip(".") in answer.output_text
    finally:
        assert live.files.delete(uploaded.id).deleted


def test_a_batch_takes_requests_and_can_be_cancelled(live):
    batch = live.batches.create(f"grok-jupyter-live-{uuid.uuid4().hex[:6]}")
    live.batches.add_requests(batch.id, [
        live.batches.chat_request("req-1", "Say hi.", model="grok-4.3", max_tokens=16),
    ])
    got = live.batches.get(batch.id)
    assert got.state.num_requests == 1
    assert got.status in ("in_progress", "completed")
    cancelled = live.batches.cancel(batch.id)
    assert cancelled.cancel_time is not None or cancelled.status == "completed"
    assert any(b.id == batch.id for b in live.batches.list(limit=100).batches)
