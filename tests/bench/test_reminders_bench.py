"""Smoke test of bench/reminders.py: the benchmark's main coroutine at a tiny size.

Not a measurement: it proves the benchmark still runs against the current scheduler, storage and
messenger, and that its burst goes out completely under the stand-in's flood control.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.common import fresh_database
from bench.reminders import EVERYTHING, PRODUCTION, Options, report_table, run_benchmark
from bot.scheduler import HORIZON

PENDING = 2_000
BURST = 30


@pytest.fixture
def sqlite_url() -> Iterator[str]:
    # Synchronous: Alembic runs its own event loop, which cannot nest in the test's.
    with fresh_database("sqlite") as url:
        yield url


async def test_reminders_benchmark_smoke(sqlite_url: str) -> None:
    options = Options(pending=PENDING, burst=BURST, window=2.0, lead=1.0, wait=15.0)

    report = await run_benchmark(sqlite_url, "sqlite", options)

    production, everything = report.startups
    assert (production.label, everything.label) == (PRODUCTION, EVERYTHING)
    assert production.horizon == HORIZON
    # Rows are spread over a year: the hour-long horizon arms only the first few of them.
    assert 0 < production.timers < PENDING // 100
    assert everything.timers == PENDING
    assert production.traced_peak_mb >= 0  # the cheap traced pass ran

    burst = report.burst
    assert burst.finished_in_time
    assert burst.losses == 0
    assert burst.sent == BURST
    assert burst.delivery.count == BURST
    assert burst.other_fires == 0
    assert burst.refused == []
    assert burst.start.timers >= BURST
    assert burst.delivery.max < options.window + 10
    assert not report.failed

    table = report_table(report)
    assert "| sqlite | |" in table
    assert f"{BURST} / {BURST}" in table
    assert "start-up, horizon" in table
