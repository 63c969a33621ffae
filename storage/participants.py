"""Participants: a user's registration in a program."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.address import form_of
from core.places import locate
from core.profile import FIELD_ORDER, OPTIONAL_FIELDS
from core.programs import ParticipantStatus
from storage import companies
from storage.db import added
from storage.models import Company, Participant

# What /profile may change: every field registration asks for.
EDITABLE = FIELD_ORDER


async def create_from_draft(
    session: AsyncSession,
    *,
    program_id: int,
    user_id: int,
    draft: dict[str, Any],
    consent_at: dt.datetime,
    now: dt.datetime,
) -> Participant:
    chosen = draft.get("company_id")
    company = await _employer(session, draft["company"], int(chosen) if chosen else None, now)
    participant = Participant(
        program_id=program_id,
        user_id=user_id,
        role=draft["role"],
        status=ParticipantStatus.PENDING,
        name=draft["name"],
        company=draft["company"],
        company_id=company.id,
        industry=draft["industry"],
        position=draft["position"],
        topics=list(draft["topics"]),
        goals=draft["goals"],
        meeting_format=draft["meeting_format"],
        form_of_address=form_of(draft.get("form_of_address")).value,
        consent_at=consent_at,
        created_at=now,
        updated_at=now,
    )
    for field in OPTIONAL_FIELDS:
        if draft.get(field):
            _set(participant, field, draft[field])
    return await added(session, participant)


async def get(session: AsyncSession, participant_id: int) -> Participant | None:
    return await session.get(Participant, participant_id, options=[selectinload(Participant.user)])


async def of_user_in_program(
    session: AsyncSession, user_id: int, program_id: int
) -> Participant | None:
    query = select(Participant).where(
        Participant.user_id == user_id, Participant.program_id == program_id
    )
    return (await session.scalars(query)).first()


async def active_in(session: AsyncSession, program_id: int, user_id: int) -> Participant | None:
    """The user's active registration in the program: only they may answer its events'
    invitations and its surveys."""
    query = select(Participant).where(
        Participant.program_id == program_id,
        Participant.user_id == user_id,
        Participant.status == ParticipantStatus.ACTIVE,
    )
    return (await session.scalars(query)).first()


async def current_of_user(session: AsyncSession, user_id: int) -> Participant | None:
    """The registration /profile works on: the newest one that is not rejected or left."""
    query = (
        select(Participant)
        .where(
            Participant.user_id == user_id,
            Participant.status.not_in([ParticipantStatus.REJECTED, ParticipantStatus.LEFT]),
        )
        .order_by(Participant.created_at.desc(), Participant.id.desc())
        .options(selectinload(Participant.program))
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def list_in_program(
    session: AsyncSession, program_id: int, status: str | None = None
) -> list[Participant]:
    query = (
        select(Participant)
        .where(Participant.program_id == program_id)
        .order_by(Participant.created_at, Participant.id)
    )
    if status is not None:
        query = query.where(Participant.status == status)
    return list((await session.scalars(query)).all())


async def _employer(
    session: AsyncSession, typed: str, chosen: int | None, now: dt.datetime
) -> Company:
    """The company chosen from the directory ("Meinten Sie …?") wins over what the text
    resolves to; if it was merged away since, its name now is an alias of the company it went
    into, so resolving the text finds that one."""
    company = await companies.get(session, chosen) if chosen is not None else None
    return company if company is not None else await companies.resolve(session, typed, now)


async def update_field(
    session: AsyncSession,
    participant: Participant,
    field: str,
    value: Any,
    now: dt.datetime,
    *,
    company_id: int | None = None,
) -> None:
    """`company_id` is the directory's company the participant chose for a typed company."""
    if field not in EDITABLE:
        raise ValueError(f"{field} is not an editable profile field")
    _set(participant, field, value)
    if field == "company":
        participant.company_id = (await _employer(session, value, company_id, now)).id
    participant.updated_at = now
    await session.flush()


def _set(participant: Participant, field: str, value: Any) -> None:
    """One field as stored: lists copied, the capacity a number, a place with the coordinates
    the gazetteer knows for it (none for a place it does not know, or none given)."""
    if field in ("topics", "languages"):
        value = list(value) if value else ([] if field == "topics" else None)
    elif field == "capacity":
        value = int(value)
    elif field == "location":
        spot = locate(value) if value else None
        participant.latitude, participant.longitude = spot if spot else (None, None)
    setattr(participant, field, value)


async def set_status(
    session: AsyncSession,
    participant: Participant,
    status: str,
    *,
    expected: str,
    decided_by: int,
    now: dt.datetime,
) -> bool:
    """Change the status only if it still is `expected`.

    Two coordinators pressing "approve" and "reject" at the same moment both read "pending"; the
    conditional UPDATE lets exactly one of them win, on SQLite and PostgreSQL alike.
    """
    result = await session.execute(
        update(Participant)
        .where(Participant.id == participant.id, Participant.status == expected)
        .values(status=status, decided_by=decided_by, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(participant)
    return bool(getattr(result, "rowcount", 0))
