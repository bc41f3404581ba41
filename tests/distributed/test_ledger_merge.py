"""A ledger adds up across processes: records carry an id, ``merge`` takes each once."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

from grok_jupyter.client import GrokClient, UsageLedger, UsageRecord
from tests.conftest import TEST_API_KEY
from tests.distributed.conftest import ledger_ticks

_WORKER = r"""
import json, sys
from grok_jupyter.client import GrokClient, UsageLedger
ledger = UsageLedger()
client = GrokClient(base_url=sys.argv[1], ledger=ledger)
for i in range(3):
    client.chat(f"worker question {i}")
print(json.dumps([r.as_dict() for r in ledger.records]))
"""


def test_records_from_another_process_merge_once_and_match_the_bill(emulator_process):
    emulator_process.reset()
    env = {**os.environ, "XAI_API_KEY": TEST_API_KEY}
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, emulator_process.base_url],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    shipped = json.loads(done.stdout.strip().splitlines()[-1])
    driver = UsageLedger()
    client = GrokClient(api_key=TEST_API_KEY, base_url=emulator_process.base_url, ledger=driver)
    client.chat("driver question")
    assert driver.merge(shipped) == 3
    assert driver.merge(shipped) == 0  # the same records again (a retried task): no change
    assert driver.merge([UsageRecord.from_dict(d) for d in shipped]) == 0
    assert len(driver) == 4 and driver.total().calls == 4
    billed = emulator_process.billed()
    assert billed["calls"] == 4
    assert ledger_ticks(driver) == billed["ticks"] > 0


def test_record_ids_are_unique_and_survive_pickling():
    ledger = UsageLedger()
    a = ledger.record(model="grok-4.3", prompt_tokens=5, cost_usd=0.001)
    b = ledger.record(model="grok-4.3", prompt_tokens=5, cost_usd=0.001)
    assert a.record_id != b.record_id  # same figures, two calls: both count
    copies = pickle.loads(pickle.dumps(ledger.records))
    assert [r.record_id for r in copies] == [a.record_id, b.record_id]
    assert ledger.merge(copies) == 0
    other = UsageLedger()
    assert other.merge(copies) == 2 and other.total().cost_usd == 0.002
    other.clear()
    assert other.merge(copies) == 2  # cleared means forgotten, ids included


def test_from_dict_ignores_keys_it_does_not_know():
    data = UsageRecord(model="grok-4.3", tool_call_counts={"web_search_calls": 1}).as_dict()
    data["a_field_from_a_newer_version"] = 1
    record = UsageRecord.from_dict(data)
    assert record.tool_call_counts == {"web_search_calls": 1}
    assert record.record_id == data["record_id"]


def test_the_emulator_bills_each_answer_once_as_the_ledger_counts_it(emu):
    ledger = UsageLedger()
    client = GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, ledger=ledger)
    client.chat("plain")
    client.stream("streamed").final()
    client.wait_deferred(client.submit_deferred("deferred"), poll_interval=0.01)
    billed = emu.billed
    assert billed["calls"] == 3 == len(ledger.records)
    assert ledger_ticks(ledger) == billed["ticks"]
    emu.reset()
    assert emu.billed == {"ticks": 0, "calls": 0}
