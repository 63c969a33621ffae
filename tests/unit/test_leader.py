"""Notifications from followers to the leader stay within PostgreSQL's payload limit."""

from __future__ import annotations

from bot.leader import MAX_PAYLOAD, chunks


def test_ids_are_split_into_payloads_within_the_limit() -> None:
    ids = list(range(1_000_000, 1_005_000))
    payloads = chunks("r", ids)
    assert len(payloads) > 1
    assert all(len(p.encode()) <= MAX_PAYLOAD and p.startswith("r:") for p in payloads)
    assert [int(i) for p in payloads for i in p[2:].split(",")] == ids


def test_few_ids_one_payload() -> None:
    assert chunks("r", [7, 8, 9]) == ["r:7,8,9"]
    assert chunks("r", []) == []
