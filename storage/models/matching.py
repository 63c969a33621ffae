"""Matching: the coordinators' working copy of a round and the tandems it produces."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.tandems import ProposalStatus, TandemStatus
from storage.models.base import Base, EnumText
from storage.models.programs import Participant


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
