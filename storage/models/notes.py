"""What partners told the program team about their tandem and the team's relayed conversation
with them (issue #13), kept with the tandem for its card."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.tandems import NoteKind, NoteScope
from storage.models.base import Base, EnumText


class TandemNote(Base):
    """One message about a tandem: a partner's concern or "does not fit" (to the team), the
    team's message to one partner or both, or a partner's reply.

    `author_id` is the writer's Telegram id (NULL once they erased their data, when a
    partner's own notes are deleted with them: storage/erasure.py); `author_role` is mentor,
    mentee or team, for the card."""

    __tablename__ = "tandem_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tandem_id: Mapped[int] = mapped_column(ForeignKey("tandems.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[NoteKind] = mapped_column(EnumText(NoteKind, 16))
    scope: Mapped[NoteScope] = mapped_column(EnumText(NoteScope, 16))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_tandem_notes_tandem_created", "tandem_id", "created_at"),)
