"""Tandems from their approval to their end: the introduction, the mentoring agreement, the
nudges of a tandem that stopped meeting, dissolving.

Each step that two processes or two partners could race on is a conditional UPDATE that only
one of them wins: one introduction per tandem, one nudge per round, one dissolution.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.tandems import TandemStatus
from storage.models import Participant, Tandem

# --- reading -----------------------------------------------------------------------------------


def _with_people() -> Any:
    return (
        selectinload(Tandem.mentor).selectinload(Participant.user),
        selectinload(Tandem.mentee).selectinload(Participant.user),
    )


async def get_tandem(session: AsyncSession, tandem_id: int) -> Tandem | None:
    query = select(Tandem).where(Tandem.id == tandem_id).options(*_with_people())
    return (await session.scalars(query)).first()


async def tandems_of_user(session: AsyncSession, user_id: int) -> list[Tandem]:
    """Active tandems the user is part of, as mentor or mentee, newest program first."""
    mine = select(Participant.id).where(Participant.user_id == user_id)
    query = (
        select(Tandem)
        .where(
            Tandem.status == TandemStatus.ACTIVE,
            or_(Tandem.mentor_id.in_(mine), Tandem.mentee_id.in_(mine)),
        )
        .order_by(Tandem.id.desc())
        .options(*_with_people())
    )
    return list((await session.scalars(query)).all())


async def tandems_in_program(
    session: AsyncSession, program_id: int, status: TandemStatus = TandemStatus.ACTIVE
) -> list[Tandem]:
    query = (
        select(Tandem)
        .where(Tandem.program_id == program_id, Tandem.status == status)
        .order_by(Tandem.id)
        .options(*_with_people())
    )
    return list((await session.scalars(query)).all())


async def due_introductions(session: AsyncSession, now: dt.datetime) -> list[int]:
    rows = await session.scalars(
        select(Tandem.id)
        .where(
            Tandem.status == TandemStatus.ACTIVE,
            Tandem.introduced_at.is_(None),
            or_(Tandem.intro_due_at.is_(None), Tandem.intro_due_at <= now),
        )
        .order_by(Tandem.id)
    )
    return list(rows.all())


async def claim_introduction(session: AsyncSession, tandem_id: int, now: dt.datetime) -> bool:
    """One sender per tandem, even with several processes or a job and a handler at once."""
    outcome = await session.execute(
        update(Tandem)
        .where(
            Tandem.id == tandem_id,
            Tandem.status == TandemStatus.ACTIVE,
            Tandem.introduced_at.is_(None),
            or_(Tandem.intro_due_at.is_(None), Tandem.intro_due_at <= now),
        )
        .values(introduced_at=now)
    )
    return bool(getattr(outcome, "rowcount", 0))


async def dissolve(
    session: AsyncSession, tandem: Tandem, *, by: int, reason: str, now: dt.datetime
) -> bool:
    outcome = await session.execute(
        update(Tandem)
        .where(Tandem.id == tandem.id, Tandem.status == TandemStatus.ACTIVE)
        .values(
            status=TandemStatus.DISSOLVED, dissolved_by=by, dissolved_at=now, dissolve_reason=reason
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(tandem)
    return bool(getattr(outcome, "rowcount", 0))


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
    """The tandems the nudge sweep looks at: active and introduced, with both partners."""
    query = (
        select(Tandem)
        .where(Tandem.status == TandemStatus.ACTIVE, Tandem.introduced_at.is_not(None))
        .order_by(Tandem.id)
        .options(*_with_people())
    )
    return list((await session.scalars(query)).all())
