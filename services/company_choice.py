"""Asking "Meinten Sie …?": a typed company name that probably is a known employer.

Registration and /profile ask the same question with the same rules, so that a company typed
either way ends up linked to the directory's employer instead of starting a look-alike. The open
question is kept in the caller's dialog state (what was typed and the ids offered), so a press
is checked against exactly the companies that were offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.conversation import State
from services.unit import UnitOfWork
from storage import companies

if TYPE_CHECKING:
    from storage.models import Company

OFFERED = 5


class Question(State):
    """An open question, stored in the dialog under `company_choice`."""

    typed: str
    ids: list[int]


@dataclass(frozen=True)
class Lookup:
    """What a typed name means: a known company (`company_id`), a question to ask, or neither
    (a new company, created when the answer is stored)."""

    company_id: int | None = None
    question: Question | None = None


@dataclass(frozen=True)
class Offer:
    """The question as it is shown: the companies offered that are still known, in order."""

    typed: str
    companies: list[Company]


@dataclass(frozen=True)
class Chosen:
    """The answer: the name to store and the company it links (None: their own spelling,
    resolved or created when stored)."""

    name: str
    company_id: int | None


async def look_up(uow: UnitOfWork, typed: str) -> Lookup:
    known = await companies.find(uow.session, typed)
    if known is not None:
        return Lookup(company_id=known.id)
    candidates = await companies.similar(uow.session, typed, limit=OFFERED)
    if not candidates:
        return Lookup()
    return Lookup(question=Question(typed=typed, ids=[c.id for c in candidates]))


async def offer(uow: UnitOfWork, question: Question) -> Offer:
    """A company merged away since the question was stored is no longer offered."""
    found = await companies.by_ids(uow.session, question.ids)
    return Offer(question.typed, [found[cid] for cid in question.ids if cid in found])


async def answer(uow: UnitOfWork, question: Question, company_id: int | None) -> Chosen | None:
    """A company offered in this very question, or their own spelling (None). Anything else (a
    forged id, a company merged away since) is None: the caller says so and asks again."""
    if company_id is None:
        return Chosen(question.typed, None)
    if company_id not in question.ids:
        return None
    company = await companies.get(uow.session, company_id)
    if company is None:
        return None
    return Chosen(company.name, company.id)
