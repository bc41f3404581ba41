"""What stops a map before it spends: a refused key, and options that cannot work."""

from __future__ import annotations

import pytest

from grok_jupyter import map_rows
from grok_jupyter.client import GrokClient, UsageLedger
from grok_jupyter.emulator import serve
from grok_jupyter.table.errors import MapAuthError, MapInputError, MapRowError

from .conftest import TEMPLATE

GOOD_KEY = "xai-the-only-good-key-000"
BAD_KEY = "xai-a-revoked-key-1234567"


@pytest.fixture(scope="module")
def strict():
    with serve(api_keys=[GOOD_KEY], quiet=True) as handle:
        yield handle


@pytest.mark.parametrize("on_error", ["keep", "raise"])
def test_a_refused_key_stops_the_map_at_the_first_refusal(strict, on_error):
    strict.reset()
    client = GrokClient(api_key=BAD_KEY, base_url=strict, ledger=UsageLedger())
    rows = [{"n": i} for i in range(300)]
    with pytest.raises(MapAuthError) as err:
        map_rows(rows, "Count {n}", client=client, cache=False, on_error=on_error,
                 progress=False)  # fmt: skip
    # Only what had started before the first refusal came back was sent, not 300.
    assert len(strict.chat_requests) <= 4
    message = str(err.value)
    assert "XAI_API_KEY" in message and "AuthenticationError" in message
    assert BAD_KEY not in message and BAD_KEY[4:] not in message
    assert isinstance(err.value, MapRowError)  # an except MapRowError still catches it
    table = err.value.result
    errors = [r["_error"] for r in table]
    assert errors.count("not done: the API refused the key (see XAI_API_KEY)") >= 296
    assert all(e is not None for e in errors)


def test_the_same_map_with_the_right_key_runs(strict):
    strict.reset()
    client = GrokClient(api_key=GOOD_KEY, base_url=strict, ledger=UsageLedger())
    out = map_rows(["a", "b"], "Echo {text}", client=client, cache=False, progress=False)
    assert out.report.done == 2


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("concurrency", 0, "concurrency must be a whole number of at least 1"),
        ("concurrency", -3, "concurrency must be a whole number of at least 1"),
        ("concurrency", 2.5, "concurrency must be a whole number of at least 1"),
        ("poll_interval", -1, "poll_interval must be a number of seconds, 0 or more"),
        ("poll_interval", float("nan"), "poll_interval must be a number of seconds"),
        ("resume", ".", "resume must be a batch id such as 'batch_"),
        ("resume", "..", "resume must be a batch id"),
        ("resume", "batch_1/../../v1/models", "resume must be a batch id"),
        ("resume", "abc/def", "resume must be a batch id"),
        ("resume", "", "resume must be a batch id"),
        ("resume", "file_123", "resume must be a batch id"),
    ],
)
def test_bad_options_are_refused_before_any_request(emu, gclient, df, option, value, says):
    with pytest.raises(MapInputError, match=says.replace("(", r"\(").replace(".", r"\.")):
        map_rows(df, TEMPLATE, client=gclient, progress=False, **{option: value})
    assert emu.requests == []


def test_dask_and_ray_refuse_bad_options_on_the_driver(emu, gclient):
    import dask.dataframe as dd
    import pandas as pd

    from grok_jupyter.ray import GrokMapper

    ddf = dd.from_pandas(pd.DataFrame({"review": ["a", "b"]}), npartitions=1)
    with pytest.raises(MapInputError, match="concurrency"):
        map_rows(ddf, TEMPLATE, client=gclient, concurrency=0, progress=False)
    with pytest.raises(MapInputError, match="poll_interval"):
        map_rows(ddf, TEMPLATE, client=gclient, poll_interval=-5, progress=False)
    with pytest.raises(MapInputError, match="concurrency"):
        GrokMapper(TEMPLATE, client=gclient, concurrency=0)
    assert emu.requests == []
