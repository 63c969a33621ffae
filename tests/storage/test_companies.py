"""The company directory in the database, on SQLite and PostgreSQL: merging names into one
employer, keeping similar names apart, finding probable spellings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage import companies, company_directory, participants, programs, rounds, users
from storage.db import Database
from storage.models import Company, CompanyAlias, CompanyDistinction, CompanyExclusion, Participant

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


async def _registered(db: Database, typed: list[str]) -> tuple[int, list[int]]:
    """Participants of a new program who typed these companies; program id and their ids."""
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
        for index, company in enumerate(typed):
            user_id = 7000 + index
            await users.upsert(session, user_id=user_id, identity=users.Identity("U"), now=NOW)
            row = await participants.create_from_draft(
                session,
                program_id=program.id,
                user_id=user_id,
                draft={
                    "role": "mentor" if index % 2 else "mentee",
                    "name": f"Person {index}",
                    "company": company,
                    "industry": "x",
                    "position": "Leitung",
                    "topics": ["Feedback"],
                    "goals": "x",
                    "meeting_format": "both",
                },
                consent_at=NOW,
                now=NOW,
            )
            ids.append(row.id)
        return program.id, ids


async def _company_of(db: Database, typed: str) -> int:
    async with db.session() as session:
        company = await companies.find(session, typed)
        assert company is not None, typed
        return company.id


async def test_merge_moves_name_aliases_participants_distinctions_and_exclusions(
    db: Database,
) -> None:
    program_id, (vw, branch, branch_too, bosch) = await _registered(
        db, ["Volkswagen AG", "VW Werk Salzgitter", "VW Werk Salzgitter", "Bosch"]
    )
    target, source, other = [
        await _company_of(db, name) for name in ("Volkswagen", "VW Werk Salzgitter", "Bosch")
    ]
    async with db.session() as session:
        session.add(CompanyAlias(company_id=source, name="VWS", key="vws", created_at=NOW))
        assert await companies.keep_apart(session, source, other, NOW)
        assert await rounds.add_company_exclusion(
            session, program_id, "VW Werk Salzgitter", "Bosch", by=1, now=NOW
        )
        assert await rounds.add_company_exclusion(
            session, program_id, "VWS", "Volkswagen", by=1, now=NOW
        )

    async with db.session() as session:
        assert await companies.merge(session, source, target, NOW)

    async with db.session() as session:
        assert await session.get(Company, source) is None
        linked = await session.scalars(
            select(Participant.company_id).where(Participant.id.in_([vw, branch, branch_too]))
        )
        assert set(linked.all()) == {target}
        typed = await session.scalar(select(Participant.company).where(Participant.id == branch))
        assert typed == "VW Werk Salzgitter"  # what they typed stays
        for name in ("VW Werk Salzgitter", "VWS", "Volkswagen AG"):
            found = await companies.find(session, name)
            assert found is not None and found.id == target, name
        pairs = (await session.execute(select(CompanyDistinction))).scalars().all()
        assert [(d.company_a, d.company_b) for d in pairs] == [tuple(sorted((target, other)))]
        exclusions = (await session.scalars(select(CompanyExclusion))).all()
        # The pair with Bosch now names Volkswagen; "VWS" vs "Volkswagen" joined it with itself.
        assert [(e.company_a, e.company_b) for e in exclusions] == [("bosch", "volkswagen")]
        target_row = await session.get(Company, target)
        assert target_row is not None and target_row.reviewed_at is not None
        still_bosch = await companies.find(session, "Bosch")
        assert still_bosch is not None and still_bosch.id == other
    async with db.session() as session:
        bosch_row = await participants.get(session, bosch)
        assert bosch_row is not None and bosch_row.company_id == other


async def test_merge_refuses_the_same_or_a_missing_company_and_keeps_the_group(
    db: Database,
) -> None:
    await _registered(db, ["Salzgitter AG", "Salzgitter Flachstahl GmbH"])
    parent, child = (
        await _company_of(db, "Salzgitter"),
        await _company_of(db, "Salzgitter Flachstahl"),
    )
    async with db.session() as session:
        group = await company_directory.create_group(session, "Salzgitter-Konzern", NOW)
        assert await company_directory.set_group(session, child, group.id)
        assert not await companies.merge(session, parent, parent, NOW)
        assert not await companies.merge(session, parent, 999_999, NOW)
        assert await companies.merge(session, child, parent, NOW)
        assert not await companies.merge(session, child, parent, NOW)  # gone now
    async with db.session() as session:
        merged = await session.get(Company, parent)
        assert merged is not None and merged.group_id == group.id


async def test_keep_apart_is_ordered_and_idempotent(db: Database) -> None:
    await _registered(db, ["Bosch", "Borsig"])
    bosch, borsig = await _company_of(db, "Bosch"), await _company_of(db, "Borsig")
    async with db.session() as session:
        assert await companies.keep_apart(session, borsig, bosch, NOW)
        assert await companies.keep_apart(session, bosch, borsig, NOW)
        assert not await companies.keep_apart(session, bosch, bosch, NOW)
        assert not await companies.keep_apart(session, bosch, 999_999, NOW)
    async with db.session() as session:
        rows = (await session.scalars(select(CompanyDistinction))).all()
        assert [(r.company_a, r.company_b) for r in rows] == [
            (min(bosch, borsig), max(bosch, borsig))
        ]
        assert await companies.kept_apart(session) == {frozenset({bosch, borsig})}


async def test_similar_finds_probable_spellings_by_name_and_alias_best_first(db: Database) -> None:
    await _registered(
        db,
        [
            "Volkswagen AG",
            "Braunschweigische Landessparkasse",
            "Salzgitter AG",
            "Bosch",
            "Alstom",
        ],
    )
    vw, sparkasse, salzgitter = [
        await _company_of(db, n)
        for n in ("Volkswagen", "Braunschweigische Landessparkasse", "Salzgitter")
    ]
    async with db.session() as session:
        session.add(CompanyAlias(company_id=salzgitter, name="SZAG", key="szag", created_at=NOW))
        await session.flush()

        async def ids(name: str) -> list[int]:
            return [c.id for c in await companies.similar(session, name)]

        # Both names are in it; the one it begins with comes first.
        assert await ids("Volkswagen AG, Werk Salzgitter") == [vw, salzgitter]
        assert await ids("Braunschweigische Landessparkase") == [sparkasse]
        assert await ids("Salzgitter Flachstahl GmbH") == [salzgitter]
        assert await ids("SZAG Werk Peine") == [salzgitter]
        assert await ids("Borsig") == []
        assert await ids("Siemens") == []
        assert await ids("Volkswagen") == [vw]  # the known company itself
        assert await ids("") == []


async def test_a_registration_links_the_chosen_company_even_after_it_was_merged(
    db: Database,
) -> None:
    await _registered(db, ["Volkswagen AG", "VW Werk Salzgitter"])
    target, source = (
        await _company_of(db, "Volkswagen AG"),
        await _company_of(db, "VW Werk Salzgitter"),
    )
    draft = {
        "role": "mentee",
        "name": "Neu",
        "company": "VW Werk Salzgitter",
        "company_id": source,
        "industry": "x",
        "position": "x",
        "topics": ["Feedback"],
        "goals": "x",
        "meeting_format": "both",
    }
    async with db.session() as session:
        await users.upsert(session, user_id=7100, identity=users.Identity("N"), now=NOW)
        program_id = (await session.scalars(select(Participant.program_id))).first()
        assert program_id is not None
        chosen = await participants.create_from_draft(
            session,
            program_id=program_id,
            user_id=7100,
            draft={**draft, "company": "Werk SZ"},
            consent_at=NOW,
            now=NOW,
        )
        assert chosen.company_id == source  # the draft's choice wins over resolving the text
        assert await companies.merge(session, source, target, NOW)
    async with db.session() as session:
        await users.upsert(session, user_id=7101, identity=users.Identity("N"), now=NOW)
        late = await participants.create_from_draft(
            session, program_id=program_id, user_id=7101, draft=draft, consent_at=NOW, now=NOW
        )
        # Chosen before the merge (the draft holds the chosen company's name), submitted after.
        assert late.company_id == target
