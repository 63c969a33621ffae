"""Meetings of tandems: proposed, confirmed, moved, cancelled, recorded and counted as held.

Status changes are conditional UPDATEs: two partners pressing "accept" and "cancel" at the same
moment end in one consistent state, and the loser is told the meeting changed. A meeting that
began or was said to be held is a fact: the UPDATEs that move or cancel it do not match it, so
no button, however old, can rewrite it. Which meetings count as held is `_met`, the one rule
certificates, reports, the tandem card and the nudges use. The partners' feedback on a meeting
is `storage.meeting_feedback`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.meetings import MeetingStatus, Outcome
from storage.db import added, insert
from storage.models import Meeting, Participant, Tandem

OPEN = (MeetingStatus.PROPOSED.value, MeetingStatus.CONFIRMED.value)


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
        .where(Meeting.tandem_id == tandem_id, Meeting.status == MeetingStatus.PROPOSED.value)
        .values(status=MeetingStatus.SUPERSEDED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    meeting = Meeting(
        tandem_id=tandem_id,
        status=MeetingStatus.PROPOSED.value,
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
    return await added(session, meeting)


def _not_yet_a_fact(now: dt.datetime) -> Any:
    """Not begun and nobody said it was held (`core.meetings.is_fact`, in SQL)."""
    return and_(
        Meeting.starts_at > now,
        or_(Meeting.outcome.is_(None), Meeting.outcome != Outcome.HELD.value),
    )


async def _transition(
    session: AsyncSession,
    meeting: Meeting,
    from_status: tuple[str, ...],
    values: dict[str, Any],
    *conditions: Any,
) -> bool:
    result = await session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting.id,
            Meeting.status.in_(from_status),
            Meeting.version == meeting.version,
            *conditions,
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
        (MeetingStatus.PROPOSED.value,),
        {"status": MeetingStatus.CONFIRMED.value, "confirmed_at": now, "updated_at": now},
        _not_yet_a_fact(now),
    )


async def decline(session: AsyncSession, meeting: Meeting, now: dt.datetime) -> bool:
    return await _transition(
        session,
        meeting,
        (MeetingStatus.PROPOSED.value,),
        {"status": MeetingStatus.DECLINED.value, "updated_at": now},
    )


async def cancel(session: AsyncSession, meeting: Meeting, by: int, now: dt.datetime) -> bool:
    """False also for a meeting that began or was held: a fact is never cancelled."""
    return await _transition(
        session,
        meeting,
        OPEN,
        {
            "status": MeetingStatus.CANCELLED.value,
            "cancelled_at": now,
            "cancelled_by": by,
            "updated_at": now,
        },
        _not_yet_a_fact(now),
    )


async def move(
    session: AsyncSession,
    meeting: Meeting,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """A confirmed meeting at a new time: a new version, so old reminders are recognisable.
    False for a meeting that began or was held: a fact is never moved."""
    return await _transition(
        session,
        meeting,
        (MeetingStatus.CONFIRMED.value,),
        {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "version": meeting.version + 1,
            "updated_at": now,
        },
        _not_yet_a_fact(now),
    )


async def log_past(
    session: AsyncSession,
    *,
    tandem_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    day: dt.date,
    by: int,
    now: dt.datetime,
) -> Meeting | None:
    """A meeting held outside the bot, as its recorder says; it counts once confirmed
    (`verify_logged`). None if the tandem has a recorded meeting on that day already: the
    unique (tandem, day) constraint decides, even between two simultaneous presses."""
    meeting_id = await session.scalar(
        insert(session, Meeting)
        .values(
            tandem_id=tandem_id,
            status=MeetingStatus.LOGGED.value,
            starts_at=starts_at,
            ends_at=ends_at,
            online=False,
            proposed_by=by,
            version=0,
            outcome=Outcome.HELD.value,
            logged_on=day,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tandem_id", "logged_on"])
        .returning(Meeting.id)
    )
    return None if meeting_id is None else await get(session, meeting_id)


def awaiting_verification(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.LOGGED and meeting.confirmed_at is None


async def verify_logged(session: AsyncSession, meeting: Meeting, now: dt.datetime) -> bool:
    """The partner or a coordinator confirms a recorded meeting; exactly once."""
    return await _transition(
        session,
        meeting,
        (MeetingStatus.LOGGED.value,),
        {"confirmed_at": now, "updated_at": now},
        Meeting.confirmed_at.is_(None),
    )


async def reject_logged(session: AsyncSession, meeting: Meeting, now: dt.datetime) -> bool:
    """The partner says a recorded meeting did not take place: it never counts, and its day
    is free again."""
    return await _transition(
        session,
        meeting,
        (MeetingStatus.LOGGED.value,),
        {"status": MeetingStatus.DECLINED.value, "logged_on": None, "updated_at": now},
        Meeting.confirmed_at.is_(None),
    )


async def settle_held(session: AsyncSession, meeting: Meeting, now: dt.datetime) -> bool:
    """A coordinator decides that a disputed meeting took place."""
    return await _transition(
        session,
        meeting,
        (MeetingStatus.CONFIRMED.value, MeetingStatus.LOGGED.value),
        {"outcome": Outcome.HELD.value, "updated_at": now},
        Meeting.outcome == Outcome.DISPUTED.value,
        Meeting.starts_at <= now,
    )


async def days_taken(session: AsyncSession, tandem_id: int, zone: ZoneInfo) -> set[dt.date]:
    """Days (in the program's zone) on which the tandem has a meeting that may count: recorded
    ones still standing, and agreed ones not reported as postponed or cancelled."""
    starts = await session.scalars(
        select(Meeting.starts_at).where(
            Meeting.tandem_id == tandem_id,
            or_(
                Meeting.status == MeetingStatus.LOGGED.value,
                and_(
                    Meeting.status == MeetingStatus.CONFIRMED.value,
                    or_(
                        Meeting.outcome.is_(None),
                        Meeting.outcome.in_((Outcome.HELD.value, Outcome.DISPUTED.value)),
                    ),
                ),
            ),
        )
    )
    return {start.astimezone(zone).date() for start in starts}


async def needing_attention(
    session: AsyncSession, tandem_id: int, now: dt.datetime
) -> tuple[list[Meeting], list[Meeting]]:
    """(recorded meetings awaiting confirmation, disputed meetings) for the coordinators."""
    query = (
        select(Meeting)
        .where(
            Meeting.tandem_id == tandem_id,
            or_(
                and_(Meeting.status == MeetingStatus.LOGGED.value, Meeting.confirmed_at.is_(None)),
                and_(
                    Meeting.status.in_((MeetingStatus.CONFIRMED.value, MeetingStatus.LOGGED.value)),
                    Meeting.outcome == Outcome.DISPUTED.value,
                    Meeting.starts_at <= now,
                ),
            ),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    found = list((await session.scalars(query)).all())
    return [m for m in found if awaiting_verification(m)], [
        m for m in found if not awaiting_verification(m)
    ]


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
            Meeting.status.in_((MeetingStatus.CONFIRMED.value, MeetingStatus.LOGGED.value)),
            Meeting.starts_at <= now,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


def _met() -> Any:
    """Meetings that count as held (with `starts_at <= now`, which callers add): agreed in the
    bot, or recorded afterwards and confirmed by the partner or a coordinator; unless the
    feedback said they were postponed, cancelled or disputed. `core.meetings.counts_as_held`
    is the same rule in Python."""
    return and_(
        or_(
            Meeting.status == MeetingStatus.CONFIRMED.value,
            and_(Meeting.status == MeetingStatus.LOGGED.value, Meeting.confirmed_at.is_not(None)),
        ),
        or_(Meeting.outcome.is_(None), Meeting.outcome == Outcome.HELD.value),
    )


async def last_met(
    session: AsyncSession, tandem_ids: list[int], now: dt.datetime, *, pending: bool = False
) -> dict[int, dt.datetime]:
    """When each tandem last met (`_met`); with `pending`, recorded meetings still awaiting the
    partner's confirmation count too (the nudges wait for them)."""
    if not tandem_ids:
        return {}
    waiting = and_(Meeting.status == MeetingStatus.LOGGED.value, Meeting.confirmed_at.is_(None))
    rows = await session.execute(
        select(Meeting.tandem_id, func.max(Meeting.starts_at))
        .where(
            Meeting.tandem_id.in_(tandem_ids),
            or_(_met(), waiting) if pending else _met(),
            Meeting.starts_at <= now,
        )
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
            Meeting.status == MeetingStatus.CONFIRMED.value,
            Meeting.starts_at > now,
        )
    )
    return int(held or 0), last, upcoming_start
