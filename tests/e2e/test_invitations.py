"""Only invited people join: the program of a registration comes from a valid invitation code.

A forged consent button naming another program, a code changed or a program closed between
consent and confirmation: each is refused without the other program's name, and nothing is kept.
"""

from __future__ import annotations

from sqlalchemy import func, select

from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Dialog, Participant, Program, User
from tests.e2e.harness import (
    CONSENT,
    COORDINATOR_ID,
    SUBMIT,
    Profile,
    answer_of,
    create_program,
    expect,
    fill_registration,
    register,
)

SECRET = "Geheimprogramm Wolfsburg"


async def _count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _others(db: Database) -> int:
    """Users stored besides the coordinator (whose first update stores their language)."""
    async with db.session() as session:
        found = await session.scalar(
            select(func.count()).select_from(User).where(User.id != COORDINATOR_ID)
        )
        return int(found or 0)


async def _program_id(db: Database, name: str) -> int:
    async with db.session() as session:
        found = await session.scalar(select(Program.id).where(Program.name == name))
        assert found is not None
        return int(found)


async def test_forged_consent_for_another_program_is_refused_without_its_name(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await create_program(coordinator, SECRET)
    secret_id = await _program_id(db, SECRET)
    await coordinator.collect(timeout=0.2)
    mallory = api.add_user(1001, "Mallory")

    await mallory.send(f"/start {code}")
    privacy = expect(await mallory.next_message(), "Datenschutzhinweis", "Salzgitter 2027")
    # The consent button names the program the link opened, not an id anyone can change.
    consent = privacy.find_button(CONSENT["de"])
    assert consent is not None and consent.callback_data is not None
    assert str(secret_id) not in consent.callback_data.split(":")[2:]

    # Today's shape with the other program's id, and an id-like guess: both refused.
    for forged in (f"rg:c:{secret_id}", f"rg:c:{secret_id:04d}"):
        query = await mallory.press_data(forged, message=privacy)
        answer = await answer_of(mallory, query)
        assert "Einladungslink" in answer["text"] and answer.get("show_alert")
        assert SECRET not in answer["text"]
    await api.wait_idle()
    assert all(SECRET not in m.text for m in mallory.chat)
    assert (await _others(db), await _count(db, Dialog), await _count(db, Participant)) == (
        0,
        0,
        0,
    )

    # The real button still works, for the program of the link.
    await mallory.press(CONSENT["de"], message=privacy)
    expect(await mallory.next_message(), "Salzgitter 2027")
    async with db.session() as session:
        dialog = await session.get(Dialog, 1001)
        assert dialog is not None and dialog.data["program_id"] != secret_id


async def test_a_replaced_invitation_code_refuses_the_final_confirmation(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    anna = api.add_user(1001, "Anna")
    await _walk_to_summary(anna, code)
    summary = anna.chat[-1]

    # The coordinators replace the invitation code (the old link was shared too widely).
    async with db.session() as session:
        program = await session.scalar(select(Program).where(Program.invite_code == code))
        assert program is not None
        program.invite_code = "NEWCODE9"
    await anna.press(SUBMIT["de"], message=summary)
    refused = expect(await anna.wait_edit(summary), "Einladungslink", "aktuellen Link")
    assert refused.buttons == []
    await api.wait_idle()
    assert await _count(db, Participant) == 0
    # The old link admits to nothing; the current one carries the draft on to the end.
    await anna.send(f"/start {code}")
    expect(await anna.next_message(), "ungültig")
    await anna.send("/start newcode9")
    expect(await anna.next_message(), "mitten in der Anmeldung")
    summary = await anna.next_message()
    await anna.press(SUBMIT["de"], message=summary)
    expect(await anna.next_message(), "Vielen Dank")
    async with db.session() as session:
        rows = (await session.scalars(select(Participant.user_id))).all()
        assert list(rows) == [1001]


async def test_start_without_a_code_offers_no_program(
    api: FakeBotApi, code: str, db: Database
) -> None:
    user = api.add_user(1001, "Anna")
    await user.send("/start")
    answer = expect(await user.next_message(), "Einladungslink")
    assert "Salzgitter" not in answer.text and answer.buttons == []
    await api.wait_idle()
    assert await _others(db) == 0
    # With the link, registration works as before.
    expect(await register(user, code, Profile()), "Vielen Dank")


async def _walk_to_summary(user: FakeUser, code: str) -> None:
    """Registers up to the summary with its confirm button, without pressing it."""
    await fill_registration(user, code, Profile(name=f"Person {user.id}"))
