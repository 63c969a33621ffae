"""Broadcasts and their outbox.

Rows are claimed with a conditional UPDATE before they are sent; on PostgreSQL the claim skips
rows another sender has locked (FOR UPDATE SKIP LOCKED), so several sender processes can work
through one outbox without sending a row twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts import AttachmentKind, Audience, BroadcastStatus, DeliveryState
from core.programs import ParticipantStatus
from core.tandems import TandemStatus
from storage.db import added, insert
from storage.meetings import last_met
from storage.models import Broadcast, Delivery, Participant, Tandem


async def create(
    session: AsyncSession,
    *,
    program_id: int | None,
    audience: Audience,
    quiet_days: int | None,
    text: str,
    status: BroadcastStatus,
    scheduled_at: dt.datetime | None,
    created_by: int,
    now: dt.datetime,
    file: tuple[AttachmentKind, str, str | None] | None = None,
) -> Broadcast:
    """`file`: (kind, Telegram's file_id, file name) of a file or picture sent with it."""
    kind, file_id, file_name = file if file is not None else (None, None, None)
    broadcast = Broadcast(
        program_id=program_id,
        audience=audience.value,
        quiet_days=quiet_days,
        text=text,
        file_kind=kind,
        file_id=file_id,
        file_name=file_name[:255] if file_name else None,
        status=status.value,
        scheduled_at=scheduled_at,
        created_by=created_by,
        created_at=now,
    )
    return await added(session, broadcast)


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def recipients(
    session: AsyncSession,
    *,
    program_id: int | None,
    audience: Audience,
    quiet_days: int | None,
    now: dt.datetime,
) -> list[tuple[int, str]]:
    """(user id, name) of everyone the audience means now; each person once, even if they take
    part in several programs."""
    query = select(Participant).where(Participant.status == ParticipantStatus.ACTIVE)
    if program_id is not None:
        query = query.where(Participant.program_id == program_id)
    if audience is Audience.MENTORS:
        query = query.where(Participant.role == "mentor")
    elif audience is Audience.MENTEES:
        query = query.where(Participant.role == "mentee")
    elif audience is Audience.UNMATCHED:
        in_tandem = select(Tandem.id).where(
            Tandem.status == TandemStatus.ACTIVE,
            or_(Tandem.mentor_id == Participant.id, Tandem.mentee_id == Participant.id),
        )
        query = query.where(~in_tandem.exists())
    elif audience is Audience.QUIET:
        quiet = await quiet_participant_ids(
            session, program_id=program_id, days=quiet_days or 0, now=now
        )
        query = query.where(Participant.id.in_(quiet))
    elif audience is Audience.UNMET:
        unmet = await unmet_participant_ids(session, program_id, now)
        query = query.where(Participant.id.in_(unmet))
    people = (await session.scalars(query.order_by(Participant.name, Participant.id))).all()
    seen: dict[int, str] = {}
    for person in people:
        if person.user_id is not None:
            seen.setdefault(person.user_id, person.name)
    return list(seen.items())


async def _introduced_tandems(session: AsyncSession, program_id: int | None) -> list[Tandem]:
    query = select(Tandem).where(
        Tandem.status == TandemStatus.ACTIVE, Tandem.introduced_at.is_not(None)
    )
    if program_id is not None:
        query = query.where(Tandem.program_id == program_id)
    return list((await session.scalars(query)).all())


async def unmet_participant_ids(
    session: AsyncSession, program_id: int | None, now: dt.datetime
) -> set[int]:
    """Both partners of introduced active tandems without a held meeting yet (the one rule of
    `storage.meetings`: a meeting only proposed, or reported as postponed, does not count)."""
    tandems = await _introduced_tandems(session, program_id)
    met = await last_met(session, [t.id for t in tandems], now)
    return {p for t in tandems if t.id not in met for p in (t.mentor_id, t.mentee_id)}


async def quiet_participant_ids(
    session: AsyncSession, *, program_id: int | None, days: int, now: dt.datetime
) -> set[int]:
    """Both partners of introduced active tandems whose last meeting (or introduction, if they
    never met) is at least `days` ago."""
    tandems = await _introduced_tandems(session, program_id)
    met = await last_met(session, [t.id for t in tandems], now)
    limit = now - dt.timedelta(days=days)
    quiet: set[int] = set()
    for tandem in tandems:
        assert tandem.introduced_at is not None
        anchor = max(tandem.introduced_at, met.get(tandem.id, tandem.introduced_at))
        if anchor <= limit:
            quiet.update((tandem.mentor_id, tandem.mentee_id))
    return quiet


async def enqueue(
    session: AsyncSession, broadcast_id: int, people: Sequence[tuple[int, str]]
) -> int:
    """The outbox rows; a person already in it is not added again."""
    if not people:
        return 0
    statement = insert(session, Delivery).on_conflict_do_nothing(
        index_elements=["broadcast_id", "user_id"]
    )
    await session.execute(
        statement,
        [
            {
                "broadcast_id": broadcast_id,
                "user_id": user_id,
                "name": name[:200],
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
            }
            for user_id, name in people
        ],
    )
    return len(people)


async def start(session: AsyncSession, broadcast_id: int, now: dt.datetime) -> bool:
    """Scheduled -> sending, once (the timer and a restart may both try)."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == BroadcastStatus.SCHEDULED.value,
        )
        .values(status=BroadcastStatus.SENDING.value, started_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def cancel(session: AsyncSession, broadcast_id: int) -> bool:
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == BroadcastStatus.SCHEDULED.value,
        )
        .values(status=BroadcastStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def finish_broadcast(session: AsyncSession, broadcast_id: int, now: dt.datetime) -> bool:
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING.value)
        .values(status=BroadcastStatus.DONE.value, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def next_pending(
    session: AsyncSession, broadcast_id: int, skip: Collection[int], limit: int = 1
) -> list[tuple[int, int, bool]]:
    """The next `limit` pending rows not in `skip` (rows this sender already has in hand):
    (delivery id, user id, resent). Only a look: a row is claimed when its message is about to
    go out."""
    query = select(Delivery.id, Delivery.user_id, Delivery.resent).where(
        Delivery.broadcast_id == broadcast_id, Delivery.state == DeliveryState.PENDING.value
    )
    if skip:
        query = query.where(Delivery.id.not_in(list(skip)))
    rows = (await session.execute(query.order_by(Delivery.id).limit(limit))).all()
    return [(row.id, row.user_id, bool(row.resent)) for row in rows]


async def claim(
    session: AsyncSession,
    broadcast_id: int,
    worker: str,
    limit: int,
    now: dt.datetime,
    ids: Collection[int] | None = None,
) -> list[tuple[int, int]]:
    """Up to `limit` pending rows (of `ids`, if given) for this sender: (delivery id, user id).
    A claimed row is in doubt until it is finished: a sender that dies leaves it interrupted,
    so the broadcaster claims a row only once the rate limiter has given its message a slot."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    candidates = (
        select(Delivery.id)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.state == DeliveryState.PENDING.value,
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    if ids is not None:
        candidates = candidates.where(Delivery.id.in_(list(ids)))
    if dialect == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    # A CTE is evaluated once; an IN (subquery ... LIMIT) may be re-run by PostgreSQL's planner
    # and claim more rows than asked for.
    picked = candidates.cte("picked")
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == picked.c.id, Delivery.state == DeliveryState.PENDING.value)
        .values(
            state=DeliveryState.SENDING.value,
            claimed_by=worker,
            claimed_at=now,
            attempts=Delivery.attempts + 1,
        )
        .returning(Delivery.id, Delivery.user_id)
        .execution_options(synchronize_session=False)
    )
    return sorted((row.id, row.user_id) for row in result)


async def finish(
    session: AsyncSession,
    delivery_id: int,
    state: DeliveryState,
    now: dt.datetime,
    error: str | None = None,
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state == DeliveryState.SENDING.value)
        .values(state=state.value, done_at=now, error=error[:200] if error else None)
        .execution_options(synchronize_session=False)
    )


async def interrupt_stale(session: AsyncSession, now: dt.datetime) -> int:
    """Rows a dead sender had claimed: closed, not resent (an announcement at most once)."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.state == DeliveryState.SENDING.value)
        .values(state=DeliveryState.INTERRUPTED.value, done_at=now, error="interrupted")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def retry_failed(session: AsyncSession, broadcast_id: int) -> int:
    """The coordinator asks to try again those it did not reach: failed ones (Telegram trouble)
    and unreachable ones (who may have unblocked the bot since). Interrupted ones are not
    retried here: they may have arrived (see resend_interrupted)."""
    return await _requeue(
        session,
        broadcast_id,
        Delivery.state.in_([DeliveryState.FAILED.value, DeliveryState.UNREACHABLE.value]),
    )


async def resend_interrupted(session: AsyncSession, broadcast_id: int) -> int:
    """The coordinator asks to send again those whose message was in flight when a sender died:
    they may have it already, so the copy carries a note saying so (`resent`)."""
    return await _requeue(
        session, broadcast_id, Delivery.state == DeliveryState.INTERRUPTED.value, resent=True
    )


async def _requeue(session: AsyncSession, broadcast_id: int, which: Any, **values: Any) -> int:
    """Put these deliveries back in the queue; a broadcast already done is sending again."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, which)
        .values(state=DeliveryState.PENDING.value, error=None, **values)
        .execution_options(synchronize_session=False)
    )
    changed = int(getattr(result, "rowcount", 0) or 0)
    if changed:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.DONE.value)
            .values(status=BroadcastStatus.SENDING.value, finished_at=None)
            .execution_options(synchronize_session=False)
        )
    return changed


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Delivery.state, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.state)
    )
    return {state: int(n) for state, n in rows.tuples()}


async def names_in(session: AsyncSession, broadcast_id: int, states: Sequence[str]) -> list[str]:
    rows = await session.scalars(
        select(Delivery.name)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.state.in_(list(states)))
        .order_by(Delivery.name)
    )
    return list(rows.all())


async def in_progress(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.status == BroadcastStatus.SENDING.value)
        .order_by(Broadcast.id)
    )
    return list(rows.all())


async def scheduled(session: AsyncSession) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.status == BroadcastStatus.SCHEDULED.value)
        .order_by(Broadcast.scheduled_at, Broadcast.id)
    )
    return list(rows.all())
