"""Users and coordinator roles."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert
from storage.models import Coordinator, User


@dataclass(frozen=True)
class Identity:
    """Who a user is as Telegram tells it with every update: kept current on their row, so
    names in messages and @username look-ups follow changes made in Telegram."""

    first_name: str
    last_name: str | None = None
    username: str | None = None


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


# Built once: it runs for every update, and building a statement costs about as much as running it.
_WITH_GRANTS = (
    select(User, Coordinator.id, Coordinator.program_id)
    .outerjoin(Coordinator, Coordinator.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)


async def with_grants(session: AsyncSession, user_id: int) -> tuple[User | None, list[int | None]]:
    """The user's row and their coordinator grants (as `grants`) in one query, as every update
    needs both: grants belong to a user row (the foreign key), so no row means no grants."""
    rows = (await session.execute(_WITH_GRANTS, {"user_id": user_id})).all()
    if not rows:
        return None, []
    return rows[0][0], [program_id for _, grant, program_id in rows if grant is not None]


async def upsert(
    session: AsyncSession,
    *,
    user_id: int,
    identity: Identity,
    now: dt.datetime,
    language: str | None = None,
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, language=language, created_at=now)
        session.add(user)
    elif language is not None:
        user.language = language
    user.first_name, user.last_name = identity.first_name, identity.last_name
    user.username = identity.username
    user.reachable = True
    user.updated_at = now
    await session.flush()
    return user


async def keep_language(
    session: AsyncSession, user_id: int, identity: Identity, language: str, *, now: dt.datetime
) -> User:
    """A coordinator's language as the bot answers them, for the notices sent to them later.

    Only where none is stored: a language chosen with /language stays. One upsert, so that a
    second process handling the same person at the same moment does not fail on the key.
    """
    statement = insert(session, User).values(
        id=user_id, **asdict(identity), language=language, created_at=now, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[User.id],
            set_={"language": statement.excluded.language, "updated_at": now},
            where=User.language.is_(None),
        )
    )
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


async def refresh_identity(
    session: AsyncSession, user_id: int, identity: Identity, *, now: dt.datetime
) -> None:
    """Keep names and @username current for users we already know; never creates a row."""
    await session.execute(
        update(User)
        .where(
            User.id == user_id,
            (User.first_name != identity.first_name)
            | (User.username.is_distinct_from(identity.username))
            | (User.last_name.is_distinct_from(identity.last_name))
            | (User.reachable.is_(False)),
        )
        .values(**asdict(identity), reachable=True, updated_at=now)
    )


async def set_reachable(session: AsyncSession, user_id: int, reachable: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(reachable=reachable))


async def set_paused(session: AsyncSession, user_id: int, now: dt.datetime | None) -> bool:
    """Pause (a time) or resume (None) the user's reminders; False if nothing changed."""
    already = User.paused_at.is_(None) if now is not None else User.paused_at.is_not(None)
    result = await session.execute(
        update(User).where(User.id == user_id, already).values(paused_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def find_by_username(session: AsyncSession, username: str) -> User | None:
    name = username.lstrip("@").lower()
    query = select(User).where(func.lower(User.username) == name).limit(1)
    return (await session.scalars(query)).first()


async def is_coordinator(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(Coordinator.id).where(Coordinator.user_id == user_id).limit(1)
    )
    return found is not None


async def coordinator_ids(session: AsyncSession, program_id: int | None = None) -> set[int]:
    """Everyone with a role; with `program_id`, those who coordinate that program (a grant for
    all programs, or one for it)."""
    query = select(Coordinator.user_id).distinct()
    if program_id is not None:
        query = query.where(
            or_(Coordinator.program_id.is_(None), Coordinator.program_id == program_id)
        )
    return set((await session.scalars(query)).all())


async def grants(session: AsyncSession, user_id: int) -> list[int | None]:
    """A user's coordinator grants: a program id each, None for all programs; [] for none."""
    query = select(Coordinator.program_id).where(Coordinator.user_id == user_id)
    return list((await session.scalars(query)).all())


def scope(granted: list[int | None]) -> frozenset[int] | None:
    """The programs the grants cover: None means all of them (a grant without a program)."""
    if not granted or any(program_id is None for program_id in granted):
        return None
    return frozenset(p for p in granted if p is not None)


async def coordinator_scope(session: AsyncSession, user_id: int) -> frozenset[int] | None:
    return scope(await grants(session, user_id))


async def grant_coordinator(
    session: AsyncSession,
    user_id: int,
    *,
    granted_by: int | None,
    now: dt.datetime,
    program_id: int | None = None,
) -> bool:
    """Make a user coordinator of one program, or of all (None); False when they already
    were (a grant for all programs covers every single one)."""
    exists = await session.scalar(
        select(Coordinator.id).where(
            Coordinator.user_id == user_id,
            or_(Coordinator.program_id.is_(None), Coordinator.program_id == program_id),
        )
    )
    if exists is not None:
        return False
    session.add(
        Coordinator(user_id=user_id, program_id=program_id, granted_by=granted_by, created_at=now)
    )
    await session.flush()
    return True


async def revoke_coordinator(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Coordinator).where(Coordinator.user_id == user_id))
