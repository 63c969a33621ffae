"""What the bot sends on its own: the durable reminder schedule and coordinators' broadcasts
with their per-recipient outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.broadcasts import AttachmentKind, Audience, BroadcastStatus, DeliveryState
from core.reminders import Kind, State
from storage.models.base import Base, EnumText

FINISHED_WITHOUT_PAYLOAD = (
    "kind <> 'notice' OR state IN ('pending', 'sending') OR CAST(payload AS TEXT) = '{}'"
)


class Reminder(Base):
    """The durable schedule: one row per message the bot will send on its own at a set time.

    The scheduler (APScheduler) only holds timers for rows due soon; this table is the truth and
    survives restarts. `key` makes planning idempotent (the same reminder is never planned twice)
    and `state` moves pending -> sending -> sent | skipped | unreachable | failed | cancelled by
    conditional updates, so a reminder goes out at most once however often it is loaded.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[Kind] = mapped_column(EnumText(Kind, 32))
    due_at: Mapped[dt.datetime]
    # The recipient; NULL once they erased their data (/deleteme): their rows that went out
    # stay for the counts (a survey's reach), those never to be sent go.
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    tandem_id: Mapped[int | None] = mapped_column(ForeignKey("tandems.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_events.id", ondelete="CASCADE")
    )
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[State] = mapped_column(EnumText(State, 16), default=State.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        Index("ix_reminders_state_due", "state", "due_at"),
        Index("ix_reminders_meeting", "meeting_id"),
        # A notice (a message for someone else) is text about a person: it lives only until
        # it is sent (or given up), so that an erasure never has finished messages to hunt for.
        CheckConstraint(FINISHED_WITHOUT_PAYLOAD, name="finished_without_payload"),
    )


class Broadcast(Base):
    """A coordinator's announcement to an audience; its recipients are rows of the outbox."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL: all programs.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(EnumText(Audience, 16))
    quiet_days: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # "" with a file or picture alone
    # A file or picture sent with it, by Telegram's file_id (the text is its caption).
    file_kind: Mapped[AttachmentKind | None] = mapped_column(EnumText(AttachmentKind, 16))
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_name: Mapped[str | None] = mapped_column(String(255))
    # draft | scheduled | sending | done | cancelled
    status: Mapped[BroadcastStatus] = mapped_column(EnumText(BroadcastStatus, 16), index=True)
    scheduled_at: Mapped[dt.datetime | None]
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # NULL: the author was erased
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    # The one message the coordinator watches, edited as delivery goes on.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Sent as a paid broadcast (allow_paid_broadcast: up to 1,000 a second, 0.1 Stars each).
    paid: Mapped[bool] = mapped_column(default=False, server_default=false())


class Delivery(Base):
    """The outbox: one row per recipient of a broadcast. The unique pair makes a second copy of
    an announcement to the same person impossible; rows are claimed before they are sent."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    # pending | sending | sent | unreachable | failed | interrupted
    state: Mapped[DeliveryState] = mapped_column(EnumText(DeliveryState, 16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Sent again after an interruption: the copy says they may have it already.
    resent: Mapped[bool] = mapped_column(default=False, server_default=false())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id", name="uq_deliveries_broadcast_user"),
        Index("ix_deliveries_broadcast_state", "broadcast_id", "state"),
    )
