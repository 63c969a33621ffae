"""Registrations beyond one press: all pending ones approved at once (one decided meanwhile,
one arriving after the confirmation), a rejection with a reason that is stored nowhere, and the
program team correcting a participant's profile; with the refusals (a participant, a coordinator
of another program, a forged press)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from core.programs import ParticipantStatus
from services import participant_edit, programs, registrations
from services.errors import Refused, Stale
from services.participant_edit import Asked, Edited, EditState, Offered
from services.programs import Verdict
from services.registrations import MAX_REASON, RejectState
from services.unit import UnitOfWork
from storage import companies, dialogs, events
from storage.db import Database
from storage.models import AuditEntry, Participant
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit

ALL = {"coordinator": True}
REASON = "Leider <b>voll</b> & ausgebucht"


async def audit(db: Database) -> list[AuditEntry]:
    async with db.session() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


async def status_of(db: Database, participant_id: int) -> str:
    async with db.session() as session:
        row = await session.get(Participant, participant_id)
        assert row is not None
        return row.status


# --- approving all -----------------------------------------------------------------------------


async def test_all_pending_are_approved_but_not_one_decided_meanwhile_or_arrived_later(
    db: Database,
) -> None:
    program_id = await seed_program(db, NOW)
    people = [
        await seed_participant(db, program_id, 2000 + i, f"Person {i}", NOW, status="pending")
        for i in range(3)
    ]
    await seed_participant(db, program_id, 2100, "Schon Dabei", NOW)  # active: untouched
    async with db.session() as session:
        await events.create(
            session,
            program_id=program_id,
            kind="workshop",
            title="Workshop",
            starts_at=NOW + dt.timedelta(days=20),
            place=None,
            created_by=COORDINATOR,
            now=NOW,
        )
    shown = await run(db, COORDINATOR, lambda uow: registrations.pending(uow, program_id), **ALL)
    assert (shown.count, shown.upto) == (3, max(people))
    # Meanwhile another coordinator rejects one, and someone new registers.
    await run(
        db,
        COORDINATOR,
        lambda uow: programs.decide(uow, people[1], ParticipantStatus.REJECTED),
        **ALL,
    )
    late = await seed_participant(db, program_id, 2200, "Spät Dran", NOW, status="pending")
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        done = await registrations.approve_all(uow, program_id, shown.upto, shown.count)
        planned = list(uow.planned)
    assert (done.approved, done.skipped) == (2, 1)
    assert sorted(p.id for p, _ in done.told) == [people[0], people[2]]
    assert sorted(user.id for _, user in done.told) == [2000, 2002]
    assert planned, "each newcomer is invited to the upcoming event"
    assert [await status_of(db, p) for p in people] == ["active", "rejected", "active"]
    assert await status_of(db, late) == "pending", "not approved unseen"
    assert done.card.count(ParticipantStatus.PENDING) == 1
    actions = [e.action for e in await audit(db)]
    assert actions.count("participant_status") == 3 and actions.count("approve_all") == 1
    # Pressed again (an old confirmation): nothing left of those shown, nobody told twice.
    again = await run(
        db,
        COORDINATOR,
        lambda uow: registrations.approve_all(uow, program_id, shown.upto, shown.count),
        **ALL,
    )
    assert (again.approved, again.skipped, again.told) == (0, 3, [])


async def test_approving_all_is_for_the_programs_coordinators_only(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, status="pending")
    with pytest.raises(Refused):
        await run(db, 2000, lambda uow: registrations.approve_all(uow, program_id, person, 1))
    with pytest.raises(Refused):
        await run(db, 2000, lambda uow: registrations.pending(uow, program_id))
    other = {"coordinator": True, "scope": frozenset({program_id + 1})}
    with pytest.raises(Stale):
        await run(
            db,
            COORDINATOR,
            lambda uow: registrations.approve_all(uow, program_id, person, 1),
            **other,
        )
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: registrations.pending(uow, program_id), **other)
    assert await status_of(db, person) == "pending"
    await run(
        db, COORDINATOR, lambda uow: registrations.approve_all(uow, program_id, person, 1), **ALL
    )
    with pytest.raises(Stale) as none_left:
        await run(db, COORDINATOR, lambda uow: registrations.pending(uow, program_id), **ALL)
    assert none_left.value.key == "pp.approve_all.none"


# --- rejecting with a reason ---------------------------------------------------------------------


def test_a_reason_is_text_of_a_limited_length_or_a_dash_for_none() -> None:
    assert registrations.reason_of("  Zu   spät  ") == "Zu spät"
    assert registrations.reason_of("-") == ""
    for bad in (None, "", "  ", "/start", "x" * (MAX_REASON + 1)):
        assert registrations.reason_of(bad) is None
    assert registrations.reason_of("x" * MAX_REASON) == "x" * MAX_REASON


async def test_a_reason_goes_to_the_person_and_is_stored_nowhere(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, status="pending")
    card = await run(db, COORDINATOR, lambda uow: registrations.ask_reason(uow, person), **ALL)
    assert card.participant.id == person
    async with db.session() as session:
        dialog = await dialogs.get(session, COORDINATOR)
    assert (
        dialog is not None and dialog.flow == "reject" and dialog.data == {"participant_id": person}
    )
    state = RejectState(participant_id=person)
    rejected = await run(
        db, COORDINATOR, lambda uow: registrations.reject(uow, state, REASON), **ALL
    )
    assert rejected.reason == REASON and rejected.decision.verdict == Verdict.DONE
    assert rejected.decision.tell is not None and rejected.decision.tell.id == 2000
    async with db.session() as session:
        assert await dialogs.get(session, COORDINATOR) is None
    entries = await audit(db)
    decided = [e for e in entries if e.action == "participant_status"]
    assert [e.detail.get("with_reason") for e in decided] == [True]
    assert "voll" not in json.dumps([e.detail for e in entries])
    async with db.session() as session:
        row = await session.get(Participant, person)
        assert row is not None and row.status == "rejected"
        assert "voll" not in json.dumps(
            {c.name: str(getattr(row, c.name)) for c in row.__table__.columns}
        )
    # Rejected already: the reason is not asked for again.
    with pytest.raises(Stale) as decided_meanwhile:
        await run(db, COORDINATOR, lambda uow: registrations.ask_reason(uow, person), **ALL)
    assert decided_meanwhile.value.key == "pp.reject.decided"


async def test_without_a_reason_the_audit_says_none_and_others_are_refused(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, status="pending")
    state = RejectState(participant_id=person)
    with pytest.raises(Refused):
        await run(db, 2000, lambda uow: registrations.reject(uow, state, ""))
    with pytest.raises(Refused):
        await run(db, 2000, lambda uow: registrations.ask_reason(uow, person))
    other = {"coordinator": True, "scope": frozenset({program_id + 1})}
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: registrations.reject(uow, state, REASON), **other)
    assert await status_of(db, person) == "pending"
    rejected = await run(db, COORDINATOR, lambda uow: registrations.reject(uow, state, ""), **ALL)
    assert rejected.reason is None
    decided = [e for e in await audit(db) if e.action == "participant_status"]
    assert ["with_reason" in e.detail for e in decided] == [False]


# --- the program team corrects a profile --------------------------------------------------------


async def test_a_position_is_corrected_with_the_profiles_validation(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW)
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: participant_edit.begin(uow, person, "role"), **ALL)
    asked = await run(
        db, COORDINATOR, lambda uow: participant_edit.begin(uow, person, "position"), **ALL
    )
    assert isinstance(asked, Asked) and asked.limit == 120 and asked.error is None
    state = EditState(participant_id=person)
    too_long = await run(
        db,
        COORDINATOR,
        lambda uow: participant_edit.typed(uow, "position", state, "x" * 121),
        **ALL,
    )
    assert isinstance(too_long, Asked) and too_long.error is not None
    assert too_long.error.key == "error.too_long"
    edited = await run(
        db,
        COORDINATOR,
        lambda uow: participant_edit.typed(uow, "position", state, "  Leiterin   Einkauf "),
        **ALL,
    )
    assert isinstance(edited, Edited) and edited.changed
    assert edited.value == "Leiterin Einkauf"
    assert edited.card.participant.position == "Leiterin Einkauf"
    assert edited.tell is not None and edited.tell.id == 2000
    entries = [e for e in await audit(db) if e.action == "participant_edited"]
    assert [e.detail for e in entries] == [{"participant": person, "field": "position"}]
    async with db.session() as session:
        assert await dialogs.get(session, COORDINATOR) is None
    same = await run(
        db,
        COORDINATOR,
        lambda uow: participant_edit.typed(uow, "position", state, "Leiterin Einkauf"),
        **ALL,
    )
    assert isinstance(same, Edited) and not same.changed and same.tell is None


async def test_a_company_is_corrected_through_the_directory(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await seed_participant(db, program_id, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, company="VW")
    other = await seed_participant(db, program_id, 2001, "Otto Neu", NOW, company="Borsig")
    async with db.session() as session:
        vw = await companies.find(session, "Volkswagen AG")
        assert vw is not None
    # A known spelling links the employer at once.
    await run(db, COORDINATOR, lambda uow: participant_edit.begin(uow, person, "company"), **ALL)
    state = EditState(participant_id=person)
    known = await run(
        db,
        COORDINATOR,
        lambda uow: participant_edit.typed(uow, "company", state, "volkswagen ag"),
        **ALL,
    )
    assert isinstance(known, Edited) and known.card.participant.company_id == vw.id
    # A probable one is asked about; only a company offered, for this participant, is taken.
    await run(db, COORDINATOR, lambda uow: participant_edit.begin(uow, other, "company"), **ALL)
    state = EditState(participant_id=other)
    offered = await run(
        db,
        COORDINATOR,
        lambda uow: participant_edit.typed(uow, "company", state, "Volkswagen AG Werk Salzgitter"),
        **ALL,
    )
    assert isinstance(offered, Offered) and [c.id for c in offered.offer.companies] == [vw.id]
    for forged_participant, forged_company in ((other, 2**31 - 1), (person, vw.id)):
        async with unit(db, COORDINATOR, coordinator=True) as uow:
            with pytest.raises(Stale):
                await participant_edit.pick_company(uow, forged_participant, forged_company)
    picked = await run(
        db, COORDINATOR, lambda uow: participant_edit.pick_company(uow, other, vw.id), **ALL
    )
    assert picked.changed and picked.card.participant.company == "Volkswagen AG"
    assert picked.card.participant.company_id == vw.id


async def test_only_the_programs_coordinators_correct_a_profile(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW)
    state = EditState(participant_id=person)

    async def begin(uow: UnitOfWork) -> object:
        return await participant_edit.begin(uow, person, "position")

    async def typed(uow: UnitOfWork) -> object:
        return await participant_edit.typed(uow, "position", state, "Chefin")

    for use_case in (begin, typed):
        with pytest.raises(Refused):
            await run(db, 2000, use_case)
        with pytest.raises(Stale):
            await run(
                db, COORDINATOR, use_case, coordinator=True, scope=frozenset({program_id + 1})
            )
    await run(db, COORDINATOR, begin, **ALL)
    async with db.session() as session:
        row = await session.get(Participant, person)
        assert row is not None and row.position != "Chefin"
        row.user_id = None  # erased meanwhile: the dialog ends
    async with unit(db, COORDINATOR, coordinator=True) as uow:  # answered as the router does
        with pytest.raises(Stale):
            await typed(uow)
    async with db.session() as session:
        assert await dialogs.get(session, COORDINATOR) is None
    assert not [e for e in await audit(db) if e.action == "participant_edited"]
