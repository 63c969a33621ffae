"""Smoke test of bench/broadcast.py at a tiny size: not a measurement, a proof that the
benchmark still drives the current broadcaster and that nothing is lost under flood control."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.broadcast import report_table, run_benchmark
from bench.common import fresh_database


@pytest.fixture
def sqlite_url() -> Iterator[str]:
    # Synchronous: Alembic runs its own event loop, which cannot nest in the test's.
    with fresh_database("sqlite") as url:
        yield url


async def test_broadcast_benchmark_smoke(sqlite_url: str) -> None:
    report = await run_benchmark(sqlite_url, "sqlite", recipients=60, blocked=3)
    assert not report.failed, (report.refused, report.errors)
    assert (report.lost, report.duplicated) == (0, 0)
    assert report.states == {"sent": 57, "unreachable": 3}
    assert report.answers[403] == 3
    assert 0 < report.seconds < 30
    assert "sqlite" in report_table([report])
