"""Smoke test of `bench.processes --broadcast` at a tiny size: not a measurement, a proof that
the benchmark still drives two real bot processes against one rate-limiting stand-in, and that
the broadcast goes out once, from the leader, with nothing lost and no 429."""

from __future__ import annotations

import pytest

from bench.processes import _broadcast_run


@pytest.mark.slow
async def test_broadcast_by_two_processes_smoke(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes of one bot need PostgreSQL")
    result = await _broadcast_run(
        database_url, processes=2, recipients=60, blocked=3, interactive=2, every=0.5
    )
    assert result["sent"] == 57
    assert (result["lost"], result["duplicated"], result["errors"]) == (0, 0, 0)
    assert result["floods"] == 0  # the two processes share the bot's limit
    assert (result["claimers"], result["by_leader"]) == (1, 60)
    assert result["unanswered"] == 0
