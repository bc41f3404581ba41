"""Side-by-side speed figures for grok-jupyter: ``python -m benchmarks`` (or ``./run bench``).

Writes ``benchmarks/RESULTS.md``: medians over interleaved repetitions, each
figure a ratio to a baseline measured in the same run. Modules, one per group:
``streaming`` (chunks/s), ``latency`` (sequential small requests),
``concurrency`` (async, many requests), ``imports`` (fresh-process import and
``%load_ext``), ``notebook`` (magic and panel display cost), ``turn_overhead``
(the magic's own time per turn, against the code before issue 19), ``memory`` (peak
RSS on a long stream), ``emulator`` (its streaming rate). Client figures are
measured against ``_sse_server`` (pre-encoded responses, its own process).
"""
