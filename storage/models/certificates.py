"""Certificates of participation: what the program handed each participant at the end."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


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
