"""Programs as use cases: creating one step by step, listing and opening them, and the
decisions on a participant, with every refusal (a participant, a coordinator of another program,
a forged id)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.programs import ParticipantStatus, ProgramStatus
from services import conversation, programs
from services.errors import Refused, Stale
from services.programs import NewProgram, Verdict
from storage import dialogs, events, users
from storage.db import Database
from storage.models import AuditEntry, Coordinator, Dialog, Participant, Program
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit

ALL = {"coordinator": True}
FORGED = 2**31 - 1


async def actions(db: Database) -> list[str]:
    async with db.session() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


async def stored_dialog(db: Database, user_id: int) -> Dialog | None:
    async with db.session() as session:
        return await dialogs.get(session, user_id)


# --- creating a program ------------------------------------------------------------------------


async def test_a_program_is_created_step_by_step(db: Database) -> None:
    await run(db, COORDINATOR, programs.begin, **ALL)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        loaded = await conversation.load(uow, programs.FLOW, NewProgram)
        assert loaded is not None and loaded[0] == "name"
        state = loaded[1]
        for bad in ("", "/start", "x" * 121):
            assert not await programs.name(uow, state, bad)
        assert await programs.name(uow, state, "Salzgitter 2028")
        assert not await programs.start(uow, state, None)
        assert await programs.start(uow, state, dt.date(2028, 3, 1))
    dialog = await stored_dialog(db, COORDINATOR)
    assert dialog is not None and dialog.step == "end"
    assert dialog.data["name"] == "Salzgitter 2028" and dialog.data["starts_on"] == "2028-03-01"
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        state = NewProgram.model_validate(dialog.data)
        assert await programs.end(uow, state, dt.date(2028, 3, 1), "Europe/Berlin") is None
        assert await programs.end(uow, state, None, "Europe/Berlin") is None
        card = await programs.end(uow, state, dt.date(2029, 2, 28), "Europe/Vienna")
    assert card is not None and card.program.name == "Salzgitter 2028"
    assert card.program.timezone == "Europe/Vienna" and card.count(ParticipantStatus.ACTIVE) == 0
    assert await stored_dialog(db, COORDINATOR) is None
    assert "program_created" in await actions(db)


async def test_a_dialog_stored_before_the_state_was_typed_still_finishes(db: Database) -> None:
    """The row an older version left: the duration button creates the program from it."""
    async with db.session() as session:
        await dialogs.save(
            session,
            COORDINATOR,
            flow=programs.FLOW,
            step="end",
            data={"name": "Alt 2027", "starts_on": "2027-04-01"},
            now=NOW,
        )
    with pytest.raises(Stale):  # not one of the durations offered
        await run(
            db, COORDINATOR, lambda uow: programs.pick_duration(uow, 7, "Europe/Berlin"), **ALL
        )
    card = await run(
        db, COORDINATOR, lambda uow: programs.pick_duration(uow, 9, "Europe/Berlin"), **ALL
    )
    assert (card.program.starts_on, card.program.ends_on) == (
        dt.date(2027, 4, 1),
        dt.date(2027, 12, 31),
    )


async def test_date_buttons_of_a_finished_or_other_step_are_stale(db: Database) -> None:
    with pytest.raises(Stale) as gone:
        await run(db, COORDINATOR, lambda uow: programs.pick_start(uow, "2027-03-10"), **ALL)
    assert gone.value.edit  # the old keyboard is removed
    await run(db, COORDINATOR, programs.begin, **ALL)
    with pytest.raises(Stale) as early:  # still at the name
        await run(db, COORDINATOR, lambda uow: programs.pick_start(uow, "2027-03-10"), **ALL)
    assert not early.value.edit
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        loaded = await conversation.load(uow, programs.FLOW, NewProgram)
        assert loaded is not None
        await programs.name(uow, loaded[1], "Neu")
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: programs.pick_start(uow, "2027-02-30"), **ALL)
    picked = await run(db, COORDINATOR, lambda uow: programs.pick_start(uow, "2027-03-10"), **ALL)
    assert picked == dt.date(2027, 3, 10)
    dialog = await stored_dialog(db, COORDINATOR)
    assert dialog is not None and dialog.step == "end"


async def test_only_a_coordinator_of_all_programs_creates_programs(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    with pytest.raises(Refused) as participant:
        await run(db, 4242, programs.begin)
    assert not participant.value.all_programs
    scoped = {"coordinator": True, "scope": frozenset({program_id})}
    with pytest.raises(Refused) as one_program:
        await run(db, COORDINATOR, programs.begin, **scoped)
    assert one_program.value.all_programs
    # A dialog begun with the role for all programs ends when it shrank to one program.
    await run(db, COORDINATOR, programs.begin, **ALL)
    async with unit(db, COORDINATOR, coordinator=True, scope=frozenset({program_id})) as uow:
        with pytest.raises(Refused):  # the router answers it, and the transaction commits
            await programs.name(uow, NewProgram(), "X")
    assert await stored_dialog(db, COORDINATOR) is None


# --- programs ------------------------------------------------------------------------------------


async def test_a_coordinator_of_one_program_lists_and_opens_only_that_one(db: Database) -> None:
    mine = await seed_program(db, NOW, "Mein Programm")
    other = await seed_program(db, NOW, "Fremdes Programm")
    await seed_participant(db, mine, 2000, "Wartend", NOW, status="pending")
    scoped = {"coordinator": True, "scope": frozenset({mine})}
    listed = await run(db, COORDINATOR, programs.overview, **scoped)
    assert [(c.program.id, c.count(ParticipantStatus.PENDING)) for c in listed] == [(mine, 1)]
    assert len(await run(db, COORDINATOR, programs.overview, **ALL)) == 2
    async with unit(db, COORDINATOR, coordinator=True, scope=frozenset({mine})) as uow:
        with pytest.raises(Stale) as foreign:
            await programs.card(uow, other)
    assert foreign.value.alert
    assert "refused" in await actions(db)  # another program's id, unlike a forged one
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: programs.card(uow, FORGED), **ALL)
    with pytest.raises(Refused):
        await run(db, 2000, programs.overview)
    with pytest.raises(Refused):
        await run(db, 2000, lambda uow: programs.card(uow, mine))


async def test_registration_is_opened_and_closed_but_not_archived_here(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    card = await run(
        db,
        COORDINATOR,
        lambda uow: programs.set_status(uow, program_id, ProgramStatus.CLOSED),
        **ALL,
    )
    assert card.program.status == ProgramStatus.CLOSED
    with pytest.raises(Stale):
        await run(
            db,
            COORDINATOR,
            lambda uow: programs.set_status(uow, program_id, ProgramStatus.ARCHIVED),
            **ALL,
        )
    scoped = {"coordinator": True, "scope": frozenset({program_id + 1})}
    with pytest.raises(Stale):
        await run(
            db,
            COORDINATOR,
            lambda uow: programs.set_status(uow, program_id, ProgramStatus.OPEN),
            **scoped,
        )
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None and program.status == ProgramStatus.CLOSED
    assert (await actions(db)).count("program_status") == 1


async def test_participants_are_listed_a_page_at_a_time(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    for n in range(12):
        await seed_participant(db, program_id, 2000 + n, f"Person {n:02}", NOW)
    first = await run(
        db,
        COORDINATOR,
        lambda uow: programs.participant_page(uow, program_id, ParticipantStatus.ACTIVE, 0),
        **ALL,
    )
    assert (first.total, first.pages, len(first.people)) == (12, 2, 10)
    beyond = await run(
        db,
        COORDINATOR,
        lambda uow: programs.participant_page(uow, program_id, ParticipantStatus.ACTIVE, 9),
        **ALL,
    )
    assert beyond.page == 1 and [p.name for p in beyond.people] == ["Person 10", "Person 11"]
    none = await run(
        db,
        COORDINATOR,
        lambda uow: programs.participant_page(uow, program_id, ParticipantStatus.LEFT, 0),
        **ALL,
    )
    assert (none.total, none.pages, none.people) == (0, 1, [])


# --- a participant ------------------------------------------------------------------------------


async def test_approving_tells_the_participant_and_invites_them_to_upcoming_events(
    db: Database,
) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, status="pending")
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
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        decided = await programs.decide(uow, person, ParticipantStatus.ACTIVE)
        planned = list(uow.planned)
    assert decided.verdict == Verdict.DONE
    assert decided.card.participant.status == ParticipantStatus.ACTIVE
    assert decided.tell is not None and decided.tell.id == 2000
    assert planned, "the event's invitation and reminders are planned for the newcomer"
    again = await run(
        db,
        COORDINATOR,
        lambda uow: programs.decide(uow, person, ParticipantStatus.ACTIVE),
        **ALL,
    )
    assert again.verdict == Verdict.ALREADY and again.tell is None
    rejected = await run(
        db,
        COORDINATOR,
        lambda uow: programs.decide(uow, person, ParticipantStatus.REJECTED),
        **ALL,
    )
    assert rejected.verdict == Verdict.CANNOT
    assert rejected.card.participant.status == ParticipantStatus.ACTIVE
    assert (await actions(db)).count("participant_status") == 1


async def test_someone_who_blocked_the_bot_is_decided_on_but_not_told(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, status="pending")
    async with db.session() as session:
        await users.set_reachable(session, 2000, False)
    decided = await run(
        db,
        COORDINATOR,
        lambda uow: programs.decide(uow, person, ParticipantStatus.REJECTED),
        **ALL,
    )
    assert decided.verdict == Verdict.DONE and decided.tell is None


async def test_nobody_else_decides_on_a_participant(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW, status="pending")
    approve = lambda uow: programs.decide(uow, person, ParticipantStatus.ACTIVE)  # noqa: E731
    with pytest.raises(Refused):
        await run(db, 2000, approve)  # the participant themself
    with pytest.raises(Stale) as foreign:
        await run(db, COORDINATOR, approve, coordinator=True, scope=frozenset({program_id + 1}))
    assert foreign.value.alert
    with pytest.raises(Stale):
        await run(
            db,
            COORDINATOR,
            lambda uow: programs.decide(uow, FORGED, ParticipantStatus.ACTIVE),
            **ALL,
        )
    async with db.session() as session:
        row = await session.get(Participant, person)
        assert row is not None and row.status == ParticipantStatus.PENDING
        row.user_id = None  # what /deleteme leaves
    with pytest.raises(Stale) as erased:
        await run(db, COORDINATOR, approve, **ALL)
    assert erased.value.key == "pp.erased"


async def test_a_mentors_capacity_cycles_and_a_mentee_has_none(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    mentor = await seed_participant(db, program_id, 2000, "Maria Mentor", NOW, role="mentor")
    mentee = await seed_participant(db, program_id, 2001, "Emil Mentee", NOW)
    seen = []
    for _ in range(3):
        card = await run(db, COORDINATOR, lambda uow: programs.cycle_capacity(uow, mentor), **ALL)
        seen.append(card.participant.capacity)
    assert seen == [2, 3, 1]
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: programs.cycle_capacity(uow, mentee), **ALL)


async def test_the_role_from_a_card_is_for_that_program_only(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    person = await seed_participant(db, program_id, 2000, "Paula Neu", NOW)
    card = await run(db, COORDINATOR, lambda uow: programs.participant_card(uow, person), **ALL)
    assert not card.is_coordinator and card.transitions == [
        ParticipantStatus.LEFT,
        ParticipantStatus.PAUSED,
    ]
    scoped = {"coordinator": True, "scope": frozenset({program_id})}
    granted = await run(
        db, COORDINATOR, lambda uow: programs.grant_program_role(uow, person), **scoped
    )
    assert granted.change.outcome == "granted" and not granted.change.all_programs
    assert granted.change.tell is not None and granted.card.is_coordinator
    async with db.session() as session:
        grants = (await session.scalars(select(Coordinator.program_id))).all()
    assert grants == [program_id]
    again = await run(db, COORDINATOR, lambda uow: programs.grant_program_role(uow, person), **ALL)
    assert again.change.outcome == "already"
    configured = await run(
        db,
        COORDINATOR,
        lambda uow: programs.participant_card(uow, person),
        **ALL,
        configured=frozenset({2000}),
    )
    assert configured.is_coordinator
