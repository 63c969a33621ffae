"""The company directory (employers, their groups and spellings) and the pairs of companies
that the matching must keep apart."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


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
