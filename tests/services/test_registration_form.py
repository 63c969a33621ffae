"""The registration form per program as use cases: coordinators switch the optional questions;
registration asks them in place (the capacity of mentors only), with "skip" where optional;
/profile edits them; the matching's pool reads the languages spoken and the place."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.matching import match
from core.places import TOWNS
from core.profile import InvalidInput
from services import conversation, profile, program_settings, registration
from services.errors import Stale
from services.profile import Prompt, Saved
from services.registration import SUMMARY, Began, Submitted
from services.unit import UnitOfWork
from storage import rounds, users
from storage.db import Database
from storage.models import Participant, Program
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit

USER = 5301


async def _toggle(db: Database, program_id: int, *fields: str) -> Program:
    program = None
    for field in fields:

        async def toggle(uow: UnitOfWork, field: str = field) -> Program:
            return await program_settings.toggle_form_field(uow, program_id, field)

        program = await run(db, COORDINATOR, toggle, coordinator=True)
    assert program is not None
    return program


async def test_coordinators_switch_questions_and_nobody_else_can(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    program = await _toggle(db, program_id, "profile_url", "location", "languages", "location")
    assert program.form_fields == ["languages", "profile_url"]  # the form's order, not the clicks
    with pytest.raises(Stale):
        await _toggle(db, program_id, "name")  # not an optional question
    with pytest.raises(Stale):  # a participant's forged press
        await run(
            db, USER, lambda uow: program_settings.toggle_form_field(uow, program_id, "capacity")
        )
    async with db.session() as session:
        stored = await session.get(Program, program_id)
        assert stored is not None and stored.form_fields == ["languages", "profile_url"]


async def _type(db: Database, text: str | None) -> Prompt:
    """Text typed into the registration at the step it is at."""

    async def typed(uow: UnitOfWork) -> Prompt:
        loaded = await conversation.load(uow, registration.FLOW, registration.Draft)
        assert loaded is not None
        return await registration.type_answer(uow, loaded[0], loaded[1], text)

    return await run(db, USER, typed)


async def _answer_common(db: Database, code: str, role: str) -> None:
    began = await run(db, USER, lambda uow: registration.consent(uow, code))
    assert isinstance(began, Began)
    await run(db, USER, lambda uow: registration.choose(uow, "role", role))
    for text in ("Clara Neumann", "Salzgitter AG", "Stahl", "Gruppenleiterin"):
        prompt = await _type(db, text)
    assert prompt.step == "location"


async def test_a_mentor_answers_the_form_and_it_is_stored_with_coordinates(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await _toggle(db, program_id, "location", "languages", "capacity", "profile_url")
    async with db.session() as session:
        await users.upsert(session, user_id=USER, identity=users.Identity("C"), now=NOW)
        program = await session.get(Program, program_id)
        assert program is not None
        code = program.invite_code
    await _answer_common(db, code, "mentor")
    prompt = await _type(db, "Hannover-Linden")  # location
    assert prompt.step == "languages"
    refused = (await _type(db, "Deutsch")).error
    assert refused is not None and refused.key == "error.use_buttons"
    with pytest.raises(InvalidInput):
        await run(db, USER, registration.done_languages)  # none chosen yet
    assert await run(db, USER, lambda uow: registration.toggle_language(uow, "tr")) == ["tr"]
    await run(db, USER, lambda uow: registration.toggle_language(uow, "de"))
    with pytest.raises(InvalidInput):
        await run(db, USER, lambda uow: registration.toggle_language(uow, "xx"))
    with pytest.raises(Stale):  # not the step asked now
        await run(db, USER, lambda uow: registration.skip(uow, "profile_url"))
    assert (await run(db, USER, registration.done_languages)).step == "topics"
    prompt = await _type(db, "Eigenes Thema")
    prompt = await run(db, USER, registration.done_topics)
    prompt = await _type(db, "Weitergeben.")
    prompt = await run(db, USER, lambda uow: registration.choose(uow, "meeting_format", "both"))
    assert prompt.step == "capacity"
    with pytest.raises(InvalidInput):
        await run(db, USER, lambda uow: registration.choose(uow, "capacity", "9"))
    prompt = await run(db, USER, lambda uow: registration.choose(uow, "capacity", "3"))
    assert prompt.step == "profile_url"
    refused = (await _type(db, "www.xing.com/profile/C")).error
    assert refused is not None and refused.key == "error.url_https"
    prompt = await run(db, USER, lambda uow: registration.skip(uow, "profile_url"))
    assert prompt.step == "form_of_address"
    prompt = await run(db, USER, lambda uow: registration.choose(uow, "form_of_address", "f"))
    assert prompt.step == SUMMARY and "profile_url" in prompt.values
    assert "capacity" in await run(db, USER, registration.at_summary)
    done = await run(db, USER, registration.submit)
    assert isinstance(done, Submitted)
    async with db.session() as session:
        row = await session.scalar(select(Participant).where(Participant.user_id == USER))
        assert row is not None
        assert (row.location, row.languages, row.capacity, row.profile_url) == (
            "Hannover-Linden",
            ["de", "tr"],
            3,
            None,
        )
        assert (row.latitude, row.longitude) == TOWNS["Hannover"]

    # /profile: a place the gazetteer does not know is kept, without coordinates.
    card = await run(db, USER, profile.card)
    assert card is not None and "location" in card.editable and "capacity" in card.editable
    await run(db, USER, lambda uow: profile.begin(uow, "location"))

    async def typed(uow: UnitOfWork) -> Prompt | Saved:
        loaded = await conversation.load(uow, profile.FLOW, profile.Editing)
        assert loaded is not None
        return await profile.type_answer(uow, loaded[0], loaded[1], "Hintertupfingen")

    saved = await run(db, USER, typed)
    assert isinstance(saved, Saved) and saved.value == "Hintertupfingen"
    async with db.session() as session:
        row = await session.scalar(select(Participant).where(Participant.user_id == USER))
        assert row is not None and row.location == "Hintertupfingen" and row.latitude is None

    # "Skip" while editing an optional field empties it; a forged skip of a required one is stale.
    await run(db, USER, lambda uow: profile.begin(uow, "location"))
    with pytest.raises(Stale):
        await run(db, USER, lambda uow: profile.skip(uow, "name"))
    cleared = await run(db, USER, lambda uow: profile.skip(uow, "location"))
    assert cleared.card is not None and cleared.card.participant.location is None


async def test_the_pool_reads_the_languages_spoken_and_the_place(db: Database) -> None:
    """An English-interface mentee who speaks German gets the German-speaking mentor nearby,
    not the English-speaking one, nor the German-speaking one far away."""
    program_id = await seed_program(db, NOW)
    near = await seed_participant(
        db, program_id, 5401, "Nah Mentorin", NOW, role="mentor", company="A"
    )
    far = await seed_participant(
        db, program_id, 5402, "Fern Mentor", NOW, role="mentor", company="B"
    )
    english = await seed_participant(
        db, program_id, 5403, "Eng Mentor", NOW, role="mentor", company="C", language="en"
    )
    mentee = await seed_participant(
        db, program_id, 5404, "Ben Becker", NOW, company="D", language="en"
    )
    async with db.session() as session:
        for pid, place, spoken in (
            (near, "Salzgitter", ["de"]),
            (far, "München", ["de"]),
            (english, "Salzgitter", None),
            (mentee, "Wolfenbüttel", ["de", "tr"]),
        ):
            row = await session.get(Participant, pid)
            assert row is not None
            row.location, row.languages, row.meeting_format = place, spoken, "in_person"
            row.latitude, row.longitude = TOWNS[place]
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        mentors, mentees = await rounds.pool(session, program, "de")
    by_id = {p.id: p for p in [*mentors, *mentees]}
    assert by_id[mentee].languages == frozenset({"de", "tr"})
    assert by_id[english].languages == frozenset({"en"})  # not asked: the bot's language
    assert by_id[near].location == TOWNS["Salzgitter"]
    result = match(mentors, mentees)
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [(near, mentee)]


async def test_a_change_to_mentor_from_the_summary_asks_the_capacity_first(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await _toggle(db, program_id, "capacity")
    async with db.session() as session:
        await users.upsert(session, user_id=USER, identity=users.Identity("C"), now=NOW)
        program = await session.get(Program, program_id)
        assert program is not None
        code = program.invite_code
    draft = {
        "role": "mentee",
        "name": "Clara Neumann",
        "company": "Salzgitter AG",
        "industry": "Stahl",
        "position": "Gruppenleiterin",
        "topics": ["Feedback"],
        "topics_done": True,
        "goals": "Führen lernen.",
        "meeting_format": "both",
        "form_of_address": "f",
    }
    state = registration.Draft(
        program_id=program_id, invite_code=code, consent_at=NOW, draft=draft, form=["capacity"]
    )
    async with unit(db, USER) as uow:
        await conversation.save(uow, registration.FLOW, SUMMARY, state)
    assert "capacity" not in await run(db, USER, registration.at_summary)  # a mentee
    await run(db, USER, lambda uow: registration.edit(uow, "role"))
    asked = await run(db, USER, lambda uow: registration.choose(uow, "role", "mentor"))
    assert asked.step == "capacity"
    back = await run(db, USER, lambda uow: registration.choose(uow, "capacity", "2"))
    assert back.step == SUMMARY and back.values["capacity"] == "2"
    await run(db, USER, lambda uow: registration.edit(uow, "role"))
    back = await run(db, USER, lambda uow: registration.choose(uow, "role", "mentee"))
    assert back.step == SUMMARY and "capacity" not in back.values
