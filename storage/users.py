"""Users and coordinator roles."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Coordinator, User


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def upsert(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    now: dt.datetime,
    language: str | None = None,
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language=language,
            reachable=True,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
    else:
        user.first_name, user.last_name, user.username = first_name, last_name, username
        user.reachable = True
        if language is not None:
            user.language = language
        user.updated_at = now
    await session.flush()
    return user


async def refresh_identity(
    session: AsyncSession,
    user_id: int,
    *,
    first_name: str,
    last_name: str | None,
    username: str | None,
    now: dt.datetime,
) -> None:
    """Keep names and @username current for users we already know; never creates a row."""
    await session.execute(
        update(User)
        .where(
            User.id == user_id,
            (User.first_name != first_name)
            | (User.username.is_distinct_from(username))
            | (User.last_name.is_distinct_from(last_name))
            | (User.reachable.is_(False)),
        )
        .values(
            first_name=first_name,
            last_name=last_name,
            username=username,
            reachable=True,
            updated_at=now,
        )
    )


async def set_reachable(session: AsyncSession, user_id: int, reachable: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(reachable=reachable))


async def find_by_username(session: AsyncSession, username: str) -> User | None:
    name = username.lstrip("@").lower()
    query = select(User).where(func.lower(User.username) == name).limit(1)
    return (await session.scalars(query)).first()


async def is_coordinator(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(Coordinator.id).where(Coordinator.user_id == user_id).limit(1)
    )
    return found is not None


async def coordinator_ids(session: AsyncSession) -> set[int]:
    return set((await session.scalars(select(Coordinator.user_id).distinct())).all())


async def grant_coordinator(
    session: AsyncSession, user_id: int, *, granted_by: int | None, now: dt.datetime
) -> bool:
    """Make a user coordinator of all programs; False when they already were."""
    exists = await session.scalar(
        select(Coordinator.id).where(
            Coordinator.user_id == user_id, Coordinator.program_id.is_(None)
        )
    )
    if exists is not None:
        return False
    session.add(
        Coordinator(user_id=user_id, program_id=None, granted_by=granted_by, created_at=now)
    )
    await session.flush()
    return True


async def revoke_coordinator(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Coordinator).where(Coordinator.user_id == user_id))
