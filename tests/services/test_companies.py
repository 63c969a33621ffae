"""The company directory as use cases: who may look, who may change, and what each change does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import handlers.companies
from services import companies
from services.companies import (
    AliasAdded,
    AliasTaken,
    Asked,
    Card,
    GroupChoices,
    GroupSet,
    MergeChoices,
    NoMatch,
    Step,
    Unread,
)
from services.errors import Refused, Stale
from storage import companies as store
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, Company, CompanyExclusion
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, run, seed_pair, unit

ALL = {"coordinator": True}


async def seed_companies(db: Database, *names: str) -> list[int]:
    async with db.session() as session:
        return [(await store.resolve(session, name, NOW)).id for name in names]


async def dialog_of(db: Database) -> tuple[str, str, dict[str, object]] | None:
    async with db.session() as session:
        found = await dialogs.get(session, COORDINATOR)
        return (found.flow, found.step, dict(found.data)) if found is not None else None


def test_the_handler_registers_the_dialog_under_the_saved_name() -> None:
    assert handlers.companies.FLOW == companies.FLOW


async def test_a_participant_may_not_even_look(db: Database) -> None:
    pair = await seed_pair(db)
    for use_case in (companies.directory, companies.exclusions):
        with pytest.raises(Refused):
            await run(db, pair.mentee, use_case)
    (vw,) = await seed_companies(db, "Volkswagen AG")
    with pytest.raises(Refused):
        await run(db, pair.mentee, lambda uow: companies.card(uow, vw))


async def test_a_coordinator_of_one_program_looks_but_changes_nothing(db: Database) -> None:
    pair = await seed_pair(db)
    vw, wob = await seed_companies(db, "Volkswagen AG", "VW Wolfsburg")
    scoped = {"coordinator": True, "scope": frozenset({pair.program_id})}
    entries = await run(db, COORDINATOR, companies.directory, **scoped)
    assert {e.company.name for e in entries} >= {"Volkswagen AG", "VW Wolfsburg"}
    card = await run(db, COORDINATOR, lambda uow: companies.card(uow, vw), **scoped)
    assert card.entry.company.id == vw and not card.editable
    changes = [
        lambda uow: companies.start_merge(uow, vw),
        lambda uow: companies.preview_merge(uow, vw, wob),
        lambda uow: companies.merge(uow, vw, wob),
        lambda uow: companies.ask(uow, vw, Step.ALIAS),
        lambda uow: companies.group_choices(uow, vw),
        lambda uow: companies.set_group(uow, vw, None),
        lambda uow: companies.mark_reviewed(uow, vw),
    ]
    for change in changes:
        with pytest.raises(Refused) as refused:
            await run(db, COORDINATOR, change, **scoped)
        assert refused.value.all_programs
    async with db.session() as session:
        assert all(c.reviewed_at is None for c in await session.scalars(select(Company)))
        assert len((await session.scalars(select(Company))).all()) == 4  # with Alstom, WIS
    assert await dialog_of(db) is None


async def test_a_forged_or_merged_away_company_is_gone(db: Database) -> None:
    (vw,) = await seed_companies(db, "Volkswagen AG")
    forged = 2**31 - 1
    for use_case in (
        lambda uow: companies.card(uow, forged),
        lambda uow: companies.start_merge(uow, forged),
        lambda uow: companies.merge(uow, vw, forged),
        lambda uow: companies.mark_reviewed(uow, forged),
    ):
        with pytest.raises(companies.Gone):
            await run(db, COORDINATOR, use_case, **ALL)
    with pytest.raises(Stale) as itself:
        await run(db, COORDINATOR, lambda uow: companies.merge(uow, vw, vw), **ALL)
    assert itself.value.alert and not isinstance(itself.value, companies.Gone)


async def test_merging_asks_previews_and_moves_the_people(db: Database) -> None:
    pair = await seed_pair(db)  # Maria works at "Alstom", Emil at "WIS"
    async with db.session() as session:
        alstom = await store.find(session, "Alstom")
        wis = await store.find(session, "WIS")
        assert alstom is not None and wis is not None
        alstom_id, wis_id = alstom.id, wis.id
    choices = await run(db, COORDINATOR, lambda uow: companies.start_merge(uow, alstom_id), **ALL)
    assert choices.source.id == alstom_id
    assert alstom_id not in [c.id for c in choices.targets]
    assert await dialog_of(db) == ("companies", "merge", {"company_id": alstom_id})
    preview = await run(
        db, COORDINATOR, lambda uow: companies.preview_merge(uow, alstom_id, wis_id), **ALL
    )
    assert (preview.source.name, preview.target.name, preview.people) == ("Alstom", "WIS", 1)
    merged = await run(db, COORDINATOR, lambda uow: companies.merge(uow, alstom_id, wis_id), **ALL)
    assert merged.source_name == "Alstom"
    assert merged.card.entry.company.id == wis_id and merged.card.entry.participants == 2
    assert merged.card.editable
    assert await dialog_of(db) is None
    with pytest.raises(companies.Gone):  # the old keyboard, pressed again
        await run(db, COORDINATOR, lambda uow: companies.merge(uow, alstom_id, wis_id), **ALL)
    assert pair.program_id


async def typed(db: Database, step: str, company_id: int, text: str | None) -> companies.Typed:
    return await run(
        db,
        COORDINATOR,
        lambda uow: companies.typed(uow, step, Asked(company_id=company_id), text),
        **ALL,
    )


async def test_typed_names_add_aliases_groups_and_find_targets(db: Database) -> None:
    vw, porsche = await seed_companies(db, "Volkswagen AG", "Porsche AG")
    assert await typed(db, "alias", vw, "  ") is Unread.EMPTY
    added = await typed(db, "alias", vw, "VW")
    assert isinstance(added, AliasAdded) and added.added and added.card.entry.aliases == ["VW"]
    again = await typed(db, "alias", vw, "vw")
    assert isinstance(again, AliasAdded) and not again.added
    taken = await typed(db, "alias", porsche, "Volkswagen AG")
    assert isinstance(taken, AliasTaken)
    assert (taken.other.id, taken.company.id) == (vw, porsche)
    grouped = await typed(db, "group", porsche, "VW Konzern")
    assert isinstance(grouped, GroupSet) and grouped.card.entry.group == "VW Konzern"
    found = await typed(db, "merge", porsche, "Volkswagen")
    assert isinstance(found, MergeChoices) and [c.id for c in found.targets] == [vw]
    assert await typed(db, "merge", porsche, "Zyxw") == NoMatch("Zyxw")
    assert await typed(db, "shrug", porsche, "x") is Unread.NO_DIALOG


async def test_a_typed_name_after_losing_the_right_or_the_company_ends_the_dialog(
    db: Database,
) -> None:
    (vw,) = await seed_companies(db, "Volkswagen AG")
    program = await seed_program(db, NOW)
    await run(db, COORDINATOR, lambda uow: companies.ask(uow, vw, Step.ALIAS), **ALL)
    async with unit(db, COORDINATOR, coordinator=True, scope=frozenset({program})) as uow:
        with pytest.raises(Refused) as refused:
            await companies.typed(uow, "alias", Asked(company_id=vw), "VW")
    assert refused.value.all_programs
    assert await dialog_of(db) is None
    await run(db, COORDINATOR, lambda uow: companies.ask(uow, vw, Step.GROUP), **ALL)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        with pytest.raises(companies.Gone):
            await companies.typed(uow, "group", Asked(company_id=2**31 - 1), "X")
    assert await dialog_of(db) is None


async def test_a_group_gone_meanwhile_offers_the_choice_again(db: Database) -> None:
    vw, porsche = await seed_companies(db, "Volkswagen AG", "Porsche AG")
    await typed(db, "group", vw, "VW Konzern")
    choices = await run(db, COORDINATOR, lambda uow: companies.group_choices(uow, porsche), **ALL)
    ((group_id, name),) = choices.groups
    assert name == "VW Konzern"
    out = await run(db, COORDINATOR, lambda uow: companies.set_group(uow, vw, None), **ALL)
    assert isinstance(out, Card) and out.entry.group is None  # the empty group went with it
    again = await run(
        db, COORDINATOR, lambda uow: companies.set_group(uow, porsche, group_id), **ALL
    )
    assert isinstance(again, GroupChoices) and again.groups == []
    reviewed = await run(db, COORDINATOR, lambda uow: companies.mark_reviewed(uow, vw), **ALL)
    assert reviewed.entry.company.reviewed_at is not None


async def test_exclusions_are_seen_and_lifted_per_program(db: Database) -> None:
    mine = await seed_program(db, NOW, name="Salzgitter")
    theirs = await seed_program(db, NOW, name="Wolfsburg")
    ids = await seed_companies(db, "Volkswagen AG", "Porsche AG")
    async with db.session() as session:
        vw, porsche = [(await session.get(Company, i)) for i in ids]
        assert vw is not None and porsche is not None
        rows = [
            CompanyExclusion(
                program_id=program,
                company_a=porsche.key,
                company_b=vw.key,
                created_at=NOW,
            )
            for program in (mine, theirs)
        ]
        session.add_all(rows)
        await session.flush()
        my_row, their_row = rows[0].id, rows[1].id
    scoped = {"coordinator": True, "scope": frozenset({mine})}
    seen = await run(db, COORDINATOR, companies.exclusions, **scoped)
    assert [(e.id, e.program) for e in seen] == [(my_row, "Salzgitter")]
    assert {seen[0].a, seen[0].b} == {"Porsche AG", "Volkswagen AG"}
    assert not await run(db, COORDINATOR, lambda uow: companies.lift(uow, their_row), **scoped)
    assert not await run(db, COORDINATOR, lambda uow: companies.lift(uow, 2**31 - 1), **scoped)
    assert await run(db, COORDINATOR, lambda uow: companies.lift(uow, my_row), **scoped)
    async with db.session() as session:
        left = (await session.scalars(select(CompanyExclusion.id))).all()
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
    assert left == [their_row]
    assert [r.detail.get("what") for r in refused] == [f"program:{theirs}"]
