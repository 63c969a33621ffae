"""The rows of the coordinators' export (/export) and the held meetings behind its chart.

Aggregated in the database like the figures of /stats (`storage.reports`), with the same
subqueries, so that the export and /stats never disagree about what a tandem did; the rows are
the plain records of `core.export_tables`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.export_tables import FeedbackRow, MeetingRow, ParticipantRow, TandemRow
from core.meetings import MeetingStatus
from storage.models import Meeting, MeetingFeedback, Participant, Tandem, User
from storage.reports import (  # the subqueries of /stats, so both say the same
    _held,
    _last_met,
    _next_planned,
    _ratings,
)


async def participant_rows(session: AsyncSession, program_id: int) -> list[ParticipantRow]:
    rows = await session.execute(
        select(Participant, User.username, User.reachable)
        .join(User, User.id == Participant.user_id)
        .where(Participant.program_id == program_id)
        .order_by(Participant.role.desc(), Participant.name, Participant.id)
    )
    return [
        ParticipantRow(
            id=p.id,
            name=p.name,
            role=p.role,
            status=p.status,
            company=p.company,
            industry=p.industry,
            position=p.position,
            topics=list(p.topics or []),
            goals=p.goals,
            meeting_format=p.meeting_format,
            username=username,
            reachable=bool(reachable),
            registered_at=p.created_at,
            location=p.location,
            languages=list(p.languages or []),
            capacity=p.capacity if p.role == "mentor" else None,
            profile_url=p.profile_url,
        )
        for p, username, reachable in rows.tuples()
    ]


async def tandem_rows(session: AsyncSession, program_id: int, now: dt.datetime) -> list[TandemRow]:
    """Every tandem of the program (active and dissolved) with its meeting figures, one query."""
    mentor, mentee = aliased(Participant), aliased(Participant)
    held, planned, ratings = (
        _last_met(program_id, now),
        _next_planned(program_id, now),
        _ratings(program_id),
    )
    rows = await session.execute(
        select(
            Tandem.id,
            mentor.name,
            mentor.company,
            mentee.name,
            mentee.company,
            Tandem.status,
            Tandem.created_at,
            Tandem.introduced_at,
            Tandem.mentor_agreed_at,
            Tandem.mentee_agreed_at,
            func.coalesce(held.c.held, 0),
            held.c.last,
            planned.c.next,
            ratings.c.total,
            ratings.c.n,
            Tandem.dissolved_at,
            Tandem.dissolve_reason,
        )
        .join(mentor, mentor.id == Tandem.mentor_id)
        .join(mentee, mentee.id == Tandem.mentee_id)
        .outerjoin(held, held.c.tandem_id == Tandem.id)
        .outerjoin(planned, planned.c.tandem_id == Tandem.id)
        .outerjoin(ratings, ratings.c.tandem_id == Tandem.id)
        .where(Tandem.program_id == program_id)
        .order_by(Tandem.id)
    )
    return [TandemRow(*row) for row in rows.tuples()]


async def meeting_rows(session: AsyncSession, program_id: int) -> list[MeetingRow]:
    """The program's meetings: agreed or logged ones, and agreed ones cancelled beforehand
    (open, declined and replaced proposals are left out)."""
    mentor, mentee = aliased(Participant), aliased(Participant)
    verified = or_(Meeting.status != MeetingStatus.LOGGED.value, Meeting.confirmed_at.is_not(None))
    rows = await session.execute(
        select(
            Meeting.id,
            Meeting.tandem_id,
            mentor.name,
            mentee.name,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.online,
            Meeting.status,
            Meeting.outcome,
            verified,
        )
        .join(Tandem, Tandem.id == Meeting.tandem_id)
        .join(mentor, mentor.id == Tandem.mentor_id)
        .join(mentee, mentee.id == Tandem.mentee_id)
        .where(
            Tandem.program_id == program_id,
            or_(
                Meeting.status.in_((MeetingStatus.CONFIRMED.value, MeetingStatus.LOGGED.value)),
                and_(
                    Meeting.status == MeetingStatus.CANCELLED.value,
                    Meeting.confirmed_at.is_not(None),
                ),
            ),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [MeetingRow(*row) for row in rows.tuples()]


async def feedback_rows(session: AsyncSession, program_id: int) -> list[FeedbackRow]:
    """Every answered feedback of the program, per meeting and participant."""
    rows = await session.execute(
        select(
            MeetingFeedback.meeting_id,
            Meeting.starts_at,
            Meeting.tandem_id,
            Participant.name,
            Participant.role,
            MeetingFeedback.took_place,
            MeetingFeedback.rating,
            MeetingFeedback.comment,
            MeetingFeedback.fits,
            MeetingFeedback.rematch_requested,
            MeetingFeedback.answered_at,
        )
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .join(Tandem, Tandem.id == Meeting.tandem_id)
        .join(Participant, Participant.id == MeetingFeedback.participant_id)
        .where(Tandem.program_id == program_id, MeetingFeedback.answered_at.is_not(None))
        .order_by(Meeting.starts_at, Meeting.id, Participant.role.desc(), Participant.id)
    )
    return [FeedbackRow(*row) for row in rows.tuples()]


async def held_meeting_times(
    session: AsyncSession, program_ids: list[int], now: dt.datetime
) -> list[tuple[int, dt.datetime]]:
    """(program id, start) of every held meeting of these programs, for the chart.

    Months are counted in each program's own time zone (a meeting at 00:30 on the first of a
    month belongs to that month), which SQLite and PostgreSQL cannot do alike, so the few
    hundred rows of a cohort are bucketed in `core.stats.per_month`.
    """
    if not program_ids:
        return []
    rows = await session.execute(
        select(Tandem.program_id, Meeting.starts_at)
        .join(Tandem, Tandem.id == Meeting.tandem_id)
        .where(Tandem.program_id.in_(program_ids), _held(now))
        .order_by(Meeting.starts_at)
    )
    return [(program_id, starts_at) for program_id, starts_at in rows.tuples()]
