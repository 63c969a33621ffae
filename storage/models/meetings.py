"""Tandem meetings and each partner's feedback about them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.meetings import MeetingStatus, Outcome
from storage.models.base import Base, EnumText
from storage.models.matching import Tandem


class Meeting(Base):
    """A tandem meeting: proposed by one partner, confirmed by the other, then held or not.

    Only that it happens is recorded, never what was discussed. `version` grows when the time
    moves, so reminders and calendar files of an older time are recognisably stale.
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tandem_id: Mapped[int] = mapped_column(ForeignKey("tandems.id", ondelete="CASCADE"))
    status: Mapped[MeetingStatus] = mapped_column(EnumText(MeetingStatus, 16))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    online: Mapped[bool] = mapped_column(default=False)
    place: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500))
    # NULL once the proposer erased their data (/deleteme); the meeting stays for the counts.
    proposed_by: Mapped[int | None] = mapped_column(BigInteger)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=0)
    # held | postponed | cancelled | disputed, from both partners' feedback
    # (`core.meetings.combined_outcome`).
    outcome: Mapped[Outcome | None] = mapped_column(EnumText(Outcome, 16))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    # For a recorded ("logged") meeting: when the partner or a coordinator confirmed it; it
    # counts as held only from then on.
    confirmed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(BigInteger)
    # The day (in the program's zone) of a recorded meeting still standing: one per tandem and
    # day, enforced by the unique constraint even for two simultaneous presses. NULL for
    # meetings planned in the bot and for recorded ones the partner rejected.
    logged_on: Mapped[dt.date | None] = mapped_column(Date)
    # The UID its calendar files were sent with, when it is not the one derived from the
    # installation (`handlers.views.meeting.calendar_uid`): meetings from before migration 0012
    # keep the old "meeting-<id>@tandem", so that an update lands on the entry already there.
    calendar_uid: Mapped[str | None] = mapped_column(String(255))

    tandem: Mapped[Tandem] = relationship()

    __table_args__ = (
        Index("ix_meetings_tandem_status", "tandem_id", "status"),
        Index("ix_meetings_starts_at", "starts_at"),
        UniqueConstraint("tandem_id", "logged_on", name="uq_meetings_tandem_logged_on"),
    )


class MeetingFeedback(Base):
    """One partner's answer about one meeting: did it happen, how useful, a note for the program."""

    __tablename__ = "meeting_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    took_place: Mapped[Outcome | None] = mapped_column(EnumText(Outcome, 16))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # Asked once per partner and tandem, after the first meeting: does the tandem fit?
    # (private). `fit_asked_at` marks the feedback with which it was asked.
    fits: Mapped[bool | None]
    fit_asked_at: Mapped[dt.datetime | None]
    rematch_requested: Mapped[bool | None]
    created_at: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("meeting_id", "participant_id", name="uq_meeting_feedback_meeting_person"),
    )
