"""What a matching round reads from the database: the pool, the coordinators' constraints and the
company directory's view of who works for whom, as the engine's (`core.matching`) inputs.

Everything is read fresh for each computation, so a merge, a new corporate group or an exclusion
applies to the next proposal, swap and approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.companies import normalize_company, probably_same
from core.profile import Role
from core.programs import ParticipantStatus
from core.tandems import TandemStatus
from storage import companies
from storage.models import (
    Company,
    CompanyAlias,
    CompanyExclusion,
    MatchProposal,
    Participant,
    Program,
    Tandem,
    User,
)

if TYPE_CHECKING:
    from core.matching import Constraints, Person, Reason, Weights


def _person(participant: Participant, language: str, employer: str, capacity: int = 1) -> Person:
    from core.matching import Person  # numpy: imported when a round is computed, not at start

    return Person(
        id=participant.id,
        company=participant.company,
        industry=participant.industry,
        position=participant.position,
        topics=frozenset(participant.topics),
        meeting_format=participant.meeting_format,
        # The languages spoken when the program asked them; else the bot's language, the one
        # thing known about what the person reads.
        languages=frozenset(participant.languages or [language]),
        location=_location(participant),
        capacity=capacity,
        name=participant.name,
        employer=employer,
    )


def _location(participant: Participant) -> tuple[float, float] | None:
    if participant.latitude is None or participant.longitude is None:
        return None
    return (participant.latitude, participant.longitude)


async def _employers(session: AsyncSession, participants: Sequence[Participant]) -> dict[int, str]:
    """Participant id -> the employer key of the directory's current state.

    Read at every computation (never stored with a proposal): a merge or a new corporate group
    applies to the next proposal, swap and approval. A participant without a directory link (an
    old row) is looked up by the name they typed.
    """
    known = await companies.by_ids(session, (p.company_id for p in participants))
    keys: dict[int, str] = {}
    for participant in participants:
        company = known.get(participant.company_id) if participant.company_id else None
        if company is None:
            company = await companies.find(session, participant.company)
        keys[participant.id] = companies.employer_key(company, participant.company)
    return keys


async def active_tandem_counts(session: AsyncSession, program_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(Tandem.mentor_id, func.count())
        .where(Tandem.program_id == program_id, Tandem.status == TandemStatus.ACTIVE)
        .group_by(Tandem.mentor_id)
    )
    return dict(rows.tuples().all())


async def matched_mentee_ids(session: AsyncSession, program_id: int) -> set[int]:
    rows = await session.scalars(
        select(Tandem.mentee_id).where(
            Tandem.program_id == program_id, Tandem.status == TandemStatus.ACTIVE
        )
    )
    return set(rows.all())


async def pool(
    session: AsyncSession, program: Program, default_language: str
) -> tuple[list[Person], list[Person]]:
    """Active mentors with free capacity and active mentees without a tandem.

    Existing tandems are untouched: a later round only fills the gaps.
    """
    rows = await session.execute(
        select(Participant, User.language)
        .join(User, User.id == Participant.user_id)
        .where(
            Participant.program_id == program.id,
            Participant.status == ParticipantStatus.ACTIVE,
        )
        .order_by(Participant.id)
    )
    taken = await active_tandem_counts(session, program.id)
    matched = await matched_mentee_ids(session, program.id)
    found = list(rows.tuples().all())
    employer = await _employers(session, [participant for participant, _ in found])
    mentors: list[Person] = []
    mentees: list[Person] = []
    for participant, language in found:
        lang = language or default_language
        key = employer[participant.id]
        if participant.role == Role.MENTOR:
            free = participant.capacity - taken.get(participant.id, 0)
            if free > 0:
                mentors.append(_person(participant, lang, key, free))
        elif participant.id not in matched:
            mentees.append(_person(participant, lang, key))
    return mentors, mentees


async def previous_pairs(
    session: AsyncSession, mentors: list[Person], mentees: list[Person]
) -> frozenset[tuple[int, int]]:
    """Pairs of today's participants whose users already formed a tandem (any cohort, any end).

    A dissolved tandem counts too: a rematch must not hand back the partner that did not fit.
    """
    ids = [p.id for p in mentors] + [p.id for p in mentees]
    if not ids:
        return frozenset()
    user_of = dict(
        (
            await session.execute(
                select(Participant.id, Participant.user_id).where(Participant.id.in_(ids))
            )
        )
        .tuples()
        .all()
    )
    users = set(user_of.values())
    mentor_p = Participant.__table__.alias("mentor_p")
    mentee_p = Participant.__table__.alias("mentee_p")
    rows = await session.execute(
        select(mentor_p.c.user_id, mentee_p.c.user_id)
        .select_from(Tandem)
        .join(mentor_p, mentor_p.c.id == Tandem.mentor_id)
        .join(mentee_p, mentee_p.c.id == Tandem.mentee_id)
        .where(or_(mentor_p.c.user_id.in_(users), mentee_p.c.user_id.in_(users)))
    )
    history = {(a, b) for a, b in rows.tuples()} | {(b, a) for a, b in rows.tuples()}
    return frozenset(
        (mentor.id, mentee.id)
        for mentor in mentors
        for mentee in mentees
        if (user_of[mentor.id], user_of[mentee.id]) in history
    )


async def company_exclusions(session: AsyncSession, program_id: int) -> list[CompanyExclusion]:
    rows = await session.scalars(
        select(CompanyExclusion)
        .where(CompanyExclusion.program_id == program_id)
        .order_by(CompanyExclusion.id)
    )
    return list(rows.all())


async def add_company_exclusion(
    session: AsyncSession, program_id: int, a: str, b: str, *, by: int, now: dt.datetime
) -> bool:
    first, second = sorted((normalize_company(a), normalize_company(b)))
    exists = await session.scalar(
        select(CompanyExclusion.id).where(
            CompanyExclusion.program_id == program_id,
            CompanyExclusion.company_a == first,
            CompanyExclusion.company_b == second,
        )
    )
    if exists is not None:
        return False
    session.add(
        CompanyExclusion(
            program_id=program_id, company_a=first, company_b=second, created_by=by, created_at=now
        )
    )
    await session.flush()
    return True


async def excluded_employers(session: AsyncSession, program_id: int) -> frozenset[frozenset[str]]:
    """The program's company-pair exclusions as pairs of employer keys.

    An exclusion is stored by name; resolved through the directory it holds for every alias of
    either company and, once a company is in a corporate group, for the whole group (the group
    is the employer). A pair whose two names are one employer is left out: the employer rule
    covers it.
    """
    pairs: set[frozenset[str]] = set()
    for exclusion in await company_exclusions(session, program_id):
        keys = []
        for name in (exclusion.company_a, exclusion.company_b):
            keys.append(companies.employer_key(await companies.find(session, name), name))
        if keys[0] != keys[1]:
            pairs.add(frozenset(keys))
    return frozenset(pairs)


@dataclass(frozen=True)
class Doubt:
    """Two companies of the directory that are probably one employer, undecided so far.

    Merging makes `source` another name of `target` (the shorter, more general name stays).
    """

    source: int
    source_name: str
    target: int
    target_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_name": self.source_name,
            "target": self.target,
            "target_name": self.target_name,
        }


async def doubts(
    session: AsyncSession, mentors: Sequence[Person], mentees: Sequence[Person]
) -> dict[frozenset[str], Doubt]:
    """Employer pairs (mentor side x mentee side) that are probably one employer.

    Compared on every name a company goes by (its name and aliases) with
    `core.companies.probably_same`; pairs a coordinator kept apart and pairs that already are
    one employer are left out. Only the companies of this round's pool are compared (a few
    hundred names at most), so the cost stays far below the engine's.
    """
    ids = [p.id for p in (*mentors, *mentees)]
    if not ids:
        return {}
    company_of = dict(
        (
            await session.execute(
                select(Participant.id, Participant.company_id).where(Participant.id.in_(ids))
            )
        )
        .tuples()
        .all()
    )
    from core.matching import employer_of

    employer = {p.id: employer_of(p) for p in (*mentors, *mentees)}
    mentor_side = {(company_of[p.id], employer[p.id]) for p in mentors if company_of.get(p.id)}
    mentee_side = {(company_of[p.id], employer[p.id]) for p in mentees if company_of.get(p.id)}
    involved = {c for c, _ in mentor_side | mentee_side}
    known = await companies.by_ids(session, involved)
    names: dict[int, list[str]] = {c.id: [c.name] for c in known.values()}
    aliases = await session.execute(
        select(CompanyAlias.company_id, CompanyAlias.name)
        .where(CompanyAlias.company_id.in_(involved))
        .order_by(CompanyAlias.id)
    )
    for company_id, name in aliases.tuples().all():
        names.setdefault(company_id, []).append(name)
    apart = await companies.kept_apart(session)
    found: dict[frozenset[str], Doubt] = {}
    for a, key_a in sorted(mentor_side):
        for b, key_b in sorted(mentee_side):
            pair = frozenset({key_a, key_b})
            if a == b or len(pair) == 1 or pair in found or frozenset({a, b}) in apart:
                continue
            if a not in known or b not in known:
                continue
            if any(probably_same(x, y) for x in names[a] for y in names[b]):
                found[pair] = _doubt(known[a], known[b])
    return found


def _doubt(a: Company, b: Company) -> Doubt:
    target, source = sorted((a, b), key=lambda c: (len(c.key), c.reviewed_at is None, c.id))
    return Doubt(source.id, source.name, target.id, target.name)


@dataclass
class Round:
    """Everything the engine needs for one computation, read from today's database."""

    mentors: list[Person]
    mentees: list[Person]
    constraints: Constraints
    weights: Weights
    doubts: dict[frozenset[str], Doubt] = field(default_factory=dict)

    def broken(self, pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int, tuple[Reason, ...]]]:
        from core.matching import broken_pairs

        return broken_pairs(self.mentors, self.mentees, pairs, self.constraints, self.weights)


async def prepare(
    session: AsyncSession,
    program: Program,
    pins: Sequence[Sequence[int]],
    exclusions: Sequence[Sequence[int]],
    default_language: str,
) -> Round:
    mentors, mentees = await pool(session, program, default_language)
    trial = MatchProposal(program_id=program.id, pins=list(pins), exclusions=list(exclusions))
    found = await doubts(session, mentors, mentees)
    constraints = await constraints_for(session, trial, mentors, mentees, doubtful=found)
    return Round(mentors, mentees, constraints, weights_of(program), found)


async def constraints_for(
    session: AsyncSession,
    proposal: MatchProposal,
    mentors: list[Person],
    mentees: list[Person],
    *,
    doubtful: Iterable[frozenset[str]] = (),
) -> Constraints:
    from core.matching import Constraints

    return Constraints(
        must=frozenset((a, b) for a, b in proposal.pins),
        forbidden=frozenset((a, b) for a, b in proposal.exclusions),
        previous=await previous_pairs(session, mentors, mentees),
        excluded_employers=await excluded_employers(session, proposal.program_id),
        doubtful=frozenset(doubtful),
    )


def weights_of(program: Program) -> Weights:
    from core.matching import Weights

    return Weights.from_dict(dict(program.settings.get("matching_weights") or {}))
