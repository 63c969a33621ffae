"""A tandem's notes: concerns, "does not fit" and the program team's relayed conversation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.erasure import Scrubber
from core.tandems import NoteKind, NoteScope
from storage.db import added
from storage.models import Tandem, TandemNote


async def add(
    session: AsyncSession,
    *,
    tandem_id: int,
    author_id: int,
    author_role: str,
    kind: NoteKind,
    scope: NoteScope,
    text: str | None,
    now: dt.datetime,
) -> TandemNote:
    note = TandemNote(
        tandem_id=tandem_id,
        author_id=author_id,
        author_role=author_role,
        kind=kind,
        scope=scope,
        text=text,
        created_at=now,
    )
    return await added(session, note)


async def get(session: AsyncSession, note_id: int) -> TandemNote | None:
    return await session.get(TandemNote, note_id)


async def latest(session: AsyncSession, tandem_id: int, limit: int) -> list[TandemNote]:
    """The tandem's newest notes, oldest first."""
    query = (
        select(TandemNote)
        .where(TandemNote.tandem_id == tandem_id)
        .order_by(TandemNote.created_at.desc(), TandemNote.id.desc())
        .limit(limit)
    )
    return list(reversed((await session.scalars(query)).all()))


async def erase_person(
    session: AsyncSession,
    user_id: int,
    tandems: Sequence[Tandem],
    mine: set[int],
    identity: Scrubber,
) -> None:
    """A partner erases their data (storage/erasure.py): their own notes (concerns, "does not
    fit", replies) go, and so do the team's messages to them alone; the rest of their tandems'
    notes (the partner's, the team's to both) lose what names them."""
    for tandem in tandems:
        role = NoteScope.MENTOR if tandem.mentor_id in mine else NoteScope.MENTEE
        await session.execute(
            delete(TandemNote)
            .where(
                TandemNote.tandem_id == tandem.id,
                or_(
                    TandemNote.author_id == user_id,
                    and_(TandemNote.kind == NoteKind.TEAM, TandemNote.scope == role),
                ),
            )
            .execution_options(synchronize_session=False)
        )
    kept = (
        await session.scalars(
            select(TandemNote).where(
                TandemNote.tandem_id.in_([t.id for t in tandems]), TandemNote.text.is_not(None)
            )
        )
    ).all()
    for note in kept:
        if note.text and identity.names(note.text):
            await session.execute(
                update(TandemNote)
                .where(TandemNote.id == note.id)
                .values(text=identity.text(note.text))
                .execution_options(synchronize_session=False)
            )
