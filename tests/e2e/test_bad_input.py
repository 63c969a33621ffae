"""Bad input gets a clear answer and a second chance; nothing half-done lands in the database."""

from __future__ import annotations

from sqlalchemy import func, select

from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import AuditEntry, Dialog, Participant, User
from tests.e2e.harness import CONSENT, COORDINATOR_ID, ROLE_LABEL, answer_of, expect


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


async def _start_registration(user: FakeUser, code: str) -> None:
    await user.send(f"/start {code}")
    privacy = await user.next_message()
    await user.press(CONSENT["de"], message=privacy)
    await user.next_message()  # welcome
    await user.next_message()  # role prompt


async def test_declining_consent_stores_nothing(api: FakeBotApi, code: str, db: Database) -> None:
    user = api.add_user(1001, "Anna")
    await user.send(f"/start {code}")
    privacy = expect(await user.next_message(), "Datenschutzhinweis")
    await user.press("Nein, danke", message=privacy)
    declined = await user.wait_edit(privacy)
    expect(declined, "nichts gespeichert")
    assert declined.buttons == []
    await api.wait_idle()
    assert await _others(db) == 0
    assert await _count(db, Dialog) == 0
    assert await _count(db, Participant) == 0


async def test_unknown_invite_code_and_start_without_code(api: FakeBotApi, code: str) -> None:
    user = api.add_user(1001, "Anna")
    await user.send("/start NOPE1234")
    expect(await user.next_message(), "ungültig")
    await user.send("/start")  # one open program, but only its invitation link leads to it
    answer = expect(await user.next_message(), "Einladungslink")
    assert "Cross-Mentoring Salzgitter 2027" not in answer.text


async def test_start_without_code_and_no_program_explains(api: FakeBotApi, bot: object) -> None:
    user = api.add_user(1001, "Anna", language_code="en")
    await user.send("/start")
    expect(await user.next_message(), "invitation link")


async def test_text_where_a_button_is_expected_and_stickers(
    api: FakeBotApi, code: str, db: Database
) -> None:
    user = api.add_user(1001, "Anna")
    await _start_registration(user, code)
    await user.send("Mentor bitte")
    expect(await user.next_message(), "Schaltflächen")
    role = expect(await user.next_message(), "Mentorin oder Mentor")  # asked again, with buttons
    assert ROLE_LABEL["de"]["mentor"] in role.button_texts
    await user.send_sticker()
    expect(await user.next_message(), "Schaltflächen")
    await user.next_message()
    await user.press(ROLE_LABEL["de"]["mentee"], message=role)
    expect(await user.next_message(), "Name")
    await user.send_photo()
    expect(await user.next_message(), "Textnachricht")
    expect(await user.next_message(), "Name")  # and asked again


async def test_overlong_and_command_like_text(api: FakeBotApi, code: str) -> None:
    user = api.add_user(1001, "Anna")
    await _start_registration(user, code)
    await user.press(ROLE_LABEL["de"]["mentor"])
    await user.next_message()
    await user.send("A" * 101)
    expect(await user.next_message(), "101 Zeichen", "höchstens 100")
    expect(await user.next_message(), "Name")
    await user.send("/irgendwas")
    expect(await user.next_message(), "kenne ich nicht")
    await user.send("Anna <b>Schmidt</b> & Co")
    company = expect(await user.next_message(), "Unternehmen")
    assert company.buttons == []


async def test_pressing_an_old_button_again_changes_nothing(
    api: FakeBotApi, code: str, db: Database
) -> None:
    user = api.add_user(1001, "Anna")
    await _start_registration(user, code)
    role_prompt = user.chat[-1]
    await user.press_data("rg:v:role:mentor", message=role_prompt)
    expect(await user.next_message(), "Name")
    query = await user.press_data("rg:v:role:mentee", message=role_prompt)
    assert "nicht mehr aktuell" in (await answer_of(user, query)).get("text", "")
    async with db.session() as session:
        dialog = await session.get(Dialog, 1001)
        assert dialog is not None
        assert dialog.step == "name"
        assert dialog.data["draft"]["role"] == "mentor"


async def test_forged_callback_data_is_refused_and_audited(
    api: FakeBotApi, code: str, db: Database
) -> None:
    user = api.add_user(1001, "Anna")
    await _start_registration(user, code)
    prompt = user.chat[-1]
    for data in ("rg:v:role:admin", "zz:1", "pp:s:1:active", "pg:v:1", "rg:t:999:abc", "x" * 64):
        query = await user.press_data(data, message=prompt)
        await answer_of(user, query)
    async with db.session() as session:
        dialog = await session.get(Dialog, 1001)
        assert dialog is not None and dialog.step == "role" and dialog.data["draft"] == {}
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert actions.count("refused") == 2  # pp and pg: coordinator-only
        assert "bad_callback" in actions


async def test_cancel_discards_the_draft(api: FakeBotApi, code: str, db: Database) -> None:
    user = api.add_user(1001, "Anna")
    await _start_registration(user, code)
    await user.press(ROLE_LABEL["de"]["mentor"])
    await user.next_message()
    await user.send("Anna Schmidt")
    await user.next_message()
    await user.send("/cancel")
    expect(await user.next_message(), "abgebrochen")
    await user.send("Alstom")
    expect(await user.next_message(), "nicht sicher")
    assert await _count(db, Dialog) == 0
    assert await _count(db, Participant) == 0
    await user.send("/cancel")
    expect(await user.next_message(), "nichts")


async def test_topics_need_one_and_accept_free_entry(
    api: FakeBotApi, code: str, db: Database
) -> None:
    user = api.add_user(1001, "Anna")
    await _start_registration(user, code)
    await user.press(ROLE_LABEL["de"]["mentor"])
    for value in ("Anna", "Alstom", "Bahntechnik", "Leitung"):
        await user.next_message()
        await user.send(value)
    topics = expect(await user.next_message(), "je Thema höchstens 60 Zeichen")
    query = await user.press("rg:td", message=topics)
    assert "mindestens ein Thema" in (await answer_of(user, query)).get("text", "")
    await user.press("Kommunikation", message=topics)
    edited = await user.wait_edit(topics)
    assert "✅ Kommunikation" in edited.button_texts
    await user.send("Resilienz, Kommunikation, " + "x" * 61)
    expect(await user.next_message(), f"Das Thema „{'x' * 29}…“ ist zu lang: 61 Zeichen")
    await user.next_message()
    await user.send("Resilienz, kommunikation")
    expect(await user.next_message(), "Hinzugefügt")
    again = await user.next_message()
    assert "✅ Resilienz" in again.button_texts
    async with db.session() as session:
        dialog = await session.get(Dialog, 1001)
        assert dialog is not None
        assert dialog.data["draft"]["topics"] == ["Kommunikation", "Resilienz"]


async def test_text_at_the_consent_notice_points_to_its_buttons_and_stores_nothing(
    api: FakeBotApi, code: str, db: Database
) -> None:
    """Nothing is stored before consent, not even a dialog: typed text at the privacy notice
    gets the hint to use the buttons above, and the buttons still work afterwards."""
    user = api.add_user(1001, "Anna")
    await user.send(f"/start {code}")
    privacy = expect(await user.next_message(), "Datenschutzhinweis")
    await user.send("ja, einverstanden")
    hint = expect(await user.next_message(), "unter dem Datenschutzhinweis", CONSENT["de"])
    assert "Einladungslink" in hint.text
    await api.wait_idle()
    assert await _others(db) == 0
    assert await _count(db, Dialog) == 0
    await user.press(CONSENT["de"], message=privacy)
    expect(await user.next_message(), "Danke. Die Anmeldung")
