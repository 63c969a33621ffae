"""What the bot sends on its own, decided as a use case: claimed once, skipped when the world
has moved on, and the nudge sweep planning for quiet tandems."""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy import select

from core.reminders import Kind, Planned, Policy, State, plan_meeting
from services import meetings as meeting_cases
from services import scheduled
from services.meetings import Where
from services.unit import UnitOfWork
from storage import meetings, reminders, users
from storage.db import Database
from storage.models import Reminder
from tests.services.conftest import COORDINATOR, NOW, Pair, dissolve, run, seed_pair, unit

SOON = NOW + dt.timedelta(days=2)
HOUR = dt.timedelta(hours=1)


async def _confirmed_meeting(db: Database, tandem_id: int, proposer: int) -> tuple[int, list[int]]:
    """A confirmed meeting in two days and its reminder rows (ids)."""
    async with unit(db, proposer) as uow:
        meeting = await meetings.propose(
            uow.session,
            tandem_id=tandem_id,
            starts_at=SOON,
            ends_at=SOON + dt.timedelta(hours=1),
            online=False,
            place="Café <b>&</b>",
            link=None,
            proposed_by=proposer,
            now=NOW,
        )
        assert await meetings.confirm(uow.session, meeting, NOW)
        planned = plan_meeting(
            meeting_id=meeting.id,
            version=meeting.version,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            user_ids=(proposer,),
            policy=Policy(),
            now=NOW,
        )
        rows = await reminders.plan(uow.session, planned, now=NOW, meeting_id=meeting.id)
        return meeting.id, [row_id for row_id, _ in rows]


async def _state(db: Database, reminder_id: int) -> str:
    async with db.session() as session:
        row = await session.get(Reminder, reminder_id)
        assert row is not None
        return row.state


async def test_a_meeting_reminder_names_the_partner_and_is_claimed_once(db: Database) -> None:
    pair = await seed_pair(db)
    _, rows = await _confirmed_meeting(db, pair.tandem_id, pair.mentee)
    first = rows[0]  # a day before
    at = SOON - dt.timedelta(days=1)
    claimed = await run(db, 0, lambda uow: scheduled.claim(uow, first), now=at)
    assert claimed is not None and claimed.user_id == pair.mentee
    assert isinstance(claimed.due, scheduled.MeetingSoon)
    assert claimed.due.partner.user_id == pair.mentor
    again = await run(db, 0, lambda uow: scheduled.claim(uow, first), now=at)
    assert again is None


async def test_a_reminder_for_a_moved_meeting_is_skipped_not_sent(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id, rows = await _confirmed_meeting(db, pair.tandem_id, pair.mentee)
    async with unit(db, pair.mentee) as uow:
        meeting = await meetings.get(uow.session, meeting_id)
        assert meeting is not None
        later = SOON + dt.timedelta(days=3)
        moved = await meetings.move(
            uow.session, meeting, starts_at=later, ends_at=later + dt.timedelta(hours=1), now=NOW
        )
        assert moved
    at = SOON - dt.timedelta(days=1)
    claimed = await run(db, 0, lambda uow: scheduled.claim(uow, rows[0]), now=at)
    assert claimed is None
    assert await _state(db, rows[0]) == State.SKIPPED.value


async def test_a_paused_participant_gets_no_nudge(db: Database) -> None:
    pair = await seed_pair(db)
    async with unit(db, pair.mentee) as uow:
        (row,) = await reminders.plan(
            uow.session,
            [Planned(Kind.NUDGE, NOW, pair.mentee, "nudge.test")],
            now=NOW,
            tandem_id=pair.tandem_id,
        )
        user = await users.get(uow.session, pair.mentee)
        assert user is not None
        user.paused_at = NOW
    claimed = await run(db, 0, lambda uow: scheduled.claim(uow, row[0]))
    assert claimed is None
    assert await _state(db, row[0]) == State.SKIPPED.value


async def test_the_sweep_nudges_a_quiet_tandem_then_reports_it_at_risk(db: Database) -> None:
    await seed_pair(db)
    policy = Policy()
    first = NOW + dt.timedelta(days=policy.nudge_after_days + 1)
    async with unit(db, 0, now=first) as uow:
        await scheduled.sweep(uow)
        assert len(uow.planned) == 2  # both partners
    async with unit(db, 0, now=first) as uow:
        await scheduled.sweep(uow)
        assert uow.planned == []  # idempotent within the repeat interval
    second = first + dt.timedelta(days=policy.nudge_repeat_days + 1)
    async with unit(db, 0, now=second) as uow:
        await scheduled.sweep(uow)
    async with db.session() as session:
        kinds = (await session.scalars(select(Reminder.kind).order_by(Reminder.id))).all()
        risk = await session.scalar(select(Reminder).where(Reminder.kind == Kind.AT_RISK.value))
    assert kinds.count(Kind.NUDGE.value) == 4
    assert risk is not None and risk.user_id == COORDINATOR
    claimed = await run(db, 0, lambda uow: scheduled.claim(uow, risk.id), now=second)
    assert claimed is not None and isinstance(claimed.due, scheduled.AtRiskDue)
    assert claimed.due.last_met is None


# --- an open proposal: reminded when unanswered, the proposer told when its time passes ------

IN_A_WEEK = NOW + dt.timedelta(days=7)


async def _proposal(
    db: Database, pair: Pair, start: dt.datetime = IN_A_WEEK
) -> tuple[int, dict[str, int]]:
    """The mentee proposes a meeting (as the dialog's summary button does); its id and the ids
    of its rows by kind."""

    async def case(uow: UnitOfWork) -> tuple[int, list[tuple[int, dt.datetime]]]:
        tandem = await meeting_cases.pressed_tandem(uow, pair.tandem_id)
        where = Where(False, "Café", None)
        made = await meeting_cases.propose(uow, tandem, start, start + HOUR, where, None)
        return made.meeting.id, list(uow.planned)

    meeting_id, armed = await run(db, pair.mentee, case)
    async with db.session() as session:
        rows = (
            await session.scalars(select(Reminder).where(Reminder.meeting_id == meeting_id))
        ).all()
    assert sorted(r.id for r in rows) == sorted(rid for rid, _ in armed)
    return meeting_id, {r.kind.value: r.id for r in rows}


async def test_an_unanswered_proposal_reminds_the_partner_and_tells_the_proposer(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    meeting_id, rows = await _proposal(db, pair)
    async with db.session() as session:
        ask = await session.get(Reminder, rows["proposal_unanswered"])
        expired = await session.get(Reminder, rows["proposal_expired"])
        assert ask is not None and expired is not None
        assert (ask.user_id, ask.due_at) == (pair.mentor, NOW + dt.timedelta(days=2))
        assert (expired.user_id, expired.due_at) == (pair.mentee, IN_A_WEEK)
    at = NOW + dt.timedelta(days=2)
    claimed = await run(
        db, 0, lambda uow: scheduled.claim(uow, rows["proposal_unanswered"]), now=at
    )
    assert claimed is not None and claimed.user_id == pair.mentor
    assert isinstance(claimed.due, scheduled.ProposalDue) and not claimed.due.expired
    assert claimed.due.meeting.id == meeting_id and claimed.due.partner.user_id == pair.mentee
    told = await run(
        db, 0, lambda uow: scheduled.claim(uow, rows["proposal_expired"]), now=IN_A_WEEK
    )
    assert told is not None and told.user_id == pair.mentee
    assert isinstance(told.due, scheduled.ProposalDue) and told.due.expired
    assert told.due.partner.user_id == pair.mentor


async def _claim(uow: UnitOfWork, reminder_id: int) -> scheduled.Claimed | None:
    return await scheduled.claim(uow, reminder_id)


async def test_an_answered_proposal_sends_neither(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id, rows = await _proposal(db, pair)
    await run(db, pair.mentor, lambda uow: meeting_cases.decline(uow, meeting_id, 0))
    for kind in ("proposal_unanswered", "proposal_expired"):
        assert await _state(db, rows[kind]) == State.CANCELLED
        claimed = await run(db, 0, partial(_claim, reminder_id=rows[kind]), now=IN_A_WEEK)
        assert claimed is None


async def test_a_proposal_answered_behind_the_rows_back_is_skipped_when_due(db: Database) -> None:
    """The check when the row comes due, whatever was cancelled before: accepted (by a path that
    left the rows pending), replaced by another proposal, or the tandem dissolved."""
    pair = await seed_pair(db)
    accepted, rows = await _proposal(db, pair)
    async with db.session() as session:
        meeting = await meetings.get(session, accepted)
        assert meeting is not None and await meetings.confirm(session, meeting, NOW)
    at = NOW + dt.timedelta(days=2)
    assert (
        await run(db, 0, lambda uow: scheduled.claim(uow, rows["proposal_unanswered"]), now=at)
        is None
    )
    assert await _state(db, rows["proposal_unanswered"]) == State.SKIPPED

    other = await seed_pair(db, program_id=pair.program_id, base=3000)
    _, first = await _proposal(db, other)
    _, second = await _proposal(db, other, IN_A_WEEK + dt.timedelta(days=1))
    assert await _state(db, first["proposal_unanswered"]) == State.CANCELLED  # replaced
    await dissolve(db, other.tandem_id)
    claimed = await run(
        db, 0, lambda uow: scheduled.claim(uow, second["proposal_unanswered"]), now=at
    )
    assert claimed is None


async def test_a_proposal_for_tomorrow_is_reminded_half_way(db: Database) -> None:
    pair = await seed_pair(db)
    _, rows = await _proposal(db, pair, NOW + dt.timedelta(hours=30))
    async with db.session() as session:
        ask = await session.get(Reminder, rows["proposal_unanswered"])
        assert ask is not None and ask.due_at == NOW + dt.timedelta(hours=15)
