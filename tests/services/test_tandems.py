"""Tandems after approval as use cases: the introduction, a partner's view and concern, and the
coordinators' list, card, settling and dissolving."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services import tandems
from services.errors import Refused, Stale
from services.tandems import MAX_NOTE
from storage import meetings
from storage.db import Database
from storage.models import AuditEntry, Tandem
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, run, seed_pair

COORDINATING = {"coordinator": True}


async def actions(db: Database) -> list[str]:
    async with db.session() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


async def test_a_partner_sees_their_introduced_tandem_or_when_it_comes(db: Database) -> None:
    pair = await seed_pair(db)
    mine = await run(db, pair.mentee, tandems.mine)
    assert [(s.me.user_id, s.partner.user_id) for s in mine.shown] == [(pair.mentee, pair.mentor)]
    later = await seed_pair(db, base=3000, introduced=False)
    async with db.session() as session:
        tandem = await session.get(Tandem, later.tandem_id)
        assert tandem is not None
        tandem.intro_due_at = NOW + dt.timedelta(days=1)
    waiting = await run(db, later.mentor, tandems.mine)
    assert waiting.shown == [] and waiting.waiting is not None
    assert waiting.program is not None and waiting.program.id == later.program_id
    nothing = await run(db, 4242, tandems.mine)
    assert nothing == tandems.Mine([])


async def test_a_concern_reaches_the_programs_coordinators(db: Database) -> None:
    pair = await seed_pair(db)
    with pytest.raises(Stale):
        await run(db, 4242, lambda uow: tandems.pressed_own(uow, pair.tandem_id))
    assert await run(db, 4242, lambda uow: tandems.raise_concern(uow, pair.tandem_id, "x")) is None
    empty = await run(db, pair.mentee, lambda uow: tandems.raise_concern(uow, pair.tandem_id, " "))
    assert empty is not None and empty.key == "error.empty"
    long = "x" * (MAX_NOTE + 1)
    too_long = await run(
        db, pair.mentee, lambda uow: tandems.raise_concern(uow, pair.tandem_id, long)
    )
    assert too_long is not None and too_long.key == "error.too_long"
    assert "concern" not in await actions(db)
    sent = await run(
        db,
        pair.mentee,
        lambda uow: tandems.raise_concern(uow, pair.tandem_id, "  we never  meet "),
    )
    assert sent is not None and sent.key is None and sent.note == "we never meet"
    assert [c for c, _ in sent.coordinators] == [COORDINATOR]
    assert sent.side.partner.user_id == pair.mentor
    assert "concern" in await actions(db)


async def test_coordinators_reach_only_their_programs_tandems(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_program(db, NOW, name="Braunschweig")
    foreign = {"coordinator": True, "scope": frozenset({other})}
    with pytest.raises(Refused):
        await run(db, pair.mentor, tandems.tandem_programs)
    with pytest.raises(Refused):
        await run(db, pair.mentor, lambda uow: tandems.card(uow, pair.tandem_id))
    for use in (
        lambda uow: tandems.listing(uow, pair.program_id),
        lambda uow: tandems.card(uow, pair.tandem_id),
        lambda uow: tandems.to_dissolve(uow, pair.tandem_id),
    ):
        with pytest.raises(Stale):
            await run(db, COORDINATOR, use, **foreign)
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: tandems.card(uow, 2**31 - 1), **COORDINATING)
    assert (
        await run(
            db, COORDINATOR, lambda uow: tandems.dissolve(uow, pair.tandem_id, "why"), **foreign
        )
        is None
    )
    found = await run(
        db, COORDINATOR, lambda uow: tandems.listing(uow, pair.program_id), **COORDINATING
    )
    assert [t.id for t in found.tandems] == [pair.tandem_id]
    assert [t.id for t in found.unconfirmed] == [pair.tandem_id]  # nobody agreed yet


async def test_dissolving_ends_the_tandem_once_and_tells_introduced_partners(db: Database) -> None:
    pair = await seed_pair(db)
    assert tandems.reason_ok("  ") is None and tandems.reason_ok("/cancel") is None
    assert tandems.reason_ok("x" * (MAX_NOTE + 1)) is None
    reason = tandems.reason_ok(" moved  away ")
    assert reason == "moved away"
    tandem = await run(
        db, COORDINATOR, lambda uow: tandems.to_dissolve(uow, pair.tandem_id), **COORDINATING
    )
    assert tandem.id == pair.tandem_id
    done = await run(
        db, COORDINATOR, lambda uow: tandems.dissolve(uow, pair.tandem_id, reason), **COORDINATING
    )
    assert done is not None and {s.me.user_id for s in done.told} == {pair.mentor, pair.mentee}
    assert done.tandem.dissolve_reason == "moved away"
    again = await run(
        db, COORDINATOR, lambda uow: tandems.dissolve(uow, pair.tandem_id, reason), **COORDINATING
    )
    assert again is None
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: tandems.to_dissolve(uow, pair.tandem_id), **COORDINATING
        )
    assert (await actions(db)).count("tandem_dissolved") == 1
    hidden = await seed_pair(db, base=3000, introduced=False)
    quiet = await run(
        db, COORDINATOR, lambda uow: tandems.dissolve(uow, hidden.tandem_id, "x"), **COORDINATING
    )
    assert quiet is not None and quiet.told == []  # they never learned of each other


async def test_a_coordinator_counts_a_recorded_meeting_once(db: Database) -> None:
    pair = await seed_pair(db)
    async with db.session() as session:
        meeting = await meetings.log_past(
            session,
            tandem_id=pair.tandem_id,
            starts_at=NOW - dt.timedelta(days=1),
            ends_at=NOW - dt.timedelta(days=1, hours=-1),
            day=(NOW - dt.timedelta(days=1)).date(),
            by=pair.mentee,
            now=NOW,
        )
        assert meeting is not None
        meeting_id = meeting.id
    card = await run(db, COORDINATOR, lambda uow: tandems.card(uow, pair.tandem_id), **COORDINATING)
    assert [m.id for m in card.pending] == [meeting_id] and card.held == 0
    other = await seed_program(db, NOW, name="Braunschweig")
    with pytest.raises(Stale):
        await run(
            db,
            COORDINATOR,
            lambda uow: tandems.settle_meeting(uow, meeting_id),
            coordinator=True,
            scope=frozenset({other}),
        )
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: tandems.settle_meeting(uow, 2**31 - 1), **COORDINATING
        )
    settled = await run(
        db, COORDINATOR, lambda uow: tandems.settle_meeting(uow, meeting_id), **COORDINATING
    )
    assert settled.counted and settled.card is not None
    assert settled.card.pending == [] and settled.card.held == 1
    twice = await run(
        db, COORDINATOR, lambda uow: tandems.settle_meeting(uow, meeting_id), **COORDINATING
    )
    assert not twice.counted
    assert (await actions(db)).count("meeting_settled") == 1


async def test_an_introduction_is_claimed_once(db: Database) -> None:
    pair = await seed_pair(db, introduced=False)
    async with db.session() as session:
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None
        tandem.intro_due_at = NOW - dt.timedelta(minutes=1)
    assert await run(db, 0, tandems.due_introductions) == [pair.tandem_id]
    claimed = await run(db, 0, lambda uow: tandems.claim_introduction(uow, pair.tandem_id))
    assert claimed is not None and claimed.program is not None
    assert [s.me.user_id for s in claimed.sides] == [pair.mentor, pair.mentee]
    assert [c for c, _ in claimed.coordinators] == [COORDINATOR]
    assert await run(db, 0, lambda uow: tandems.claim_introduction(uow, pair.tandem_id)) is None
    assert await run(db, 0, tandems.due_introductions) == []
