"""The company directory: which employer a typed company name stands for.

The matching's defining rule ("mentor and mentee from different employers") is only as good as
this mapping: spellings meet under one key (`core.companies.normalize_company`), other names of
the same employer are aliases, and companies of one corporate group share an employer key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.companies import normalize_company
from storage.models import Company, CompanyAlias


def tidy(name: str) -> str:
    """The name as shown: inner whitespace collapsed, at most the column's 200 characters."""
    return " ".join(name.split())[:200]


async def find(session: AsyncSession, typed: str) -> Company | None:
    """The company whose own name or one of whose aliases has the key of `typed`."""
    key = normalize_company(tidy(typed))
    company: Company | None = await session.scalar(select(Company).where(Company.key == key))
    if company is not None:
        return company
    aliased: Company | None = await session.scalar(
        select(Company)
        .join(CompanyAlias, CompanyAlias.company_id == Company.id)
        .where(CompanyAlias.key == key)
    )
    return aliased


async def resolve(session: AsyncSession, typed: str, now: dt.datetime) -> Company:
    """The directory's company for a name a participant typed, created (unreviewed) if new.

    Two registrations with the same new name at once both try to insert it; the unique key lets
    one win, and the other (inside a savepoint, so its update goes on) takes the winner's row.
    """
    company = await find(session, typed)
    if company is not None:
        return company
    name = tidy(typed)
    try:
        async with session.begin_nested():
            company = Company(name=name, key=normalize_company(name), created_at=now)
            session.add(company)
    except IntegrityError:
        company = await find(session, typed)
        if company is None:
            raise
    return company


def employer_key(company: Company | None, fallback: str) -> str:
    """The key the "different employer" rule compares: the group if the company has one."""
    if company is None:
        return f"n:{normalize_company(fallback)}"
    if company.group_id is not None:
        return f"g:{company.group_id}"
    return f"c:{company.id}"


async def by_ids(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Company]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.scalars(select(Company).where(Company.id.in_(wanted)))
    return {c.id: c for c in rows.all()}
