"""Transport failures in a table map (issue 21): typed per row, and never paid twice.

A body with a broken compressed encoding used to escape as an untyped
``httpx2.DecodingError``; a row whose connection broke after the server did the
work was sent again by the map's retries (6 billed for 5 rows). With
``on_error="keep"`` each is now recorded on its row with its typed error, and
the emulator's bill shows each row paid once.
"""

from __future__ import annotations

from grok_jupyter.client import GrokClient
from grok_jupyter.table import map_rows
from tests.conftest import TEST_API_KEY


def test_a_broken_encoding_is_recorded_on_its_row(emu, ledger):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, ledger=ledger) as c:
        emu.inject("bad_encoding")
        out = map_rows(
            [{"n": i} for i in range(4)], "Count {n}", client=c, concurrency=1,
            on_error="keep", progress=False, cache=False,
        )  # fmt: skip
    errors = [r["_error"] for r in out]
    assert "ResponseBodyInterruptedError" in errors[0] and "could not be decoded" in errors[0]
    assert errors[1:] == [None, None, None]
    assert out.report.failed == 1 and out.report.done == 3
    assert len(emu.chat_requests) == 4  # the answered-but-unreadable row is not sent again


def test_a_row_lost_after_the_work_is_paid_once(emu, ledger):
    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu.base_url, ledger=ledger, retry_backoff=0.01
    ) as c:
        emu.inject("reset_after_work")
        out = map_rows(
            [{"n": i} for i in range(5)], "Count {n}", client=c, concurrency=1,
            on_error="keep", progress=False, cache=False,
        )  # fmt: skip
    assert "AnswerLostError" in out[0]["_error"] and "billed" in out[0]["_error"]
    assert [r["_error"] for r in out[1:]] == [None] * 4
    assert emu.billed["calls"] == 5 and len(emu.chat_requests) == 5
