"""Typed SQLAlchemy models.

Times are stored as timezone-aware UTC. Telegram ids are 64-bit, hence BigInteger everywhere a
Telegram id lives. Program settings that later features will extend (topic list, reminder offsets,
matching weights) sit in one JSON column so that adding a knob needs no migration.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from core.broadcasts import Audience, BroadcastStatus, DeliveryState
from core.events import Answer, EventStatus
from core.meetings import MeetingStatus, Outcome
from core.profile import Role
from core.programs import ParticipantStatus, ProgramStatus
from core.reminders import Kind, State
from core.surveys import SurveyKind, SurveyStatus
from core.tandems import ProposalStatus, TandemStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """SQLite forgets the zone of a datetime; this type hands back aware UTC on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A vocabulary of `core` stored as its value in a plain String column (no database enum, so
    a new member needs no migration). A value outside the vocabulary is refused when it is
    written, in a row or in a comparison, instead of landing in the table as a typo; rows come
    back as members, so code compares them with the enum and never with a loose string."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
    }


class User(Base):
    """A Telegram identity. Created on consent (or on an explicit setting such as /language)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    reachable: Mapped[bool] = mapped_column(default=True)
    # Since when the user has paused reminders and nudges (/pause); NULL while they come.
    paused_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Coordinator(Base):
    """A granted coordinator role; `program_id` NULL means all programs."""

    __tablename__ = "coordinators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("user_id", "program_id", name="uq_coordinators_user_program"),
    )


class Program(Base):
    """A cohort ("Jahrgang")."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ProgramStatus] = mapped_column(EnumText(ProgramStatus, 16), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]

    participants: Mapped[list[Participant]] = relationship(back_populates="program")


class Participant(Base):
    """A user's registration in one program, with the profile they gave."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    # NULL once the person erased their data (/deleteme): the row stays, anonymous, so that the
    # partner's tandem, meetings and the program's figures keep their counts.
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE")
    )
    role: Mapped[Role] = mapped_column(EnumText(Role, 8))
    status: Mapped[ParticipantStatus] = mapped_column(EnumText(ParticipantStatus, 16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # As typed at registration; `company_id` is the employer it names in the directory, which
    # the matching's "different employer" rule uses.
    company: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    industry: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals: Mapped[str] = mapped_column(Text)
    meeting_format: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[dt.datetime | None]
    # How many mentees a mentor takes; coordinators raise it for experienced mentors.
    capacity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    erased_at: Mapped[dt.datetime | None]
    # How the bot writes about the person (core.address.FormOfAddress): f "Frau", m "Herr",
    # n neutral (by name only). Rows from before the question was asked are neutral.
    form_of_address: Mapped[str] = mapped_column(String(1), default="n", server_default="n")

    program: Mapped[Program] = relationship(back_populates="participants")
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("program_id", "user_id", name="uq_participants_program_user"),
        CheckConstraint("form_of_address IN ('f', 'm', 'n')", name="form_of_address"),
    )


class CompanyGroup(Base):
    """A corporate group: no tandem may join two of its companies (e.g. Salzgitter AG and
    Salzgitter Flachstahl GmbH). Per installation, shared by every program."""

    __tablename__ = "company_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class Company(Base):
    """An employer in the installation's company directory.

    `key` is `core.companies.normalize_company(name)`; other spellings of the same employer are
    `CompanyAlias` rows. `reviewed_at` is NULL while no coordinator has looked at a name that a
    participant typed at registration (a new company, or a typo of a known one).
    """

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("company_groups.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime]
    reviewed_at: Mapped[dt.datetime | None]


class CompanyAlias(Base):
    """Another spelling of a company ("VW", "Volkswagen AG, Werk Salzgitter"), by its key."""

    __tablename__ = "company_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime]


class CompanyDistinction(Base):
    """A coordinator's decision that two similar names are different employers ("keep apart"):
    the matching no longer warns about them. `company_a` < `company_b`."""

    __tablename__ = "company_distinctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_a: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    company_b: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("company_a", "company_b", name="uq_company_distinctions_pair"),
        CheckConstraint("company_a < company_b", name="order"),
    )


class CompanyExclusion(Base):
    """Two companies never paired in a program: competitors or dependent on each other."""

    __tablename__ = "company_exclusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    company_a: Mapped[str] = mapped_column(String(200))
    company_b: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("program_id", "company_a", "company_b", name="uq_company_exclusions_pair"),
    )


class MatchProposal(Base):
    """The coordinators' working copy of a matching round.

    Pins and exclusions are the coordinator's constraints; `result` is the engine's latest answer
    for them. `version` grows with every change so a button from an older rendering is refused.
    """

    __tablename__ = "match_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    status: Mapped[ProposalStatus] = mapped_column(EnumText(ProposalStatus, 16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    pins: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    exclusions: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    approved_by: Mapped[int | None] = mapped_column(BigInteger)
    approved_at: Mapped[dt.datetime | None]


class Tandem(Base):
    """A mentor and a mentee. At most one active tandem per mentee, enforced by the database."""

    __tablename__ = "tandems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    status: Mapped[TandemStatus] = mapped_column(EnumText(TandemStatus, 16))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_proposals.id", ondelete="SET NULL")
    )
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime]
    intro_due_at: Mapped[dt.datetime | None]
    introduced_at: Mapped[dt.datetime | None]
    dissolved_at: Mapped[dt.datetime | None]
    dissolved_by: Mapped[int | None] = mapped_column(BigInteger)
    dissolve_reason: Mapped[str | None] = mapped_column(Text)
    # The mentoring agreement ("Tandemvereinbarung"), confirmed by each partner in the chat.
    mentor_agreed_at: Mapped[dt.datetime | None]
    mentee_agreed_at: Mapped[dt.datetime | None]
    # Nudges since the tandem last met; reset by a meeting. Coordinators hear at a threshold.
    nudges: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_nudged_at: Mapped[dt.datetime | None]
    at_risk_reported_at: Mapped[dt.datetime | None]

    mentor: Mapped[Participant] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Participant] = relationship(foreign_keys=[mentee_id])

    __table_args__ = (
        Index(
            "uq_tandems_active_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_tandems_program_status", "program_id", "status"),
    )


class Dialog(Base):
    """A half-finished conversation. One per user; survives restarts and is shared by processes."""

    __tablename__ = "dialogs"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime]


class ProcessedUpdate(Base):
    """Recently handled update ids: a redelivered update (webhook retry) has no second effect."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[dt.datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """Refused and sensitive actions (role grants, decisions, forged callbacks)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime]


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


class ProgramEvent(Base):
    """A program-wide date: kickoff, workshop, network meeting, mid-term review, closing event."""

    __tablename__ = "program_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    place: Mapped[str | None] = mapped_column(String(300))
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
    text: Mapped[str] = mapped_column(Text)
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


class Survey(Base):
    """A program questionnaire: the mid-term review ("Zwischenbilanz") or the final evaluation."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[SurveyKind] = mapped_column(EnumText(SurveyKind, 16))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[SurveyStatus] = mapped_column(EnumText(SurveyStatus, 16))
    send_at: Mapped[dt.datetime | None]
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]


class SurveyResponse(Base):
    """One participant's answers to one survey, filled in question by question."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    # NULL once the person erased their data: the answers that count stay, without a link to
    # the registration (a partner could tell whose they were), with the role it had.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE")
    )
    role: Mapped[Role | None] = mapped_column(EnumText(Role, 8))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    wants_support: Mapped[bool] = mapped_column(default=False)
    wants_rematch: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("survey_id", "participant_id", name="uq_survey_responses_person"),
    )


class Certificate(Base):
    """A certificate of participation ("Teilnahmebescheinigung") issued to a participant."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    meetings: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[int | None] = mapped_column(BigInteger)
    issued_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("program_id", "participant_id", name="uq_certificates_person"),
    )
