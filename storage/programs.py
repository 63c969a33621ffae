"""Programs (cohorts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.certificates import valid_min_meetings
from core.contact import Contact, ContactField
from core.profile import DEFAULT_TOPICS
from core.programs import ProgramStatus, new_invite_code
from storage.models import Participant, Program


def default_settings() -> dict[str, Any]:
    return {"topics": list(DEFAULT_TOPICS)}


async def create(
    session: AsyncSession,
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    timezone: str,
    created_by: int | None,
    now: dt.datetime,
) -> Program:
    for _ in range(10):
        program = Program(
            name=name,
            invite_code=new_invite_code(),
            starts_on=starts_on,
            ends_on=ends_on,
            timezone=timezone,
            status=ProgramStatus.OPEN,
            settings=default_settings(),
            created_by=created_by,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(program)
                await session.flush()
        except IntegrityError:
            continue  # an invite code collision: 31^8 makes this rare, but not impossible
        return program
    raise RuntimeError("could not find a free invite code")


async def get(session: AsyncSession, program_id: int) -> Program | None:
    return await session.get(Program, program_id)


async def by_invite_code(session: AsyncSession, code: str) -> Program | None:
    query = select(Program).where(func.upper(Program.invite_code) == code.upper())
    return (await session.scalars(query)).first()


async def list_all(session: AsyncSession, *, include_archived: bool = False) -> list[Program]:
    query = select(Program).order_by(Program.starts_on.desc(), Program.id.desc())
    if not include_archived:
        query = query.where(Program.status != ProgramStatus.ARCHIVED)
    return list((await session.scalars(query)).all())


async def open_programs(session: AsyncSession) -> list[Program]:
    query = select(Program).where(Program.status == ProgramStatus.OPEN).order_by(Program.id)
    return list((await session.scalars(query)).all())


async def participant_counts(session: AsyncSession, program_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Participant.status, func.count())
        .where(Participant.program_id == program_id)
        .group_by(Participant.status)
    )
    return dict(rows.tuples().all())


def topics_of(program: Program) -> list[str]:
    topics = program.settings.get("topics") if program.settings else None
    return list(topics) if topics else list(DEFAULT_TOPICS)


async def get_for_update(session: AsyncSession, program_id: int) -> Program | None:
    """The program, its row locked until the transaction ends (PostgreSQL; SQLite's units of
    work already take turns), and re-read so that a read-modify-write sees the latest settings."""
    query = (
        select(Program)
        .where(Program.id == program_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def update_settings(session: AsyncSession, program_id: int, settings: dict[str, Any]) -> None:
    """Replace the program's settings. Flagged as modified: a JSON column compares by value, so a
    dict edited in place and assigned back would otherwise look unchanged and never be written.
    A minimum of meetings below one is refused here, whoever writes it: a certificate of
    participation without a single meeting would certify nothing."""
    from sqlalchemy.orm.attributes import flag_modified

    if "min_meetings" in settings and not valid_min_meetings(settings["min_meetings"]):
        raise ValueError(f"min_meetings must be 1 to 50, not {settings['min_meetings']!r}")

    program = await session.get(Program, program_id)
    if program is None:
        return
    program.settings = dict(settings)
    flag_modified(program, "settings")
    await session.flush()


async def set_form_fields(session: AsyncSession, program: Program, fields: list[str]) -> None:
    """The optional questions of the program's registration form (core.profile.form_of)."""
    program.form_fields = list(fields)
    await session.flush()


def contact_of(program: Program) -> Contact:
    return Contact(program.contact_name, program.contact_email, program.contact_phone)


async def set_contact_field(
    session: AsyncSession, program: Program, field: ContactField, value: str | None
) -> None:
    """One field of the program team's contact (None: removed)."""
    column = {
        ContactField.NAME: "contact_name",
        ContactField.EMAIL: "contact_email",
        ContactField.PHONE: "contact_phone",
    }[field]
    setattr(program, column, value)
    await session.flush()


# Built once: /help runs it (the program team's contacts), and building a statement is a
# large part of a short unit of work (docs/performance.md).
_OF_USER = (
    select(Program)
    .join(Participant, Participant.program_id == Program.id)
    .where(Participant.user_id == bindparam("user_id"))
    .order_by(Participant.created_at, Participant.id)
)


async def of_user(session: AsyncSession, user_id: int) -> list[Program]:
    """The programs a user is registered in (any status), oldest registration first."""
    return list((await session.scalars(_OF_USER, {"user_id": user_id})).unique().all())
