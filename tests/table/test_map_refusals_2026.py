"""Refused before anything is sent (issues 20 and 22): a batch for a model that takes no
batches, and a template that reads object internals."""

from __future__ import annotations

import pandas as pd
import pytest

from grok_jupyter import map_rows
from grok_jupyter.client import InvalidRequestError, ModelNotBatchableError


def test_a_batch_map_for_a_model_that_takes_no_batches_is_refused(client, emu):
    df = pd.DataFrame({"review": ["Great", "Bad"]})
    with pytest.raises(ModelNotBatchableError, match="does not take Batch API requests") as err:
        map_rows(df, "Sentiment: {review}", client=client, model="grok-4.6", mode="batch",
                 cache=False, progress=False)
    assert "grok-4.3" in str(err.value)  # names a model that does
    assert emu.requests == []


class Box:
    def __init__(self, text: str) -> None:
        self.text = text


def test_a_template_reading_object_internals_is_refused(client, emu):
    df = pd.DataFrame({"obj": [Box("a"), Box("b")]})
    with pytest.raises(InvalidRequestError, match="__init__"):
        map_rows(df, "{obj.__init__.__globals__}", client=client, cache=False, progress=False)
    assert emu.requests == []
    done = map_rows(df, "Say {obj.text}", client=client, cache=False, progress=False)
    assert len(done) == 2 and "_error" not in done.columns  # every row answered
