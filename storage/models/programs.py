"""A cohort and the registrations in it: the aggregate most other tables hang off."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.profile import Role
from core.programs import ParticipantStatus, ProgramStatus
from storage.models.base import Base, EnumText
from storage.models.users import User


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
    # Who participants ask when the bot cannot help (core.contact): personal data of a program
    # team member, so in columns of their own, visible in the schema, rather than in `settings`.
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    # The optional questions of the registration form (core.profile.OPTIONAL_FIELDS), by name.
    form_fields: Mapped[list[str] | None] = mapped_column(JSON)

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
    # Asked when the program's form has them (core.profile.OPTIONAL_FIELDS): the place as typed
    # and where the gazetteer (core.places) put it, if it knew it; the languages spoken (ISO
    # codes, what matching pairs by); a profile link.
    location: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    languages: Mapped[list[str] | None] = mapped_column(JSON)
    profile_url: Mapped[str | None] = mapped_column(String(200))

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
