"""The figures of the coordinators' reports (/stats); the export's rows are `storage.exports`.

Everything is aggregated in the database: a fixed number of queries per report however many
tandems a program has (grouped subqueries joined to the tandems, never a query per tandem).
Which meetings count as held is `storage.meetings._met`, the rule the tandem card and the nudges
use too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.meetings import MeetingStatus, Outcome
from core.programs import ParticipantStatus
from core.stats import ProgramStats, TandemHealth, average
from core.tandems import TandemStatus
from storage.meetings import _met as met  # one rule for "held" everywhere
from storage.models import Meeting, MeetingFeedback, Participant, Tandem, User

# Participants the program team still deals with (unreachable ones are worth a word).
CURRENT = (ParticipantStatus.PENDING, ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _held(now: dt.datetime) -> Any:
    return and_(met(), Meeting.starts_at <= now)


def _planned(now: dt.datetime) -> Any:
    return and_(Meeting.status == MeetingStatus.CONFIRMED.value, Meeting.starts_at > now)


def _disputed(now: dt.datetime) -> Any:
    return and_(
        Meeting.status.in_((MeetingStatus.CONFIRMED.value, MeetingStatus.LOGGED.value)),
        Meeting.starts_at <= now,
        Meeting.outcome == Outcome.DISPUTED.value,
    )


def _not_held(now: dt.datetime) -> Any:
    """Cancelled after it was agreed, or reported as postponed or cancelled afterwards."""
    return or_(
        and_(Meeting.status == MeetingStatus.CANCELLED.value, Meeting.confirmed_at.is_not(None)),
        and_(
            Meeting.status.in_((MeetingStatus.CONFIRMED.value, MeetingStatus.LOGGED.value)),
            Meeting.starts_at <= now,
            Meeting.outcome.in_((Outcome.POSTPONED.value, Outcome.CANCELLED.value)),
        ),
    )


def _in_program(program_id: int) -> Any:
    """Meetings of the program's tandems (for subqueries that join Meeting to Tandem)."""
    return Tandem.program_id == program_id


def _last_met(program_id: int, now: dt.datetime) -> Any:
    return (
        select(
            Meeting.tandem_id.label("tandem_id"),
            func.count().label("held"),
            func.max(Meeting.starts_at).label("last"),
        )
        .join(Tandem, Tandem.id == Meeting.tandem_id)
        .where(_in_program(program_id), _held(now))
        .group_by(Meeting.tandem_id)
        .subquery("held")
    )


def _next_planned(program_id: int, now: dt.datetime) -> Any:
    return (
        select(Meeting.tandem_id.label("tandem_id"), func.min(Meeting.starts_at).label("next"))
        .join(Tandem, Tandem.id == Meeting.tandem_id)
        .where(_in_program(program_id), _planned(now))
        .group_by(Meeting.tandem_id)
        .subquery("planned")
    )


def _ratings(program_id: int) -> Any:
    return (
        select(
            Meeting.tandem_id.label("tandem_id"),
            func.sum(MeetingFeedback.rating).label("total"),
            func.count(MeetingFeedback.rating).label("n"),
        )
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .join(Tandem, Tandem.id == Meeting.tandem_id)
        .where(_in_program(program_id), MeetingFeedback.rating.is_not(None))
        .group_by(Meeting.tandem_id)
        .subquery("ratings")
    )


# --- /stats ------------------------------------------------------------------------------------


async def program_stats(session: AsyncSession, program_id: int, now: dt.datetime) -> ProgramStats:
    """The figures of one program, in six queries."""
    by_role_status = await session.execute(
        select(Participant.role, Participant.status, func.count())
        .where(Participant.program_id == program_id)
        .group_by(Participant.role, Participant.status)
    )
    participants = {
        (role.value, status.value): int(n) for role, status, n in by_role_status.tuples()
    }

    active = Tandem.status == TandemStatus.ACTIVE
    both = and_(Tandem.mentor_agreed_at.is_not(None), Tandem.mentee_agreed_at.is_not(None))
    introduced = Tandem.introduced_at.is_not(None)
    tandem_row = (
        await session.execute(
            select(
                _count_if(active),
                _count_if(Tandem.status == TandemStatus.DISSOLVED),
                _count_if(and_(active, both)),
                _count_if(and_(active, introduced, not_(both))),
                _count_if(and_(active, not_(introduced))),
            ).where(Tandem.program_id == program_id)
        )
    ).one()

    meeting_row = (
        await session.execute(
            select(
                _count_if(_held(now)),
                _count_if(_planned(now)),
                _count_if(_not_held(now)),
                _count_if(_disputed(now)),
            )
            .select_from(Meeting)
            .join(Tandem, Tandem.id == Meeting.tandem_id)
            .where(Tandem.program_id == program_id)
        )
    ).one()

    feedback_row = (
        await session.execute(
            select(
                func.count(MeetingFeedback.answered_at),
                func.count(MeetingFeedback.rating),
                func.sum(MeetingFeedback.rating),
            )
            .select_from(MeetingFeedback)
            .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
            .join(Tandem, Tandem.id == Meeting.tandem_id)
            .where(Tandem.program_id == program_id)
        )
    ).one()
    answers, rated, rating_total = feedback_row

    return ProgramStats(
        participants=participants,
        tandems_active=int(tandem_row[0]),
        tandems_dissolved=int(tandem_row[1]),
        agreement_both=int(tandem_row[2]),
        agreement_open=int(tandem_row[3]),
        tandems_waiting=int(tandem_row[4]),
        meetings_held=int(meeting_row[0]),
        meetings_planned=int(meeting_row[1]),
        meetings_not_held=int(meeting_row[2]),
        meetings_disputed=int(meeting_row[3]),
        feedback_answers=int(answers or 0),
        ratings=int(rated or 0),
        average_rating=average(rating_total, rated),
        tandems=await tandem_health(session, program_id, now),
        unreachable=await unreachable_names(session, program_id),
    )


async def tandem_health(
    session: AsyncSession, program_id: int, now: dt.datetime
) -> list[TandemHealth]:
    """Each active tandem with its last meeting and average rating, in one query."""
    mentor, mentee = aliased(Participant), aliased(Participant)
    held, ratings = _last_met(program_id, now), _ratings(program_id)
    rows = await session.execute(
        select(
            Tandem.id,
            mentor.name,
            mentee.name,
            Tandem.introduced_at,
            held.c.last,
            ratings.c.total,
            ratings.c.n,
        )
        .join(mentor, mentor.id == Tandem.mentor_id)
        .join(mentee, mentee.id == Tandem.mentee_id)
        .outerjoin(held, held.c.tandem_id == Tandem.id)
        .outerjoin(ratings, ratings.c.tandem_id == Tandem.id)
        .where(Tandem.program_id == program_id, Tandem.status == TandemStatus.ACTIVE)
        .order_by(Tandem.id)
    )
    return [
        TandemHealth(
            tandem_id=tandem_id,
            mentor=mentor_name,
            mentee=mentee_name,
            introduced_at=introduced_at,
            last_met=last,
            average_rating=average(total, n),
        )
        for tandem_id, mentor_name, mentee_name, introduced_at, last, total, n in rows.tuples()
    ]


async def unreachable_names(session: AsyncSession, program_id: int) -> list[str]:
    """Current participants of the program who blocked the bot (or deleted their account)."""
    rows = await session.scalars(
        select(Participant.name)
        .join(User, User.id == Participant.user_id)
        .where(
            Participant.program_id == program_id,
            Participant.status.in_([s.value for s in CURRENT]),
            User.reachable.is_(False),
        )
        .order_by(Participant.name, Participant.id)
    )
    return list(rows.all())
