"""The company directory: which employer a typed company name stands for.

The matching's defining rule ("mentor and mentee from different employers") is only as good as
this mapping: spellings meet under one key (`core.companies.normalize_company`), other names of
the same employer are aliases, and companies of one corporate group share an employer key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.companies import closeness, normalize_company, probably_same_keys
from storage.models import (
    Company,
    CompanyAlias,
    CompanyDistinction,
    CompanyExclusion,
    Participant,
)


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


async def get(session: AsyncSession, company_id: int) -> Company | None:
    return await session.get(Company, company_id)


async def similar(session: AsyncSession, name: str, limit: int = 5) -> list[Company]:
    """Known companies whose name or an alias probably is the same employer as `name`, closest
    first. A company whose name or alias has exactly the key of `name` is included (closest).

    The whole directory is read: one installation holds a few thousand employers at most, and a
    typo can sit anywhere in a name, so no index would narrow it down.
    """
    key = normalize_company(tidy(name))
    if not key:
        return []
    best: dict[int, float] = {}
    rows = await session.execute(select(Company.id, Company.key))
    aliases = await session.execute(select(CompanyAlias.company_id, CompanyAlias.key))
    for company_id, other in [*rows.tuples().all(), *aliases.tuples().all()]:
        if probably_same_keys(key, other):
            score = 1000.0 if other == key else closeness(key, other)
            best[company_id] = max(score, best.get(company_id, 0.0))
    ranked = sorted(best, key=lambda cid: (-best[cid], cid))[:limit]
    found = await by_ids(session, ranked)
    return [found[cid] for cid in ranked if cid in found]


async def keep_apart(session: AsyncSession, a_id: int, b_id: int, now: dt.datetime) -> bool:
    """Record that two companies are different employers (no "probably the same" warning).

    True when the pair is kept apart afterwards (also if it already was); False if either
    company is gone or both ids are the same company.
    """
    if a_id == b_id:
        return False
    first, second = sorted((a_id, b_id))
    if len(await by_ids(session, (first, second))) != 2:
        return False
    if await _distinction(session, first, second) is not None:
        return True
    try:
        async with session.begin_nested():
            session.add(CompanyDistinction(company_a=first, company_b=second, created_at=now))
    except IntegrityError:
        # A second coordinator pressed the same button at the same moment: their row stands.
        if await _distinction(session, first, second) is None:
            raise
    return True


async def _distinction(session: AsyncSession, first: int, second: int) -> int | None:
    found: int | None = await session.scalar(
        select(CompanyDistinction.id).where(
            CompanyDistinction.company_a == first, CompanyDistinction.company_b == second
        )
    )
    return found


async def kept_apart(session: AsyncSession) -> set[frozenset[int]]:
    """Every pair of companies a coordinator declared different employers."""
    rows = await session.execute(select(CompanyDistinction.company_a, CompanyDistinction.company_b))
    return {frozenset(pair) for pair in rows.tuples().all()}


async def merge(session: AsyncSession, source_id: int, target_id: int, now: dt.datetime) -> bool:
    """Make `source` another name of `target`: one employer from now on, for every program.

    The source's name and aliases become aliases of the target, its participants are linked to
    the target (what they typed stays as they typed it, and nobody is told), "keep apart"
    decisions and company-pair exclusions that named the source now name the target (a pair that
    would join the target with itself is dropped), and a group the target lacks is taken over
    from the source. The source row is deleted. False if either is gone or they are the same.
    """
    if source_id == target_id:
        return False
    # Both rows locked in id order (PostgreSQL), so two crossing merges cannot both go through.
    locked = await session.scalars(
        select(Company)
        .where(Company.id.in_((source_id, target_id)))
        .order_by(Company.id)
        .with_for_update()
    )
    found = {c.id: c for c in locked.all()}
    source, target = found.get(source_id), found.get(target_id)
    if source is None or target is None:
        return False

    source_keys = {source.key} | set(
        (
            await session.scalars(
                select(CompanyAlias.key).where(CompanyAlias.company_id == source.id)
            )
        ).all()
    )
    await session.execute(
        update(CompanyAlias)
        .where(CompanyAlias.company_id == source.id)
        .values(company_id=target.id)
    )
    session.add(
        CompanyAlias(company_id=target.id, name=source.name, key=source.key, created_at=now)
    )
    await session.execute(
        update(Participant)
        .where(Participant.company_id == source.id)
        .values(company_id=target.id)
        .execution_options(synchronize_session="fetch")
    )

    others = await session.execute(
        select(CompanyDistinction.company_a, CompanyDistinction.company_b).where(
            or_(
                CompanyDistinction.company_a == source.id, CompanyDistinction.company_b == source.id
            )
        )
    )
    apart_from = {a if b == source.id else b for a, b in others.tuples().all()} - {target.id}
    await session.execute(
        delete(CompanyDistinction).where(
            or_(
                CompanyDistinction.company_a == source.id, CompanyDistinction.company_b == source.id
            )
        )
    )
    await _move_exclusions(session, source_keys, target.key)

    if target.group_id is None:
        target.group_id = source.group_id
    if target.reviewed_at is None:
        target.reviewed_at = now
    await session.delete(source)
    await session.flush()
    for other in sorted(apart_from):
        await keep_apart(session, target.id, other, now)
    return True


async def _move_exclusions(session: AsyncSession, old_keys: set[str], new_key: str) -> None:
    rows = await session.scalars(
        select(CompanyExclusion)
        .where(
            or_(CompanyExclusion.company_a.in_(old_keys), CompanyExclusion.company_b.in_(old_keys))
        )
        .order_by(CompanyExclusion.id)
    )
    for exclusion in rows.all():
        first, second = sorted(
            new_key if key in old_keys else key
            for key in (exclusion.company_a, exclusion.company_b)
        )
        duplicate = await session.scalar(
            select(CompanyExclusion.id).where(
                CompanyExclusion.program_id == exclusion.program_id,
                CompanyExclusion.company_a == first,
                CompanyExclusion.company_b == second,
                CompanyExclusion.id != exclusion.id,
            )
        )
        if first == second or duplicate is not None:
            await session.delete(exclusion)
        else:
            exclusion.company_a, exclusion.company_b = first, second
        await session.flush()
