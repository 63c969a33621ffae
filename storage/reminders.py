"""The durable schedule: planned messages and their delivery state.

Every state change is a conditional UPDATE, so two timers for the same row (a reload racing a
fire, or later two processes) can never both send it. A notice that leaves pending/sending
drops its payload (its finished text, which names people) in the same UPDATE; the database
refuses a finished notice that still has one (`ck_reminders_finished_without_payload`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import JSON, case, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.reminders import Kind, Planned, State
from storage.db import insert
from storage.models import Reminder

# The payload of a row being finished: a notice's text goes (it names people and is not needed
# once sent or given up); other kinds keep theirs (an event reminder's offset, no person).
FINISHED_PAYLOAD = case(
    (Reminder.kind == Kind.NOTICE.value, literal({}, JSON)), else_=Reminder.payload
)


async def plan(
    session: AsyncSession,
    planned: Sequence[Planned],
    *,
    now: dt.datetime,
    tandem_id: int | None = None,
    meeting_id: int | None = None,
    event_id: int | None = None,
    survey_id: int | None = None,
    broadcast_id: int | None = None,
) -> list[tuple[int, dt.datetime]]:
    """Insert what is not planned yet (by key); returns (id, due_at) of the new rows."""
    if not planned:
        return []
    # One statement with the rows as parameters: SQLAlchemy compiles it once and batches the
    # rows itself ("insertmanyvalues"), several times faster than a VALUES list per batch.
    statement = (
        insert(session, Reminder)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Reminder.id, Reminder.due_at)
    )
    rows = [
        {
            "key": p.key,
            "kind": p.kind.value,
            "due_at": p.due_at,
            "user_id": p.user_id,
            "tandem_id": tandem_id,
            "meeting_id": meeting_id,
            "event_id": event_id,
            "survey_id": survey_id,
            "broadcast_id": broadcast_id,
            "payload": p.payload,
            "state": State.PENDING.value,
            "attempts": 0,
            "created_at": now,
        }
        for p in planned
    ]
    result = await session.execute(statement, rows)
    created = [(row.id, row.due_at) for row in result]
    return created


async def get(session: AsyncSession, reminder_id: int) -> Reminder | None:
    return await session.get(Reminder, reminder_id)


async def cancel(
    session: AsyncSession,
    *,
    now: dt.datetime,
    meeting_id: int | None = None,
    event_id: int | None = None,
    broadcast_id: int | None = None,
    survey_id: int | None = None,
    tandem_id: int | None = None,
    user_id: int | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Pending rows about a meeting, event, broadcast, survey or tandem (optionally one user's,
    some kinds) are dropped."""
    statement = update(Reminder).where(Reminder.state == State.PENDING.value)
    about = (
        (Reminder.tandem_id, tandem_id),
        (Reminder.meeting_id, meeting_id),
        (Reminder.event_id, event_id),
        (Reminder.broadcast_id, broadcast_id),
        (Reminder.survey_id, survey_id),
        (Reminder.user_id, user_id),
    )
    for column, value in about:
        if value is not None:
            statement = statement.where(column == value)
    if kinds is not None:
        statement = statement.where(Reminder.kind.in_(list(kinds)))
    result = await session.execute(
        statement.values(
            state=State.CANCELLED.value, done_at=now, payload=FINISHED_PAYLOAD
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def drop_pending(session: AsyncSession, *, survey_id: int) -> int:
    """Forget a taken-back survey's planned rows, so that scheduling it again plans them anew
    (their keys are unique). A timer already armed for one finds nothing to claim."""
    result = await session.execute(
        delete(Reminder)
        .where(Reminder.survey_id == survey_id, Reminder.state == State.PENDING.value)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def pending_due(session: AsyncSession, ids: Sequence[int]) -> list[tuple[int, dt.datetime]]:
    if not ids:
        return []
    rows = await session.execute(
        select(Reminder.id, Reminder.due_at).where(
            Reminder.id.in_(list(ids)), Reminder.state == State.PENDING.value
        )
    )
    return [(reminder_id, due_at) for reminder_id, due_at in rows.tuples()]


async def due_until(session: AsyncSession, until: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """Pending rows due by `until`, overdue ones included (the bot may have been down)."""
    rows = await session.execute(
        select(Reminder.id, Reminder.due_at)
        .where(Reminder.state == State.PENDING.value, Reminder.due_at <= until)
        .order_by(Reminder.due_at, Reminder.id)
    )
    return [(row.id, row.due_at) for row in rows]


async def claim_key(session: AsyncSession, key: str, now: dt.datetime) -> int | None:
    """Claim the pending row with this key; its id, or None if it is gone or taken."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.key == key, Reminder.state == State.PENDING.value)
        .values(state=State.SENDING.value, claimed_at=now, attempts=Reminder.attempts + 1)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    found = result.first()
    return int(found[0]) if found is not None else None


async def claim(session: AsyncSession, reminder_id: int, now: dt.datetime) -> bool:
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.state == State.PENDING.value)
        .values(
            state=State.SENDING.value,
            claimed_at=now,
            attempts=Reminder.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def finish(
    session: AsyncSession,
    reminder_id: int,
    state: State,
    now: dt.datetime,
    error: str | None = None,
) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.state == State.SENDING.value)
        .values(
            state=state.value,
            done_at=now,
            error=(error or None) and error[:200],
            payload=FINISHED_PAYLOAD,
        )
        .execution_options(synchronize_session=False)
    )


async def interrupt_stale(session: AsyncSession, now: dt.datetime) -> int:
    """Rows a dead process had claimed: they may or may not have reached Telegram. At most
    once beats twice for a reminder, so they are closed, not resent."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.state == State.SENDING.value)
        .values(state=State.INTERRUPTED.value, done_at=now, payload=FINISHED_PAYLOAD)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def later_sibling_due(session: AsyncSession, reminder: Reminder, now: dt.datetime) -> bool:
    """Another reminder of the same kind and subject for the same user is also due: after
    downtime only the latest of them goes out ("in 1 hour", not also "tomorrow")."""
    found = await session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.user_id == reminder.user_id,
            Reminder.kind == reminder.kind,
            Reminder.meeting_id.is_(None)
            if reminder.meeting_id is None
            else Reminder.meeting_id == reminder.meeting_id,
            Reminder.event_id.is_(None)
            if reminder.event_id is None
            else Reminder.event_id == reminder.event_id,
            Reminder.id != reminder.id,
            Reminder.due_at > reminder.due_at,
            Reminder.due_at <= now,
            Reminder.state.in_([State.PENDING.value, State.SENDING.value, State.SENT.value]),
        )
    )
    return bool(found)


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Reminder.state, func.count()).group_by(Reminder.state))
    return {state: int(n) for state, n in rows.tuples()}
