"""Program-wide dates and the participants' answers to them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.events import Answer, EventStatus
from storage.models.base import Base, EnumText


class ProgramEvent(Base):
    """A program-wide date: kickoff, workshop, network meeting, mid-term review, closing event."""

    __tablename__ = "program_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime | None]  # None: not given (calendars get EVENT_LENGTH)
    place: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)  # places; None: no limit
    status: Mapped[EventStatus] = mapped_column(
        EnumText(EventStatus, 16), default=EventStatus.PLANNED
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_program_events_program_starts", "program_id", "starts_at"),)


class EventRsvp(Base):
    __tablename__ = "event_rsvps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("program_events.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    answer: Mapped[Answer] = mapped_column(EnumText(Answer, 8))
    answered_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("event_id", "participant_id", name="uq_event_rsvps_event_person"),
    )
