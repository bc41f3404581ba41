"""map_rows against the emulator over HTTP: input kinds, schemas, errors, budget, Ctrl-C."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time

import pytest

from grok_jupyter import map_rows
from grok_jupyter.client import (
    AsyncGrokClient,
    ContextWindowExceededError,
    GrokClient,
    InvalidRequestError,
    UsageLedger,
)
from grok_jupyter.table.errors import MapBudgetError, MapInputError, MapRowError
from tests.conftest import TEST_API_KEY

from .conftest import REVIEWS, TEMPLATE, Sentiment, chat_bodies


def test_dataframe_with_a_pydantic_schema_gets_one_column_per_field(emu, gclient, ledger, df):
    out = map_rows(df, TEMPLATE, schema=Sentiment, client=gclient, progress=False)
    assert list(out.columns) == ["review", "stars", "label", "score", "_cost_usd"]
    assert list(out.index) == list("abcde")
    assert list(out["review"]) == REVIEWS
    assert set(out["label"]) <= {"positive", "negative", "neutral"}
    assert all(isinstance(s, float) for s in out["score"])
    assert (out["_cost_usd"] > 0).all()
    bodies = chat_bodies(emu)
    assert len(bodies) == 5
    prompts = sorted(b["messages"][-1]["content"] for b in bodies)
    assert prompts == sorted(TEMPLATE.format(review=r) for r in REVIEWS)
    fmt = bodies[0]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"]["properties"].keys() == {"label", "score"}
    # every request is in the caller's ledger, and the column adds up to it
    assert len(ledger) == 5 and {r.source for r in ledger.records} == {"map"}
    assert out["_cost_usd"].sum() == pytest.approx(ledger.total().cost_usd)
    report = out.attrs["grok_map"]
    assert (report.rows, report.done, report.requests, report.failed) == (5, 5, 5, 0)


def test_json_schema_dict_and_no_schema(emu, gclient, df):
    schema = {
        "type": "object",
        "properties": {"topic": {"type": "string"}, "urgent": {"type": "boolean"}},
        "required": ["topic", "urgent"],
    }
    out = map_rows(df, "Triage: {review}", schema=schema, client=gclient, progress=False)
    assert {"topic", "urgent"} <= set(out.columns)
    assert all(isinstance(v, bool) for v in out["urgent"])
    plain = map_rows(df, "Summarise: {review} ({stars} stars)", client=gclient, progress=False)
    assert "answer" in plain.columns and "_error" not in plain.columns
    # the emulator quotes the prompt: each answer belongs to its own row
    for review, stars, answer in zip(plain["review"], plain["stars"], plain["answer"], strict=True):
        assert f"Summarise: {review} ({stars} stars)" in answer


def test_series_strings_and_dicts(emu, gclient):
    import pandas as pd

    series = pd.Series(["red", "blue"], name="colour", index=[10, 20])
    out = map_rows(series, "Name a fruit that is {colour} ({text})", client=gclient, progress=False)
    assert list(out.columns) == ["colour", "answer", "_cost_usd"]
    assert list(out.index) == [10, 20]
    assert "Name a fruit that is red (red)" in out.loc[10, "answer"]

    rows = map_rows(["one", "two"], "Spell {text}", client=gclient, progress=False)
    assert [r["text"] for r in rows] == ["one", "two"]
    assert "Spell two" in rows[1]["answer"]
    assert rows.report.done == 2

    dicts = map_rows(iter([{"a": 1}, {"a": 2}]), "Double {a}", client=gclient, progress=False)
    assert [d["a"] for d in dicts] == [1, 2] and "Double 2" in dicts[1]["answer"]


def test_a_repeated_row_is_sent_once_and_charged_once(emu, gclient):
    rows = map_rows(["same", "same", "other"], "Echo {text}", client=gclient, progress=False)
    assert len(emu.chat_requests) == 2
    assert rows[0]["answer"] == rows[1]["answer"]
    assert rows[0]["_cost_usd"] > 0 and rows[1]["_cost_usd"] == 0


@pytest.mark.parametrize(
    ("data", "template", "schema", "says"),
    [
        ("df", "Label {reviw}", None, "{reviw} is not a column"),
        ("df", "Label {review}", Sentiment(label="positive", score=1), "pydantic model class"),
        ("df", "Label {review}", "Sentiment", "pydantic model class"),
        ("df", "Label {review}", {"type": "string"}, "object with properties"),
        ("empty", "Label {review}", None, "table is empty"),
        ([], "Label {review}", None, "table is empty"),
        ([{"review": "x"}, 3], "Label {review}", None, "row 1 is a int"),
        ("one row", "Label {text}", None, "Wrap a single row in a list"),
        ("df", "Label {", None, "not a valid format string"),
        ("df", "", None, "non-empty string"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    emu, gclient, df, data, template, schema, says
):
    if data == "df":
        data = df
    elif data == "empty":
        data = df.iloc[0:0]
    with pytest.raises(MapInputError, match=None) as info:
        map_rows(data, template, schema=schema, client=gclient, progress=False)
    assert says in str(info.value)
    assert isinstance(info.value, InvalidRequestError) and isinstance(info.value, ValueError)
    assert emu.chat_requests == []


def test_missing_column_names_the_columns(emu, gclient, df):
    with pytest.raises(MapInputError) as info:
        map_rows(df, "Label {text}", client=gclient, progress=False)
    assert "Columns: review, stars" in str(info.value)


def test_bad_options_are_refused(emu, gclient, df):
    for kwargs in (
        {"on_error": "skip"},
        {"mode": "offline"},
        {"concurrency": 0},
        {"budget_usd": -1},
        {"cache": 3},
    ):
        with pytest.raises(MapInputError):
            map_rows(df, TEMPLATE, client=gclient, progress=False, **kwargs)
    with pytest.raises(MapInputError, match="AsyncGrokClient or a GrokClient"):
        map_rows(df, TEMPLATE, client="xai-key", progress=False)
    assert emu.chat_requests == []


def test_a_row_over_the_context_window_fails_alone(emu, gclient):
    long = "word " * 1_200_000  # far over any window
    rows = [{"t": "short one"}, {"t": long}, {"t": "short two"}]
    out = map_rows(rows, "Summarise {t}", client=gclient, on_error="keep", progress=False)
    assert out[0]["_error"] is None and out[2]["_error"] is None
    assert "ContextWindowExceededError" in out[1]["_error"]
    assert "context window" in out[1]["_error"]
    assert out[1]["answer"] is None and out[1]["_cost_usd"] == 0
    assert len(emu.chat_requests) == 2
    emu.reset()
    with pytest.raises(ContextWindowExceededError, match="Row 1"):
        map_rows(rows, "Summarise {t}", client=gclient, cache=False, progress=False)
    assert emu.chat_requests == []  # found while planning: nothing was sent


def test_on_error_raise_keeps_the_done_rows_and_resumes(emu, emu_no_retry):
    client = emu_no_retry
    emu.inject("server_error")  # the first request fails; max_retries=0
    data = [{"n": i} for i in range(4)]
    with pytest.raises(MapRowError) as info:
        map_rows(data, "Count {n}", client=client, concurrency=1, progress=False)
    partial = info.value.result
    assert info.value.row == 0
    assert "InternalServerError" in partial[0]["_error"]
    assert [r["_error"] for r in partial[1:]] == ["not done: stopped at the first failed row"] * 3
    emu.reset()
    out = map_rows(data, "Count {n}", client=client, progress=False)
    assert all("Count" in r["answer"] for r in out)
    assert len(emu.chat_requests) == 4  # the failed row is retried, nothing else was done


def test_on_error_keep_runs_the_rest(emu, emu_no_retry):
    emu.inject("server_error")
    out = map_rows(
        [{"n": i} for i in range(4)],
        "Count {n}",
        client=emu_no_retry,
        concurrency=1,
        on_error="keep",
        progress=False,
    )
    errors = [r["_error"] for r in out]
    assert "InternalServerError" in errors[0] and errors[1:] == [None, None, None]
    assert out.report.failed == 1 and out.report.done == 3


@pytest.fixture
def emu_no_retry(emu, ledger):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0, ledger=ledger) as c:
        yield c


def test_budget_refuses_a_map_whose_estimate_is_over(emu, gclient, df, capsys):
    with pytest.raises(MapBudgetError) as info:
        map_rows(df, TEMPLATE, client=gclient, budget_usd=0.000001)
    assert info.value.estimate_usd > info.value.budget_usd == 0.000001
    assert "budget" in str(info.value) and "5 request(s)" in str(info.value)
    assert emu.chat_requests == []


def test_a_running_map_stops_once_the_budget_is_spent(emu, gclient, ledger):
    # max_tokens=1 makes the estimate tiny; the model's reasoning makes real rows dearer,
    # so the map passes the check and then spends the budget part way through.
    data = [{"n": i} for i in range(12)]
    with pytest.raises(MapBudgetError) as info:
        map_rows(data, "Count {n}", client=gclient, budget_usd=1e-12, max_tokens=1, progress=False)
    budget = info.value.estimate_usd * 1.01
    out = map_rows(
        data,
        "Count {n}",
        client=gclient,
        budget_usd=budget,
        max_tokens=1,
        concurrency=1,
        progress=False,
    )
    report = out.report
    assert report.stopped_by_budget
    assert 0 < report.done < 12
    assert [r["_error"] for r in out].count("not done: budget spent") == 12 - report.done
    assert ledger.total().cost_usd == pytest.approx(report.cost_usd)
    per_row = report.cost_usd / report.done
    assert report.cost_usd <= budget + per_row  # stops within one row of the budget


def test_estimate_is_shown_before_sending(emu, gclient, df, capsys):
    map_rows(df, TEMPLATE, client=gclient)
    err = capsys.readouterr().err
    assert "5 request(s) to grok-4.3" in err and "$" in err
    assert "5/5 rows done" in err
    # the bar: rows done, rows per second, USD so far, time left
    assert "grok map: 100%" in err and "5/5 [" in err and "row/s" in err
    assert "<00:00" in err and ", $0.0" in err


def test_works_where_an_event_loop_is_already_running(emu, gclient, df):
    async def cell():  # what ipykernel's running loop looks like to the cell's code
        return map_rows(df, TEMPLATE, client=gclient, progress=False)

    out = asyncio.run(cell())
    assert out.attrs["grok_map"].done == 5


def test_async_client_and_amap_rows(emu, df):
    from grok_jupyter import amap_rows

    ledger = UsageLedger()
    client = AsyncGrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, ledger=ledger)
    out = map_rows(df, TEMPLATE, client=client, progress=False)
    assert len(ledger) == 5

    async def run():
        return await amap_rows(df, "Again: {review}", client=client, progress=False)

    again = asyncio.run(run())
    assert len(ledger) == 10 and again.attrs["grok_map"].done == 5
    assert list(out.index) == list(again.index)


def _interrupt_when_received(emu, n: int) -> threading.Thread:
    """Ctrl-C (as the kernel delivers it) once the emulator has received ``n`` requests."""

    def watch() -> None:
        while len(emu.chat_requests) < n:
            time.sleep(0.01)
        _thread.interrupt_main()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _stopped_map(emu, gclient, data):
    """A map of ``data`` stopped by Ctrl-C with 3 rows done and 2 requests in flight."""
    emu.inject("slow_first_byte", times=3, delay=0)
    emu.inject("slow_first_byte", times=2, delay=3)
    watcher = _interrupt_when_received(emu, 5)
    out = map_rows(data, "Count {n}", client=gclient, concurrency=2, progress=False)
    watcher.join(5)
    return out


def test_ctrl_c_returns_the_partial_table_and_a_rerun_resumes(emu, gclient, ledger):
    # Two at a time. The first three answers come at once; the 4th and 5th requests are
    # held 3 s by the emulator, and Ctrl-C comes as soon as both have arrived there. So,
    # whatever the machine's speed: 3 rows done, 2 requests in flight at Ctrl-C.
    emu.inject("slow_first_byte", times=3, delay=0)
    emu.inject("slow_first_byte", times=2, delay=3)
    data = [{"n": i} for i in range(10)]
    watcher = _interrupt_when_received(emu, 5)
    out = map_rows(data, "Count {n}", client=gclient, concurrency=2, progress=False)
    watcher.join(5)
    report = out.report
    assert report.interrupted and report.done == 3
    done = [r for r in out if r["_error"] is None]
    assert len(done) == 3 and all("Count" in r["answer"] for r in done)
    assert [r["_error"] for r in out].count("not done: interrupted") == 7
    assert len(emu.chat_requests) == 5
    # The requests in flight at Ctrl-C are billed: the ledger has them, as estimates ("~").
    assert report.in_flight_at_stop == 2 and report.estimated_usd > 0
    assert [r.estimated for r in ledger.records] == [False] * 3 + [True] * 2
    assert "stopped in flight, estimated" in report.describe()
    from grok_jupyter.magic.reports import usage_table

    _, shown = usage_table(ledger)  # what %grok usage shows
    assert "~0." in shown and "requests in flight at Ctrl-C" in shown
    emu.reset()
    again = map_rows(data, "Count {n}", client=gclient, progress=False)
    assert all(r["answer"] for r in again)
    assert again.report.cached >= 3  # the finished rows are not paid again


@pytest.mark.xfail(strict=False, reason=(
    "Issue 21, left open: under load a request stopped in flight at Ctrl-C is sometimes "
    "sent again by the resume (a fresh-clone CI run saw 6 requests for 5 rows)."))
def test_a_rerun_after_ctrl_c_waits_for_the_answers_stopped_in_flight(emu, gclient, ledger):
    data = [{"n": i} for i in range(10)]
    assert _stopped_map(emu, gclient, data).report.in_flight_at_stop == 2
    emu.reset()
    again = map_rows(data, "Count {n}", client=gclient, progress=False)
    assert all(r["answer"] for r in again)
    # The finished rows came from the cache, and so did the two in flight: their answers
    # arrived while the map was shutting down, and the re-run waited for them instead
    # of paying for them again.
    assert len(emu.chat_requests) == 5
    assert again.report.cached == 5
    assert len(ledger) == 10  # one record a billed request, the stopped ones' estimated


def test_cancelling_amap_rows_returns_the_partial_table(emu, gclient, ledger):
    from grok_jupyter import amap_rows

    # One at a time: two answers at once, then the 3rd request is held 3 s by the emulator
    # and the task is cancelled as soon as it has arrived there.
    emu.inject("slow_first_byte", times=2, delay=0)
    emu.inject("slow_first_byte", times=1, delay=3)
    data = [{"n": i} for i in range(8)]

    async def run():
        task = asyncio.ensure_future(
            amap_rows(data, "Count {n}", client=gclient, concurrency=1, progress=False)
        )
        while len(emu.chat_requests) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        return await task

    out = asyncio.run(run())
    assert out.report.interrupted and out.report.done == 2
    assert out.report.in_flight_at_stop == 1
    assert [r["_error"] for r in out].count("not done: interrupted") == 6
    assert [r.estimated for r in ledger.records] == [False, False, True]


def test_a_failing_on_row_callback_does_not_lose_the_map(emu, gclient):
    def on_row(report):
        raise ValueError("my callback is broken")

    with pytest.warns(UserWarning, match="my callback is broken"):
        out = map_rows(
            ["a", "b", "c"], "Echo {text}", client=gclient, on_row=on_row, progress=False
        )
    assert out.report.done == 3 and all(r["answer"] for r in out)
