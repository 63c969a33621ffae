"""Certificates of participation: who has met how often, and which certificates were issued.

A certificate is one row per (program, participant), inserted with ON CONFLICT DO NOTHING, so
issuing twice (a double press, two coordinators, a retry after a crash) never issues two. The
row records the meetings it certifies and when it reached the participant; a row without
`delivered_at` is one the coordinators can deliver again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from core.programs import ParticipantStatus
from storage.db import insert
from storage.meetings import _met as met  # one rule for "held" everywhere
from storage.models import Certificate, Meeting, Participant, Tandem

# Who can be certified: still in the program (a pause does not undo the meetings held).
CERTIFIABLE = (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)


async def candidates(session: AsyncSession, program_id: int) -> list[Participant]:
    query = (
        select(Participant)
        .where(Participant.program_id == program_id, Participant.status.in_(CERTIFIABLE))
        .order_by(Participant.name, Participant.id)
        .options(selectinload(Participant.user))
    )
    return list((await session.scalars(query)).all())


async def meetings_held(session: AsyncSession, program_id: int, now: dt.datetime) -> Counter[int]:
    """Participant id -> meetings held in all their tandems of the program (a rematched mentee
    keeps the meetings of the first tandem; a mentor with two mentees counts both)."""
    rows = await session.execute(
        select(Tandem.mentor_id, Tandem.mentee_id)
        .join(Meeting, Meeting.tandem_id == Tandem.id)
        .where(Tandem.program_id == program_id, and_(met(), Meeting.starts_at <= now))
    )
    held: Counter[int] = Counter()
    for mentor_id, mentee_id in rows.tuples():
        held[mentor_id] += 1
        held[mentee_id] += 1
    return held


async def issued(session: AsyncSession, program_id: int) -> dict[int, Certificate]:
    """Participant id -> their certificate in the program."""
    rows = await session.scalars(select(Certificate).where(Certificate.program_id == program_id))
    return {c.participant_id: c for c in rows}


async def issue(
    session: AsyncSession,
    *,
    program_id: int,
    participant_id: int,
    meetings: int,
    issued_by: int,
    now: dt.datetime,
) -> bool:
    """True if this call issued the certificate; False if it existed already."""
    result = await session.execute(
        insert(session, Certificate)
        .values(
            program_id=program_id,
            participant_id=participant_id,
            meetings=meetings,
            issued_by=issued_by,
            issued_at=now,
        )
        .on_conflict_do_nothing(index_elements=["program_id", "participant_id"])
        .returning(Certificate.id)
    )
    return result.first() is not None


async def mark_delivered(session: AsyncSession, certificate_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(Certificate)
        .where(Certificate.id == certificate_id, Certificate.delivered_at.is_(None))
        .values(delivered_at=now)
        .execution_options(synchronize_session=False)
    )


async def partners(
    session: AsyncSession, program_id: int, now: dt.datetime
) -> dict[int, list[str]]:
    """Participant id -> the names of their partners in the program's tandems that held a
    meeting, in the order the tandems were formed: a mentor with two mentees is certified once,
    naming both tandems."""
    mentor, mentee = aliased(Participant), aliased(Participant)
    rows = await session.execute(
        select(Tandem.id, mentor.id, mentor.name, mentee.id, mentee.name)
        .join(mentor, mentor.id == Tandem.mentor_id)
        .join(mentee, mentee.id == Tandem.mentee_id)
        .where(
            Tandem.program_id == program_id,
            exists().where(Meeting.tandem_id == Tandem.id, met(), Meeting.starts_at <= now),
        )
        .order_by(Tandem.created_at, Tandem.id)
    )
    found: dict[int, dict[int, str]] = {}  # dicts keep the order; a rematch twice names once
    for _, mentor_id, mentor_name, mentee_id, mentee_name in rows.tuples():
        found.setdefault(mentor_id, {})[mentee_id] = mentee_name
        found.setdefault(mentee_id, {})[mentor_id] = mentor_name
    return {person: list(names.values()) for person, names in found.items()}
