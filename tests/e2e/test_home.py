"""The tandem's home end to end: /tandem and /start for a matched participant show the state of
the tandem with the buttons for what to do next, and those buttons lead into the flows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Program, Tandem
from tests.e2e.harness import expect
from tests.e2e.tandems import seed_pair
from tests.seeding import seed_participant

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday, 10:00 in Berlin
LINK = "https://meet.example.org/tandem"


async def test_a_matched_mentee_sees_the_home_and_proposes_from_it(
    api: FakeBotApi, db: Database, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentee = pair.mentee
    await mentee.send("/tandem")
    home = expect(
        await mentee.next_message(),
        "Ihr Tandem mit Maria <b>Mentor</b> & Co",  # the partner's name, escaped as sent
        "Kontakt:",
        "@mentor2000",
        "noch keines vereinbart",
        "0 von 6 für die Teilnahmebescheinigung",
        "Tandemvereinbarung: noch von Ihnen beiden zu bestätigen",
    )
    assert "Maria &lt;b&gt;Mentor&lt;/b&gt; &amp; Co" in home.raw_text
    assert home.button_texts == [
        "📅 Treffen vorschlagen",
        "🤝 Wir haben uns schon getroffen",
        "✅ Vereinbarung bestätigen",
        "👤 Vorstellung anzeigen",
        "💬 Anliegen an die Programmleitung",
    ]
    assert await mentee.collect(timeout=0.3) == []  # one tandem, one message
    await mentee.press("👤 Vorstellung anzeigen", message=home)
    expect(await mentee.next_message(), "Ihr Tandem steht", "Ideen für den Einstieg")
    await mentee.press("📅 Treffen vorschlagen", message=home)
    expect(await mentee.next_message(), "Wann möchten Sie sich treffen")


async def _propose_online(user: FakeUser, when: str) -> None:
    await user.send("/meet")
    expect(await user.next_message(), "Wann möchten Sie sich treffen")
    await user.send(when)
    await user.press("1 Std.", message=expect(await user.next_message(), "Wie lange"))
    await user.press("💻 Online", message=expect(await user.next_message(), "Wo treffen Sie"))
    expect(await user.next_message(), "Link")
    await user.send(LINK)
    await user.press("📨 Vorschlag senden", message=await user.next_message())
    expect(await user.next_message(), "Ihr Vorschlag ist an")


async def test_the_partners_proposal_is_answered_from_the_home_and_the_link_is_a_button(
    api: FakeBotApi, db: Database, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await _propose_online(pair.mentee, "3.3. 17:30")
    await pair.mentor.next_message()  # the proposal
    await pair.mentor.send("/tandem")
    home = expect(await pair.mentor.next_message(), "Offene Vorschläge", "wartet auf Ihre Antwort")
    await pair.mentor.press("✅ Passt", message=home)
    expect(await pair.mentor.next_message(), "bestätigt")
    await pair.mentor.next_message()  # .ics
    await pair.mentee.collect(timeout=0.5)
    await pair.mentee.send("/tandem")
    home = expect(
        await pair.mentee.next_message(), "Nächstes Treffen:", "Mi., 3. März 2027, 17:30–18:30 Uhr"
    )
    join = home.buttons[0][0]
    assert (join.text, join.url) == ("💻 Online-Treffen beitreten", LINK)
    assert "Offene Vorschläge" not in home.text


async def test_start_shows_the_home_to_a_matched_participant_only(
    api: FakeBotApi, db: Database, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    async with db.session() as session:
        code = (await session.scalars(select(Program.invite_code))).one()
    for text in ("/start", f"/start {code}"):
        await pair.mentor.send(text)
        expect(await pair.mentor.next_message(), "Ihr Tandem mit Emil Mentee", "0 von 6")
    # Someone registered and not matched yet learns, with or without the code, that they take
    # part and that the tandem is to come (not the newcomer's welcome asking for the link).
    await seed_participant(db, pair.program_id, 3000, "Lea Single", NOW, role="mentee")
    lea = api.add_user(3000, "Lea")
    for text in (f"/start {code}", "/start"):
        await lea.send(text)
        answer = expect(await lea.next_message(), "Sie nehmen bereits an", "noch kein Tandem")
        assert "Einladungslink" not in answer.text
    await seed_participant(db, pair.program_id, 3001, "Max Neu", NOW, status="pending")
    max_ = api.add_user(3001, "Max")
    await max_.send("/start")
    expect(await max_.next_message(), "wird von der Programmleitung geprüft")
    await lea.send("/tandem")
    expect(await lea.next_message(), "noch kein Tandem")


async def test_a_mentor_with_two_mentees_gets_two_homes_and_agrees_from_one(
    api: FakeBotApi, db: Database, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    second = await seed_pair(db, api, NOW, program_id=pair.program_id, base=3000)
    async with db.session() as session:
        tandem = await session.get(Tandem, second.tandem_id)
        assert tandem is not None
        tandem.mentor_id = pair.mentor_participant
    await pair.mentor.send("/tandem")
    homes = [await pair.mentor.next_message(), await pair.mentor.next_message()]
    assert [h.text.split("\n")[0] for h in homes] == ["🤝 Ihr Tandem mit Emil Mentee"] * 2
    assert {h.buttons[-1][0].callback_data for h in homes} == {
        f"tn:c:{pair.tandem_id}",
        f"tn:c:{second.tandem_id}",
    }
    await pair.mentor.press("✅ Vereinbarung bestätigen", message=homes[0])
    expect(await pair.mentor.wait_edit(homes[0]), "bestätigt")
    await pair.mentor.collect(timeout=0.3)
    await pair.mentor.send("/tandem")
    again = [await pair.mentor.next_message(), await pair.mentor.next_message()]
    assert sorted("Sie haben bestätigt" in h.text for h in again) == [False, True]
