"""Matching rounds in the database, on SQLite and PostgreSQL: the races that must decide once."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.programs import ParticipantStatus
from storage import participants, programs, rounds, users
from storage import proposals as store
from storage import tandems as tandem_store
from storage.db import Database
from storage.models import Tandem

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


async def _people(db: Database, spec: list[tuple[str, str]]) -> tuple[int, list[int]]:
    """Active participants (role, company) in a new program; returns program id and their ids."""
    async with db.session() as session:
        program = await programs.create(
            session,
            name="P",
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2028, 2, 28),
            timezone="Europe/Berlin",
            created_by=None,
            now=NOW,
        )
        ids = []
        for index, (role, company) in enumerate(spec):
            user_id = 5000 + index + program.id * 100
            await users.upsert(session, user_id=user_id, identity=users.Identity("U"), now=NOW)
            row = await participants.create_from_draft(
                session,
                program_id=program.id,
                user_id=user_id,
                draft={
                    "role": role,
                    "name": f"{role} {index}",
                    "company": company,
                    "industry": company,
                    "position": "Leitung",
                    "topics": ["Feedback"],
                    "goals": "x",
                    "meeting_format": "both",
                },
                consent_at=NOW,
                now=NOW,
            )
            row.status = ParticipantStatus.ACTIVE
            ids.append(row.id)
        return program.id, ids


async def _proposal_with(db: Database, program_id: int, pairs: list[tuple[int, int]]) -> int:
    async with db.session() as session:
        proposal = await store.new_proposal(session, program_id, by=1, now=NOW)
        result = {
            "pairs": [
                {"mentor": a, "mentee": b, "score": 50.0, "pinned": False, "reasons": []}
                for a, b in pairs
            ]
        }
        assert await store.save_proposal(
            session, proposal, expected_version=0, pins=[], exclusions=[], result=result, now=NOW
        )
        return proposal.id


async def test_two_racing_approvals_create_tandems_once(db: Database) -> None:
    program_id, (mentor, mentee) = await _people(db, [("mentor", "A"), ("mentee", "B")])
    proposal_id = await _proposal_with(db, program_id, [(mentor, mentee)])

    async def approve() -> int | None:
        async with db.session() as session:
            proposal = await store.get_proposal(session, proposal_id)
            assert proposal is not None
            tandems = await store.approve(
                session, proposal, expected_version=1, by=1, intro_due_at=None, now=NOW
            )
            return None if tandems is None else len(tandems)

    outcomes = await asyncio.gather(approve(), approve(), return_exceptions=True)
    made = [o for o in outcomes if isinstance(o, int)]
    assert made == [1], outcomes
    async with db.session() as session:
        assert len((await session.scalars(select(Tandem))).all()) == 1


async def test_a_stale_version_cannot_change_or_approve(db: Database) -> None:
    program_id, (mentor, mentee) = await _people(db, [("mentor", "A"), ("mentee", "B")])
    proposal_id = await _proposal_with(db, program_id, [(mentor, mentee)])
    async with db.session() as session:
        proposal = await store.get_proposal(session, proposal_id)
        assert proposal is not None and proposal.version == 1
        assert not await store.save_proposal(
            session, proposal, expected_version=0, pins=[[1, 2]], exclusions=[], result={}, now=NOW
        )
        assert proposal.pins == []
        assert (
            await store.approve(
                session, proposal, expected_version=0, by=1, intro_due_at=None, now=NOW
            )
            is None
        )


async def test_one_active_tandem_per_mentee_is_enforced_by_the_database(db: Database) -> None:
    program_id, (m1, m2, mentee) = await _people(
        db, [("mentor", "A"), ("mentor", "C"), ("mentee", "B")]
    )
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            for mentor in (m1, m2):
                session.add(
                    Tandem(
                        program_id=program_id,
                        mentor_id=mentor,
                        mentee_id=mentee,
                        status="active",
                        score=0.0,
                        reasons=[],
                        created_at=NOW,
                    )
                )
            await session.flush()
    async with db.session() as session:  # a dissolved one next to an active one is fine
        for mentor, status in ((m1, "dissolved"), (m2, "active")):
            session.add(
                Tandem(
                    program_id=program_id,
                    mentor_id=mentor,
                    mentee_id=mentee,
                    status=status,
                    score=0.0,
                    reasons=[],
                    created_at=NOW,
                )
            )


async def test_pool_previous_pairs_and_introduction_claims(db: Database) -> None:
    program_id, (mentor, mentee, other) = await _people(
        db, [("mentor", "A"), ("mentee", "B"), ("mentee", "C")]
    )
    proposal_id = await _proposal_with(db, program_id, [(mentor, mentee)])
    async with db.session() as session:
        proposal = await store.get_proposal(session, proposal_id)
        assert proposal is not None
        tandems = await store.approve(
            session, proposal, expected_version=1, by=1, intro_due_at=NOW, now=NOW
        )
        assert tandems is not None
        tandem_id = tandems[0].id
    async with db.session() as session:
        program = await programs.get(session, program_id)
        assert program is not None
        mentors, mentees = await rounds.pool(session, program, "de")
        assert mentors == []  # capacity 1, taken
        assert [p.id for p in mentees] == [other]
        assert await tandem_store.due_introductions(session, NOW - dt.timedelta(minutes=1)) == []
        assert await tandem_store.due_introductions(session, NOW) == [tandem_id]
    claims = []
    for _ in range(2):
        async with db.session() as session:
            claims.append(await tandem_store.claim_introduction(session, tandem_id, NOW))
    assert claims == [True, False]

    async with db.session() as session:
        tandem = await tandem_store.get_tandem(session, tandem_id)
        assert tandem is not None
        assert await tandem_store.dissolve(session, tandem, by=1, reason="Chemie", now=NOW)
        assert not await tandem_store.dissolve(session, tandem, by=1, reason="again", now=NOW)
    async with db.session() as session:
        program = await programs.get(session, program_id)
        assert program is not None
        mentors, mentees = await rounds.pool(session, program, "de")
        assert [p.id for p in mentors] == [mentor]
        assert sorted(p.id for p in mentees) == sorted([mentee, other])
        previous = await rounds.previous_pairs(session, mentors, mentees)
        assert previous == frozenset({(mentor, mentee)})  # dissolved pairs are never repeated


async def test_company_exclusions_are_normalised_and_unique(db: Database) -> None:
    program_id, _ = await _people(db, [("mentor", "A")])
    async with db.session() as session:
        assert await rounds.add_company_exclusion(
            session, program_id, "ALSTOM GmbH", "Siemens AG", by=1, now=NOW
        )
        assert not await rounds.add_company_exclusion(
            session, program_id, "siemens", "Alstom", by=1, now=NOW
        )
        rows = await rounds.company_exclusions(session, program_id)
        assert len(rows) == 1


async def test_engine_inputs_follow_the_company_directory(db: Database) -> None:
    """Employer keys, exclusions and probable spellings are read from today's directory."""
    from storage import companies
    from storage.models import CompanyGroup

    program_id, (steel, bosch, plant, sub, vw) = await _people(
        db,
        [
            ("mentor", "Salzgitter AG"),
            ("mentor", "Robert Bosch GmbH"),
            ("mentee", "Volkswagen AG, Werk Salzgitter"),
            ("mentee", "Peiner Träger GmbH"),
            ("mentor", "Volkswagen AG"),
        ],
    )
    async with db.session() as session:
        program = await programs.get(session, program_id)
        assert program is not None
        group = CompanyGroup(name="Salzgitter-Konzern", created_at=NOW)
        session.add(group)
        await session.flush()
        for name in ("Salzgitter AG", "Peiner Träger"):
            company = await companies.find(session, name)
            assert company is not None
            company.group_id = group.id
        # Excluded by one name of the group: holds for the whole group.
        await rounds.add_company_exclusion(
            session, program_id, "SALZGITTER AG", "Bosch", by=1, now=NOW
        )
        rnd = await rounds.prepare(session, program, [], [], "de")
        employer = {p.id: p.employer for p in (*rnd.mentors, *rnd.mentees)}
        assert employer[steel] == employer[sub] == f"g:{group.id}"
        assert len({employer[steel], employer[bosch], employer[plant], employer[vw]}) == 4
        # "Bosch" is not in the directory: its exclusion key is the typed name's.
        assert rnd.constraints.excluded_employers == frozenset(
            {frozenset({f"g:{group.id}", "n:bosch"})}
        )
        # "Salzgitter" inside "Volkswagen AG, Werk Salzgitter" is a probable spelling too.
        doubts = {(d.source_name, d.target_name): d for d in rnd.doubts.values()}
        assert sorted(doubts) == [
            ("Volkswagen AG, Werk Salzgitter", "Salzgitter AG"),
            ("Volkswagen AG, Werk Salzgitter", "Volkswagen AG"),
        ]
        assert rnd.constraints.doubtful == frozenset(
            {
                frozenset({employer[vw], employer[plant]}),
                frozenset({employer[steel], employer[plant]}),
            }
        )
        assert [(m, e) for m, e, _ in rnd.broken([(steel, sub), (vw, plant)])] == [
            (steel, sub),
            (vw, plant),
        ]
        for doubt in doubts.values():
            assert await companies.keep_apart(session, doubt.source, doubt.target, NOW)
        rnd = await rounds.prepare(session, program, [], [], "de")
        assert rnd.doubts == {} and rnd.constraints.doubtful == frozenset()
        assert rnd.broken([(vw, plant)]) == []
