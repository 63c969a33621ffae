"""Registration as use cases: the invitation, consent, the steps, the summary and submission."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.profile import InvalidInput, fingerprint
from core.programs import ProgramStatus
from services import conversation, registration
from services.company_choice import Question
from services.errors import Stale
from services.profile import Prompt
from services.registration import (
    SUMMARY,
    Already,
    Began,
    Closed,
    Draft,
    Expired,
    NoProgram,
    Notice,
    Resumed,
    Submitted,
)
from storage import users
from storage.db import Database
from storage.models import Dialog, Participant, Program
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import NOW, run, unit

USER = 5001
COMPLETE: dict[str, Any] = {
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


async def _program(db: Database) -> tuple[int, str]:
    """A program and its invitation code; the user exists (the consent handler stores them)."""
    program_id = await seed_program(db, NOW)
    async with db.session() as session:
        await users.upsert(session, user_id=USER, identity=users.Identity("C"), now=NOW)
        program = await session.get(Program, program_id)
        assert program is not None
        return program_id, program.invite_code


async def _set(db: Database, program_id: int, **values: object) -> None:
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        for name, value in values.items():
            setattr(program, name, value)


async def _at(db: Database, step: str, state: Draft, user: int = USER) -> None:
    async with unit(db, user) as uow:
        await conversation.save(uow, registration.FLOW, step, state)


async def _dialog(db: Database, user: int = USER) -> Dialog | None:
    async with db.session() as session:
        return await session.get(Dialog, user)


async def test_an_invitation_shows_the_notice_and_consent_starts_the_draft(db: Database) -> None:
    program_id, code = await _program(db)
    opened = await run(db, USER, lambda uow: registration.open_invitation(uow, code.lower()))
    assert isinstance(opened, Notice) and opened.code == code
    assert await _dialog(db) is None  # nothing stored before consent

    began = await run(db, USER, lambda uow: registration.consent(uow, code))
    assert isinstance(began, Began) and began.program.id == program_id
    assert began.prompt.step == "role" and began.prompt.values == {}
    dialog = await _dialog(db)
    assert dialog is not None and (dialog.flow, dialog.step) == ("reg", "role")
    assert dialog.data["invite_code"] == code and dialog.data["draft"] == {}
    assert dialog.data["consent_at"] == NOW.isoformat()  # as the previous version wrote it

    again = await run(db, USER, lambda uow: registration.open_invitation(uow, code))
    assert isinstance(again, Resumed) and again.prompt.step == "role"
    with pytest.raises(Stale):  # the notice pressed a second time
        await run(db, USER, lambda uow: registration.consent(uow, code))
    with pytest.raises(Stale):
        await run(db, USER, registration.decline)


async def test_a_wrong_or_closed_invitation_admits_to_nothing(db: Database) -> None:
    program_id, code = await _program(db)
    for raw in ("ZZZZZZZZ", "nonsense!", ""):
        async with unit(db, USER) as uow:
            assert isinstance(await registration.open_invitation(uow, raw), NoProgram)
            assert await registration.consent(uow, raw) is None
    await _set(db, program_id, status=ProgramStatus.CLOSED)
    opened = await run(db, USER, lambda uow: registration.open_invitation(uow, code))
    assert isinstance(opened, Closed)
    assert isinstance(await run(db, USER, lambda uow: registration.consent(uow, code)), Closed)
    assert await _dialog(db) is None


async def test_a_participant_of_the_program_is_told_and_cannot_consent_again(db: Database) -> None:
    program_id, code = await _program(db)
    await seed_participant(db, program_id, USER, "Anna Alt", NOW, status="pending")
    opened = await run(db, USER, lambda uow: registration.open_invitation(uow, code))
    assert isinstance(opened, Already) and opened.participant.status == "pending"
    with pytest.raises(Stale) as stale:
        await run(db, USER, lambda uow: registration.consent(uow, code))
    assert stale.value.key == "start.already.short" and stale.value.alert and stale.value.edit
    assert await _dialog(db) is None


async def test_mine_is_the_current_registration_and_none_for_a_stranger_or_a_leaver(
    db: Database,
) -> None:
    """What /start without a code answers: the registration under review or taking part, with
    its program; nothing for someone never registered or whose registration ended."""
    program_id, _ = await _program(db)
    assert await run(db, USER, registration.mine) is None
    await seed_participant(db, program_id, USER, "Anna Alt", NOW, status="pending")
    found = await run(db, USER, registration.mine)
    assert found is not None and found.program.id == program_id
    assert found.participant.status == "pending"
    await seed_participant(db, program_id, USER + 1, "Ben Bald", NOW, status="left")
    assert await run(db, USER + 1, registration.mine) is None


async def test_the_steps_in_order_then_the_summary_and_submission(db: Database) -> None:
    program_id, code = await _program(db)
    await run(db, USER, lambda uow: registration.consent(uow, code))

    async def typed(text: str | None) -> Prompt:
        async with unit(db, USER) as uow:
            loaded = await conversation.load(uow, registration.FLOW, Draft)
            assert loaded is not None
            return await registration.type_answer(uow, loaded[0], loaded[1], text)

    prompt = await run(db, USER, lambda uow: registration.choose(uow, "role", "mentee"))
    assert prompt.step == "name"
    refused = await typed("/start")
    assert refused.step == "name" and refused.error is not None
    assert refused.error.key == "error.looks_like_command"
    for text, following in (
        ("Clara Neumann", "company"),
        ("Salzgitter AG", "industry"),
        ("Stahl", "position"),
        ("Gruppenleiterin", "topics"),
    ):
        assert (await typed(text)).step == following
    topics = prompt.program_topics
    toggled = await run(db, USER, lambda uow: registration.toggle(uow, 0, fingerprint(topics[0])))
    assert toggled.selected == [topics[0]]
    added = await typed("Resilienz")
    assert added.added and added.values["topics"] == [topics[0], "Resilienz"]
    prompt = await run(db, USER, registration.done_topics)
    assert prompt.step == "goals"
    assert (await typed("Führen lernen.")).step == "meeting_format"
    await run(db, USER, lambda uow: registration.choose(uow, "meeting_format", "online"))
    summary = await run(db, USER, lambda uow: registration.choose(uow, "form_of_address", "f"))
    assert summary.step == SUMMARY and summary.program is not None
    assert summary.values["name"] == "Clara Neumann"
    assert (await typed("anything")).step == SUMMARY  # at the summary only buttons count

    done = await run(db, USER, registration.submit)
    assert isinstance(done, Submitted) and done.program.id == program_id
    assert (done.participant.status, done.participant.consent_at) == ("pending", NOW)
    assert done.participant.topics == [topics[0], "Resilienz"]
    assert await _dialog(db) is None


async def test_a_field_changed_from_the_summary_returns_to_the_summary(db: Database) -> None:
    program_id, code = await _program(db)
    await _at(db, SUMMARY, Draft(program_id=program_id, invite_code=code, consent_at=NOW))
    await run(db, USER, registration.at_summary)
    prompt = await run(db, USER, lambda uow: registration.edit(uow, "role"))
    assert prompt.step == "role"
    with pytest.raises(Stale):  # the summary's menu is gone while a field is asked
        await run(db, USER, registration.at_summary)
    back = await run(db, USER, lambda uow: registration.choose(uow, "role", "mentor"))
    assert back.step == SUMMARY and back.values["role"] == "mentor"
    dialog = await _dialog(db)
    assert dialog is not None and dialog.data["editing"] is False


async def test_presses_of_no_registration_or_another_step_are_stale(db: Database) -> None:
    _, code = await _program(db)
    with pytest.raises(Stale) as stale:
        await run(db, USER, lambda uow: registration.choose(uow, "role", "mentor"))
    assert stale.value.edit  # an old keyboard: it goes
    await run(db, USER, lambda uow: registration.consent(uow, code))
    for use_case in (
        lambda uow: registration.choose(uow, "meeting_format", "online"),
        lambda uow: registration.toggle(uow, 0, "abcdef"),
        registration.done_topics,
        lambda uow: registration.pick_company(uow, None),
        registration.at_summary,
        lambda uow: registration.edit(uow, "name"),
        registration.submit,
    ):
        with pytest.raises(Stale):
            await run(db, USER, use_case)
    with pytest.raises(InvalidInput):
        await run(db, USER, lambda uow: registration.choose(uow, "role", "admin"))
    dialog = await _dialog(db)
    assert dialog is not None and dialog.step == "role" and dialog.data["draft"] == {}


async def test_a_choice_naming_the_summary_step_is_stale_not_an_error(db: Database) -> None:
    # Found on the way: `rg:v:summary:x` at the summary looked the step up as a field.
    program_id, code = await _program(db)
    state = Draft(program_id=program_id, invite_code=code, consent_at=NOW, draft=COMPLETE)
    await _at(db, SUMMARY, state)
    with pytest.raises(Stale):
        await run(db, USER, lambda uow: registration.choose(uow, SUMMARY, "x"))
    with pytest.raises(Stale):
        await run(db, USER, lambda uow: registration.edit(uow, SUMMARY))


async def test_topics_need_a_current_button_and_one_topic_at_least(db: Database) -> None:
    program_id, code = await _program(db)
    await _at(db, "topics", Draft(program_id=program_id, invite_code=code, consent_at=NOW))
    with pytest.raises(InvalidInput) as empty:
        await run(db, USER, registration.done_topics)
    assert empty.value.key == "error.no_topics"
    for index, check in ((0, "abcdef"), (99, fingerprint("Feedback"))):
        with pytest.raises(Stale):
            async with unit(db, USER) as uow:
                await registration.toggle(uow, index, check)


async def test_a_replaced_invitation_holds_the_submission_until_the_current_link(
    db: Database,
) -> None:
    program_id, code = await _program(db)
    state = Draft(program_id=program_id, invite_code=code, consent_at=NOW, draft=COMPLETE)
    await _at(db, SUMMARY, state)
    await _set(db, program_id, invite_code="NEWC0DE2")
    assert isinstance(await run(db, USER, registration.submit), Expired)
    dialog = await _dialog(db)
    assert dialog is not None and dialog.step == SUMMARY  # the draft waits
    resumed = await run(db, USER, lambda uow: registration.open_invitation(uow, "newc0de2"))
    assert isinstance(resumed, Resumed) and resumed.prompt.step == SUMMARY
    assert isinstance(await run(db, USER, registration.submit), Submitted)


async def test_a_draft_older_than_the_invitation_record_still_loads(db: Database) -> None:
    program_id, code = await _program(db)
    async with db.session() as session:  # as the previous version stored it
        session.add(
            Dialog(
                user_id=USER,
                flow="reg",
                step=SUMMARY,
                data={"program_id": program_id, "consent_at": NOW.isoformat(), "draft": COMPLETE},
                version=0,
                updated_at=NOW,
            )
        )
    assert isinstance(await run(db, USER, registration.submit), Expired)
    await run(db, USER, lambda uow: registration.open_invitation(uow, code))
    assert isinstance(await run(db, USER, registration.submit), Submitted)


async def test_submission_when_closed_registered_meanwhile_or_incomplete(db: Database) -> None:
    program_id, code = await _program(db)
    partial = {k: v for k, v in COMPLETE.items() if k != "goals"}
    await _at(
        db, SUMMARY, Draft(program_id=program_id, invite_code=code, consent_at=NOW, draft=partial)
    )
    missing = await run(db, USER, registration.submit)
    assert isinstance(missing, Prompt) and missing.step == "goals"

    other = USER + 1
    await _at(
        db,
        SUMMARY,
        Draft(program_id=program_id, invite_code=code, consent_at=NOW, draft=COMPLETE),
        other,
    )
    await seed_participant(db, program_id, other, "Otto Zwei", NOW, status="pending")
    assert isinstance(await run(db, other, registration.submit), Already)
    assert await _dialog(db, other) is None

    await _at(
        db, SUMMARY, Draft(program_id=program_id, invite_code=code, consent_at=NOW, draft=COMPLETE)
    )
    await _set(db, program_id, status=ProgramStatus.CLOSED)
    assert isinstance(await run(db, USER, registration.submit), Closed)
    assert await _dialog(db) is None
    async with db.session() as session:
        rows = (await session.scalars(select(Participant.user_id))).all()
    assert rows == [other]


async def test_a_typo_of_a_known_company_is_asked_about_and_the_answer_checked(
    db: Database,
) -> None:
    program_id, code = await _program(db)
    await seed_participant(db, program_id, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    draft = {k: COMPLETE[k] for k in ("role", "name")}
    await _at(
        db, "company", Draft(program_id=program_id, invite_code=code, consent_at=NOW, draft=draft)
    )

    async def typed(text: str) -> Prompt:
        async with unit(db, USER) as uow:
            loaded = await conversation.load(uow, registration.FLOW, Draft)
            assert loaded is not None
            return await registration.type_answer(uow, loaded[0], loaded[1], text)

    asked = await typed("Volkswagen AG, Werk Salzgitter")
    assert asked.step == "company" and asked.offer is not None
    assert [c.name for c in asked.offer.companies] == ["Volkswagen AG"]
    vw = asked.offer.companies[0].id
    forged = await run(db, USER, lambda uow: registration.pick_company(uow, vw + 1000))
    assert forged.stale and forged.then.offer is not None  # asked once more
    picked = await run(db, USER, lambda uow: registration.pick_company(uow, vw))
    assert not picked.stale and picked.then.step == "industry"
    assert picked.then.values["company"] == "Volkswagen AG"
    assert picked.then.values["company_id"] == vw
    with pytest.raises(Stale):  # pressed twice
        await run(db, USER, lambda uow: registration.pick_company(uow, vw))

    assert (await typed("Stahl")).step == "position"  # the industry: no company question


async def test_their_own_spelling_is_kept_without_a_company(db: Database) -> None:
    program_id, code = await _program(db)
    await seed_participant(db, program_id, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    question = Question(typed="Volkswagn", ids=[1])
    draft = {"role": "mentee", "name": "Ben", "company": "Volkswagn", "company_id": 1}
    state = Draft(
        program_id=program_id,
        invite_code=code,
        consent_at=NOW,
        draft=draft,
        company_choice=question,
    )
    await _at(db, "company", state)
    picked = await run(db, USER, lambda uow: registration.pick_company(uow, None))
    assert not picked.stale and picked.then.step == "industry"
    assert picked.then.values["company"] == "Volkswagn"
    assert "company_id" not in picked.then.values
