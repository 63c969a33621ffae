"""The program team's contact as use cases: each field checked and stored as typed, "-" removing
it, the skip button keeping it, and nobody but the program's coordinators setting it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.contact import BadContact, Contact, ContactField, parse
from handlers import program_settings as handler
from services import conversation, program_contact, program_settings
from services.errors import Refused, Stale
from services.program_contact import Asking, ContactState
from services.program_values import Invalid, Saved
from storage import programs
from storage.db import Database
from storage.models import AuditEntry, Dialog, Program
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit

COORD = {"coordinator": True}
NAME, EMAIL, PHONE = ContactField


async def contact_in(db: Database, program_id: int) -> Contact:
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        return programs.contact_of(program)


async def dialog_of(db: Database, user_id: int = COORDINATOR) -> Dialog | None:
    async with db.session() as session:
        return await session.get(Dialog, user_id)


async def type_in(
    db: Database, program_id: int, field: ContactField, text: str, **actor: object
) -> Asking | Invalid[ContactField] | Saved | None:
    return await run(
        db,
        COORDINATOR,
        lambda uow: program_contact.submit(uow, field.value, program_id, text),
        **actor,
    )


def test_the_flow_has_its_own_name() -> None:
    assert program_contact.FLOW != program_settings.FLOW == handler.FLOW


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        (NAME, "  Anna \n Berg ", "Anna Berg"),
        (EMAIL, "anna.berg@wf-salzgitter.de", "anna.berg@wf-salzgitter.de"),
        (PHONE, "05341 123456", "05341 123456"),
        (PHONE, "+49 5341 123456", "+49 5341 123456"),
        (EMAIL, "-", None),
    ],
)
def test_values_that_fit(field: ContactField, raw: str, stored: str | None) -> None:
    assert parse(field, raw) == stored


@pytest.mark.parametrize(
    ("field", "raw", "problem"),
    [
        (NAME, "   ", "empty"),
        (NAME, "x" * 121, "too_long"),
        (EMAIL, "anna.berg", "bad"),
        (EMAIL, "anna@berg", "bad"),
        (EMAIL, "<b>a</b>@x.de", "bad"),
        (EMAIL, "a@" + "x" * 250 + ".de", "too_long"),
        (PHONE, "05341-123456", "bad"),
        (PHONE, "call me", "bad"),
        (PHONE, "1234", "bad"),
        (PHONE, "49 + 5341", "bad"),
        (PHONE, "1" * 21, "bad"),
    ],
)
def test_values_that_do_not_fit(field: ContactField, raw: str, problem: str) -> None:
    with pytest.raises(BadContact) as bad:
        parse(field, raw)
    assert bad.value.problem == problem


async def test_name_email_phone_in_turn_stored_and_audited(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    asking = await run(
        db,
        COORDINATOR,
        lambda uow: program_contact.begin(uow, program_id, NAME),
        **COORD,
    )
    assert asking.field is NAME
    result = await type_in(db, program_id, NAME, "Anna Berg", **COORD)
    assert isinstance(result, Asking) and result.field is EMAIL
    result = await type_in(db, program_id, EMAIL, "nope", **COORD)
    assert isinstance(result, Invalid) and result.problem == "bad"
    dialog = await dialog_of(db)
    assert dialog is not None and dialog.step == EMAIL.value  # asked again
    result = await type_in(db, program_id, EMAIL, "anna.berg@wf-salzgitter.de", **COORD)
    assert isinstance(result, Asking) and result.field is PHONE
    result = await type_in(db, program_id, PHONE, "05341 123456", **COORD)
    assert isinstance(result, Saved) and await dialog_of(db) is None
    assert await contact_in(db, program_id) == Contact(
        "Anna Berg", "anna.berg@wf-salzgitter.de", "05341 123456"
    )
    async with db.session() as session:
        audited = (
            await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "program_contact")
            )
        ).all()
    assert [d["field"] for d in audited] == ["n", "e", "p"]


async def test_a_dash_removes_a_field_and_skip_keeps_it(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    for field, text in (
        (NAME, "Anna Berg"),
        (EMAIL, "anna@wf.de"),
        (PHONE, "05341 123456"),
    ):
        await type_in(db, program_id, field, text, **COORD)
    kept = await run(
        db,
        COORDINATOR,
        lambda uow: program_contact.skip(uow, program_id, NAME),
        **COORD,
    )
    assert isinstance(kept, Asking) and kept.field is EMAIL
    await type_in(db, program_id, EMAIL, "-", **COORD)
    assert await contact_in(db, program_id) == Contact("Anna Berg", None, "05341 123456")
    done = await run(
        db,
        COORDINATOR,
        lambda uow: program_contact.skip(uow, program_id, PHONE),
        **COORD,
    )
    assert isinstance(done, Saved) and await dialog_of(db) is None
    for field in ContactField:
        await type_in(db, program_id, field, "-", **COORD)
    contact = await contact_in(db, program_id)
    assert not contact and contact.parts == ()


async def test_the_settings_card_closes_the_contact_prompt(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await run(
        db,
        COORDINATOR,
        lambda uow: program_contact.begin(uow, program_id, PHONE),
        **COORD,
    )
    await run(db, COORDINATOR, lambda uow: program_settings.show(uow, program_id), **COORD)
    assert await dialog_of(db) is None


async def test_a_participant_is_refused_and_another_programs_coordinator_reaches_nothing(
    db: Database,
) -> None:
    program_id = await seed_program(db, NOW)
    own = await seed_program(db, NOW, "Eigenes Programm")
    participant = 4711
    await seed_participant(db, program_id, participant, "Petra Schulz", NOW)
    for use_case in (
        lambda uow: program_contact.begin(uow, program_id, NAME),
        lambda uow: program_contact.skip(uow, program_id, NAME),
        lambda uow: program_contact.submit(uow, "n", program_id, "Mallory"),
    ):
        with pytest.raises(Refused):
            await run(db, participant, use_case)
    foreign = {"coordinator": True, "scope": frozenset({own})}
    for use_case in (
        lambda uow: program_contact.begin(uow, program_id, NAME),
        lambda uow: program_contact.skip(uow, program_id, NAME),
    ):
        with pytest.raises(Stale):
            await run(db, COORDINATOR, use_case, **foreign)
    # A dialog naming another program (written before the role was narrowed) is closed.
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        await conversation.save(uow, program_contact.FLOW, "n", ContactState(program_id=program_id))
    assert await type_in(db, program_id, NAME, "Mallory", **foreign) is None
    assert await dialog_of(db) is None
    assert not await contact_in(db, program_id)


async def test_a_participant_finds_the_contacts_of_their_programs(db: Database) -> None:
    first = await seed_program(db, NOW, "Salzgitter 2027")
    second = await seed_program(db, NOW, "Wolfsburg 2027")
    bare = await seed_program(db, NOW, "Ohne Kontakt")
    await type_in(db, first, NAME, "Anna Berg", **COORD)
    await type_in(db, second, EMAIL, "team@wolfsburg.de", **COORD)
    await type_in(db, bare, NAME, "Nicht meins", **COORD)
    user = 4712
    await seed_participant(db, first, user, "Jonas Weber", NOW, status="rejected")
    await seed_participant(db, second, user, "Jonas Weber", NOW, status="pending")
    found = await run(db, user, program_contact.mine)
    assert [(p.name, c) for p, c in found] == [
        ("Salzgitter 2027", Contact("Anna Berg")),
        ("Wolfsburg 2027", Contact(email="team@wolfsburg.de")),
    ]
    assert await run(db, 4713, program_contact.mine) == []
