"""/profile as use cases: the card, editing one field, the role lock, another's registration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from core.profile import InvalidInput, fingerprint
from core.programs import ParticipantStatus
from services import conversation, profile
from services.errors import Stale
from services.profile import Editing, Picked, Prompt, Saved, Toggled
from services.unit import UnitOfWork
from storage.db import Database
from storage.models import Dialog, Participant
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import NOW, answered_stale, run, unit

USER = 5101


async def _seeded(db: Database, status: str = "active") -> tuple[int, int]:
    program_id = await seed_program(db, NOW)
    participant_id = await seed_participant(db, program_id, USER, "Anna Alt", NOW, status=status)
    return program_id, participant_id


def _type(text: str | None) -> Callable[[UnitOfWork], Awaitable[Prompt | Saved]]:
    async def typed(uow: UnitOfWork) -> Prompt | Saved:
        loaded = await conversation.load(uow, profile.FLOW, Editing)
        assert loaded is not None
        return await profile.type_answer(uow, loaded[0], loaded[1], text)

    return typed


async def _typed(db: Database, text: str | None, user: int = USER) -> Prompt | Saved:
    return await run(db, user, _type(text))


async def _row(db: Database, participant_id: int) -> Participant:
    async with db.session() as session:
        row = await session.get(Participant, participant_id)
        assert row is not None
        return row


async def _dialog(db: Database, user: int = USER) -> Dialog | None:
    async with db.session() as session:
        return await session.get(Dialog, user)


async def test_the_card_offers_the_role_only_before_approval(db: Database) -> None:
    assert await run(db, 4242, profile.card) is None
    program_id, _ = await _seeded(db, status="pending")
    card = await run(db, USER, profile.card)
    assert card is not None and card.program is not None and card.program.id == program_id
    assert "role" in card.editable
    async with db.session() as session:
        for row in (await session.scalars(select(Participant))).all():
            row.status = ParticipantStatus.ACTIVE
    card = await run(db, USER, profile.card)
    assert card is not None and "role" not in card.editable and "name" in card.editable
    with pytest.raises(InvalidInput) as locked:
        await run(db, USER, lambda uow: profile.begin(uow, "role"))
    assert locked.value.key == "profile.role_locked"
    assert await _dialog(db) is None


async def test_a_typed_field_is_stored_at_once_and_the_dialog_ends(db: Database) -> None:
    _, participant_id = await _seeded(db)
    prompt = await run(db, USER, lambda uow: profile.begin(uow, "name"))
    assert prompt.step == "name" and prompt.values["name"] == "Anna Alt"
    refused = await _typed(db, None)
    assert isinstance(refused, Prompt) and refused.error is not None
    saved = await _typed(db, "  Anna   Neu ")
    assert isinstance(saved, Saved) and saved.card is not None and saved.value == "Anna Neu"
    assert (await _row(db, participant_id)).name == "Anna Neu"
    assert await _dialog(db) is None


async def test_strangers_and_stale_presses_change_nothing(db: Database) -> None:
    _, participant_id = await _seeded(db)
    with pytest.raises(Stale):  # no registration
        await run(db, 4242, lambda uow: profile.begin(uow, "name"))
    with pytest.raises(Stale):  # no such field
        await run(db, USER, lambda uow: profile.begin(uow, "status"))
    with pytest.raises(Stale) as stale:  # no dialog
        await run(db, USER, lambda uow: profile.choose(uow, "meeting_format", "online"))
    assert stale.value.edit
    await run(db, USER, lambda uow: profile.begin(uow, "name"))
    with pytest.raises(Stale):  # another step
        await run(db, USER, lambda uow: profile.choose(uow, "meeting_format", "online"))
    with pytest.raises(Stale):
        await run(db, USER, profile.done_topics)
    with pytest.raises(Stale):
        await run(db, USER, lambda uow: profile.pick_company(uow, None))

    # A dialog naming someone else's registration (forged, or written by hand).
    async with unit(db, 4242) as uow:
        await conversation.save(uow, profile.FLOW, "name", Editing(participant_id=participant_id))
    with pytest.raises(Stale):
        await run(db, 4242, lambda uow: profile.choose(uow, "name", "x"))
    assert (await answered_stale(db, 4242, _type("Mallory"))).key == "profile.none"
    assert await _dialog(db, 4242) is None  # the dialog ended
    assert (await _row(db, participant_id)).name == "Anna Alt"


async def test_the_role_approved_while_the_dialog_was_open_is_not_changed(db: Database) -> None:
    _, participant_id = await _seeded(db, status="pending")
    await run(db, USER, lambda uow: profile.begin(uow, "role"))
    with pytest.raises(InvalidInput):
        await run(db, USER, lambda uow: profile.choose(uow, "role", "admin"))
    async with db.session() as session:
        row = await session.get(Participant, participant_id)
        assert row is not None
        row.status = ParticipantStatus.ACTIVE
    saved = await run(db, USER, lambda uow: profile.choose(uow, "role", "mentor"))
    assert saved.card is None
    # The program comes along: its team's contact is named with "wenden Sie sich …".
    assert saved.program is not None and saved.program.id == row.program_id
    assert (await _row(db, participant_id)).role == "mentee"
    assert await _dialog(db) is None


async def test_topics_are_a_working_copy_until_done(db: Database) -> None:
    _, participant_id = await _seeded(db)
    prompt = await run(db, USER, lambda uow: profile.begin(uow, "topics"))
    assert prompt.values["topics"] == ["Kommunikation"]
    options = prompt.program_topics
    place = options.index("Kommunikation")

    def toggle(index: int, check: str) -> Callable[[UnitOfWork], Awaitable[Toggled]]:
        return lambda uow: profile.toggle(uow, index, check)

    toggled = await run(db, USER, toggle(place, fingerprint("Kommunikation")))
    assert toggled.selected == []
    with pytest.raises(Stale):  # the same place, another topic's fingerprint
        await run(db, USER, toggle(place, fingerprint("Feedback")))
    with pytest.raises(InvalidInput) as empty:
        await run(db, USER, profile.done_topics)
    assert empty.value.key == "error.no_topics"
    added = await _typed(db, "Resilienz")
    assert isinstance(added, Prompt) and added.added and added.values["topics"] == ["Resilienz"]
    assert (await _row(db, participant_id)).topics == ["Kommunikation"]  # not yet stored
    saved = await run(db, USER, profile.done_topics)
    assert saved.value == ["Resilienz"]
    assert (await _row(db, participant_id)).topics == ["Resilienz"]


async def test_a_changed_company_is_asked_about_like_at_registration(db: Database) -> None:
    program_id, participant_id = await _seeded(db)
    await seed_participant(db, program_id, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    await run(db, USER, lambda uow: profile.begin(uow, "company"))
    asked = await _typed(db, "Volkswagen AG, Werk Salzgitter")
    assert isinstance(asked, Prompt) and asked.offer is not None
    vw = asked.offer.companies[0].id

    def pick(company_id: int | None) -> Callable[[UnitOfWork], Awaitable[Picked]]:
        return lambda uow: profile.pick_company(uow, company_id)

    forged = await run(db, USER, pick(vw + 1000))
    assert forged.stale and isinstance(forged.then, Prompt) and forged.then.offer is not None
    picked = await run(db, USER, pick(vw))
    assert not picked.stale and isinstance(picked.then, Saved)
    row = await _row(db, participant_id)
    assert (row.company, row.company_id) == ("Volkswagen AG", vw)
