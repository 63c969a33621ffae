"""Meetings of tandems, the partners' feedback, the mentoring agreement and nudges.

Status changes are conditional UPDATEs: two partners pressing "accept" and "cancel" at the same
moment end in one consistent state, and the loser is told the meeting changed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.matching import ACTIVE
from storage.models import Meeting, MeetingFeedback, Participant, Tandem


class Status(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    SUPERSEDED = "superseded"  # a partner proposed another time instead
    CANCELLED = "cancelled"
    LOGGED = "logged"  # happened outside the bot, reported afterwards via /feedback


class Outcome(StrEnum):
    HELD = "held"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


OPEN = (Status.PROPOSED.value, Status.CONFIRMED.value)


def _with_tandem() -> Any:
    return (
        selectinload(Meeting.tandem).selectinload(Tandem.mentor).selectinload(Participant.user),
        selectinload(Meeting.tandem).selectinload(Tandem.mentee).selectinload(Participant.user),
    )


async def get(session: AsyncSession, meeting_id: int) -> Meeting | None:
    query = select(Meeting).where(Meeting.id == meeting_id).options(*_with_tandem())
    return (await session.scalars(query)).first()


async def propose(
    session: AsyncSession,
    *,
    tandem_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    online: bool,
    place: str | None,
    link: str | None,
    proposed_by: int,
    now: dt.datetime,
    replaces: int | None = None,
) -> Meeting:
    """A new proposal replaces the tandem's other open proposals: only one answer is pending."""
    await session.execute(
        update(Meeting)
        .where(Meeting.tandem_id == tandem_id, Meeting.status == Status.PROPOSED.value)
        .values(status=Status.SUPERSEDED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    meeting = Meeting(
        tandem_id=tandem_id,
        status=Status.PROPOSED.value,
        starts_at=starts_at,
        ends_at=ends_at,
        online=online,
        place=place,
        link=link,
        proposed_by=proposed_by,
        replaces_id=replaces,
        version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def _transition(
    session: AsyncSession,
    meeting: Meeting,
    from_status: tuple[str, ...],
    values: dict[str, Any],
) -> bool:
    result = await session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting.id,
            Meeting.status.in_(from_status),
            Meeting.version == meeting.version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(meeting)
    return bool(getattr(result, "rowcount", 0))


async def confirm(session: AsyncSession, meeting: Meeting, now: dt.datetime) -> bool:
    return await _transition(
        session,
        meeting,
        (Status.PROPOSED.value,),
        {"status": Status.CONFIRMED.value, "confirmed_at": now, "updated_at": now},
    )


async def decline(session: AsyncSession, meeting: Meeting, now: dt.datetime) -> bool:
    return await _transition(
        session,
        meeting,
        (Status.PROPOSED.value,),
        {"status": Status.DECLINED.value, "updated_at": now},
    )


async def cancel(session: AsyncSession, meeting: Meeting, by: int, now: dt.datetime) -> bool:
    return await _transition(
        session,
        meeting,
        OPEN,
        {
            "status": Status.CANCELLED.value,
            "cancelled_at": now,
            "cancelled_by": by,
            "updated_at": now,
        },
    )


async def move(
    session: AsyncSession,
    meeting: Meeting,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """A confirmed meeting at a new time: a new version, so old reminders are recognisable."""
    return await _transition(
        session,
        meeting,
        (Status.CONFIRMED.value,),
        {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "version": meeting.version + 1,
            "outcome": None,
            "updated_at": now,
        },
    )


async def log_past(
    session: AsyncSession,
    *,
    tandem_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by: int,
    now: dt.datetime,
) -> Meeting:
    meeting = Meeting(
        tandem_id=tandem_id,
        status=Status.LOGGED.value,
        starts_at=starts_at,
        ends_at=ends_at,
        online=False,
        proposed_by=by,
        version=0,
        outcome=Outcome.HELD.value,
        created_at=now,
        updated_at=now,
        confirmed_at=now,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def upcoming(session: AsyncSession, tandem_id: int, now: dt.datetime) -> list[Meeting]:
    """Open meetings not over yet, soonest first."""
    query = (
        select(Meeting)
        .where(Meeting.tandem_id == tandem_id, Meeting.status.in_(OPEN), Meeting.ends_at > now)
        .order_by(Meeting.starts_at)
        .options(*_with_tandem())
    )
    return list((await session.scalars(query)).all())


async def recent_past(
    session: AsyncSession, tandem_id: int, now: dt.datetime, limit: int = 5
) -> list[Meeting]:
    """Meetings that should have happened (for /feedback), newest first."""
    query = (
        select(Meeting)
        .where(
            Meeting.tandem_id == tandem_id,
            Meeting.status.in_((Status.CONFIRMED.value, Status.LOGGED.value)),
            Meeting.starts_at <= now,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


def _met() -> Any:
    """Meetings that count as held: confirmed and begun, unless someone said they were not."""
    return and_(
        Meeting.status.in_((Status.CONFIRMED.value, Status.LOGGED.value)),
        or_(Meeting.outcome.is_(None), Meeting.outcome == Outcome.HELD.value),
    )


async def last_met(
    session: AsyncSession, tandem_ids: list[int], now: dt.datetime
) -> dict[int, dt.datetime]:
    if not tandem_ids:
        return {}
    rows = await session.execute(
        select(Meeting.tandem_id, func.max(Meeting.starts_at))
        .where(Meeting.tandem_id.in_(tandem_ids), _met(), Meeting.starts_at <= now)
        .group_by(Meeting.tandem_id)
    )
    return {tandem_id: when for tandem_id, when in rows.tuples() if when is not None}


async def with_upcoming(session: AsyncSession, tandem_ids: list[int], now: dt.datetime) -> set[int]:
    if not tandem_ids:
        return set()
    rows = await session.scalars(
        select(Meeting.tandem_id)
        .where(Meeting.tandem_id.in_(tandem_ids), Meeting.status.in_(OPEN), Meeting.ends_at > now)
        .distinct()
    )
    return set(rows.all())


async def held_before(session: AsyncSession, meeting: Meeting) -> int:
    """How many meetings of the tandem were held before this one (0: this is the first)."""
    found = await session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(
            Meeting.tandem_id == meeting.tandem_id,
            Meeting.outcome == Outcome.HELD.value,
            Meeting.starts_at < meeting.starts_at,
            Meeting.id != meeting.id,
        )
    )
    return int(found or 0)


async def feedback_of(
    session: AsyncSession, meeting_id: int, participant_id: int
) -> MeetingFeedback | None:
    found: MeetingFeedback | None = await session.scalar(
        select(MeetingFeedback).where(
            MeetingFeedback.meeting_id == meeting_id,
            MeetingFeedback.participant_id == participant_id,
        )
    )
    return found


async def feedback_row(
    session: AsyncSession, meeting_id: int, participant_id: int, now: dt.datetime
) -> MeetingFeedback:
    row = await feedback_of(session, meeting_id, participant_id)
    if row is None:
        row = MeetingFeedback(meeting_id=meeting_id, participant_id=participant_id, created_at=now)
        session.add(row)
        await session.flush()
    return row


async def record_outcome(session: AsyncSession, meeting: Meeting, outcome: Outcome) -> None:
    """Held wins: if either partner says the meeting happened, it counts as held."""
    if meeting.outcome == Outcome.HELD.value:
        return
    if meeting.outcome is None or outcome is Outcome.HELD:
        meeting.outcome = outcome.value
        await session.flush()


# --- the mentoring agreement and nudges -------------------------------------------------------


async def agree(session: AsyncSession, tandem: Tandem, user_id: int, now: dt.datetime) -> bool:
    """Record this partner's confirmation once; False if it was already recorded."""
    column = (
        Tandem.mentor_agreed_at if tandem.mentor.user_id == user_id else Tandem.mentee_agreed_at
    )
    result = await session.execute(
        update(Tandem)
        .where(Tandem.id == tandem.id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    await session.refresh(tandem)
    return bool(getattr(result, "rowcount", 0))


async def reset_nudges(session: AsyncSession, tandem_id: int) -> None:
    await session.execute(
        update(Tandem)
        .where(Tandem.id == tandem_id)
        .values(nudges=0, at_risk_reported_at=None)
        .execution_options(synchronize_session=False)
    )


async def count_nudge(session: AsyncSession, tandem: Tandem, now: dt.datetime) -> bool:
    """One nudge per round even if two sweeps race: only the one that moves the count wins."""
    result = await session.execute(
        update(Tandem)
        .where(Tandem.id == tandem.id, Tandem.nudges == tandem.nudges)
        .values(nudges=tandem.nudges + 1, last_nudged_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_at_risk(session: AsyncSession, tandem_id: int, now: dt.datetime) -> bool:
    result = await session.execute(
        update(Tandem)
        .where(Tandem.id == tandem_id, Tandem.at_risk_reported_at.is_(None))
        .values(at_risk_reported_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def introduced_active(session: AsyncSession) -> list[Tandem]:
    query = (
        select(Tandem)
        .where(Tandem.status == ACTIVE, Tandem.introduced_at.is_not(None))
        .order_by(Tandem.id)
        .options(
            selectinload(Tandem.mentor).selectinload(Participant.user),
            selectinload(Tandem.mentee).selectinload(Participant.user),
        )
    )
    return list((await session.scalars(query)).all())


async def summary(
    session: AsyncSession, tandem_id: int, now: dt.datetime
) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    """(meetings held, the last one, the next confirmed one) for the coordinators' card."""
    held = await session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.tandem_id == tandem_id, _met(), Meeting.starts_at <= now)
    )
    last = (await last_met(session, [tandem_id], now)).get(tandem_id)
    upcoming_start = await session.scalar(
        select(func.min(Meeting.starts_at)).where(
            Meeting.tandem_id == tandem_id,
            Meeting.status == Status.CONFIRMED.value,
            Meeting.starts_at > now,
        )
    )
    return int(held or 0), last, upcoming_start
