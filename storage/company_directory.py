"""The company directory as coordinators keep it: the list with its review marks, aliases and
corporate groups, and the company-pair exclusions of the programs.

`storage.companies` maps a typed name to an employer (the lookup the matching depends on) and
merges companies; this module holds what the coordinators' directory screens list and change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.companies import AliasOutcome, normalize_company
from storage.companies import find, tidy
from storage.db import added
from storage.models import (
    Company,
    CompanyAlias,
    CompanyExclusion,
    CompanyGroup,
    Participant,
)

# --- the directory ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One company as the directory lists it."""

    company: Company
    participants: int
    aliases: list[str]
    group: str | None


async def directory(session: AsyncSession) -> list[Entry]:
    """Every company, the names nobody reviewed yet first, then alphabetically."""
    companies = (await session.scalars(select(Company))).all()
    counts = dict(
        (
            await session.execute(
                select(Participant.company_id, func.count())
                .where(Participant.company_id.is_not(None), Participant.erased_at.is_(None))
                .group_by(Participant.company_id)
            )
        )
        .tuples()
        .all()
    )
    aliases: dict[int, list[str]] = {}
    for company_id, name in (
        await session.execute(
            select(CompanyAlias.company_id, CompanyAlias.name).order_by(CompanyAlias.id)
        )
    ).tuples():
        aliases.setdefault(company_id, []).append(name)
    groups = dict(
        (await session.execute(select(CompanyGroup.id, CompanyGroup.name))).tuples().all()
    )
    ordered = sorted(companies, key=lambda c: (c.reviewed_at is not None, c.name.casefold(), c.id))
    return [
        Entry(
            company=c,
            participants=counts.get(c.id, 0),
            aliases=aliases.get(c.id, []),
            group=groups.get(c.group_id) if c.group_id is not None else None,
        )
        for c in ordered
    ]


async def entry(session: AsyncSession, company_id: int) -> Entry | None:
    company = await session.get(Company, company_id)
    if company is None:
        return None
    count = await session.scalar(
        select(func.count()).where(
            Participant.company_id == company_id, Participant.erased_at.is_(None)
        )
    )
    aliases = await session.scalars(
        select(CompanyAlias.name)
        .where(CompanyAlias.company_id == company_id)
        .order_by(CompanyAlias.id)
    )
    group = await session.get(CompanyGroup, company.group_id) if company.group_id else None
    return Entry(
        company=company,
        participants=count or 0,
        aliases=list(aliases.all()),
        group=group.name if group is not None else None,
    )


async def mark_reviewed(session: AsyncSession, company_id: int, now: dt.datetime) -> bool:
    result = await session.execute(
        update(Company)
        .where(Company.id == company_id, Company.reviewed_at.is_(None))
        .values(reviewed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


async def add_alias(
    session: AsyncSession, company_id: int, typed: str, now: dt.datetime
) -> tuple[AliasOutcome, Company | None]:
    """Another name of a company; refused when the name already stands for another company
    (that is a merge, which the coordinator decides explicitly). Returns the outcome and the
    company the name stands for (None if the company is gone)."""
    company = await session.get(Company, company_id)
    name = tidy(typed)
    key = normalize_company(name)
    if company is None:
        return AliasOutcome.TAKEN, None
    if not key:
        return AliasOutcome.EMPTY, company
    known = await find(session, name)
    if known is not None:
        return (AliasOutcome.ALREADY if known.id == company.id else AliasOutcome.TAKEN), known
    try:
        async with session.begin_nested():
            session.add(CompanyAlias(company_id=company.id, name=name, key=key, created_at=now))
    except IntegrityError:
        known = await find(session, name)
        if known is None:
            raise
        return (AliasOutcome.ALREADY if known.id == company.id else AliasOutcome.TAKEN), known
    return AliasOutcome.ADDED, company


async def groups(session: AsyncSession) -> list[CompanyGroup]:
    rows = await session.scalars(select(CompanyGroup).order_by(CompanyGroup.name, CompanyGroup.id))
    return list(rows.all())


async def create_group(session: AsyncSession, typed: str, now: dt.datetime) -> CompanyGroup:
    """The group of that name (ignoring case and spacing), created if there is none."""
    name = tidy(typed)
    for group in await groups(session):
        if group.name.casefold() == name.casefold():
            return group
    group = CompanyGroup(name=name, created_at=now)
    return await added(session, group)


async def set_group(session: AsyncSession, company_id: int, group_id: int | None) -> bool:
    """Put a company into a group, or out of its group (None); a group left empty is deleted,
    so that the list of groups offered holds only real ones."""
    company = await session.get(Company, company_id)
    if company is None:
        return False
    if group_id is not None and await session.get(CompanyGroup, group_id) is None:
        return False
    previous = company.group_id
    company.group_id = group_id
    await session.flush()
    if previous is not None and previous != group_id:
        left = await session.scalar(select(func.count()).where(Company.group_id == previous))
        if not left:
            await session.execute(delete(CompanyGroup).where(CompanyGroup.id == previous))
    return True


async def names_by_key(session: AsyncSession, keys: Iterable[str]) -> dict[str, str]:
    """The directory's name for normalised keys (company exclusions store keys): the company's
    own name, also when the key is one of its aliases."""
    wanted = set(keys)
    if not wanted:
        return {}
    named = dict(
        (await session.execute(select(Company.key, Company.name).where(Company.key.in_(wanted))))
        .tuples()
        .all()
    )
    aliased = await session.execute(
        select(CompanyAlias.key, Company.name)
        .join(Company, Company.id == CompanyAlias.company_id)
        .where(CompanyAlias.key.in_(wanted))
    )
    return {**dict(aliased.tuples().all()), **named}


# --- company-pair exclusions, as the directory lists them -------------------------------------


async def program_exclusions(
    session: AsyncSession, program_ids: Iterable[int]
) -> list[CompanyExclusion]:
    wanted = list(program_ids)
    if not wanted:
        return []
    rows = await session.scalars(
        select(CompanyExclusion)
        .where(CompanyExclusion.program_id.in_(wanted))
        .order_by(CompanyExclusion.program_id, CompanyExclusion.id)
    )
    return list(rows.all())


async def exclusion(session: AsyncSession, exclusion_id: int) -> CompanyExclusion | None:
    return await session.get(CompanyExclusion, exclusion_id)


async def lift_exclusion(session: AsyncSession, exclusion_id: int) -> bool:
    result = await session.execute(
        delete(CompanyExclusion).where(CompanyExclusion.id == exclusion_id)
    )
    return bool(getattr(result, "rowcount", 0))
