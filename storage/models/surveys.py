"""Program questionnaires and the participants' answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.profile import Role
from core.surveys import SurveyKind, SurveyStatus
from storage.models.base import Base, EnumText


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
