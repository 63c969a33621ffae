"""Golden files: what a person receives because the program team acted, or the program's
administration did its work, in both languages.

None of these messages is asked for by the one who reads it: a registration is accepted or
rejected (with the coordinator's reason), a coordinator corrects a participant's profile, an
event is moved and then cancelled, an announcement has gone out (the coordinator's report),
certificates of participation are sent (the text that comes with the PDF, and the coordinator's
report), a participant erases their data (their partner and the coordinators are told), and
someone joins the program team (for one program, or for all). A translator or a program office
reads them here in full, as the bot sends them; see `tests/e2e/golden.py` for how.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.reminders import Policy, plan_event
from fake_bot_api import FakeBotApi
from storage import events, participants, reminders
from storage.db import Database
from storage.models import Meeting, Program
from tests.e2e import golden
from tests.e2e.golden import (
    CLARA,
    DAY,
    JONAS,
    LANGUAGES,
    LUKAS,
    PETRA,
    SABINE,
    Year,
    assert_golden,
    press,
    quiet,
    scheduled,
    year_running,
)
from tests.e2e.harness import COORDINATOR_ID, Profile, register
from tests.seeding import seed_tandem

database_url = golden.database_url  # SQLite only (see tests/e2e/golden.py)

# This walk's golden files, in the order it captures them.
MESSAGES = (
    "registration_accepted",
    "participant_edited",
    "registration_rejected",
    "event_changed",
    "event_cancelled",
    "broadcast_report",
    "broadcast_to_participant",
    "certificate_to_participant",
    "certificates_report",
    "erasure_to_partner",
    "erasure_to_coordinators",
    "coordinator_granted_program",
    "coordinator_granted",
)

# Two people register through the chat: Clara is accepted, Markus turned away.
MARKUS = Profile(
    role="mentor",
    name="Markus Braun",
    company="MAN Energy Solutions",
    industry="Maschinenbau",
    position="Werkleiter",
    topics=["Personalentwicklung"],
    goals="Erfahrung weitergeben.",
    meeting_format="in_person",
    form_of_address="m",
)
REASON = {
    "de": "Für diesen Jahrgang sind alle Plätze für Mentorinnen und Mentoren vergeben.",
    "en": "All mentor places in this cohort have been taken.",
}
CONTACT = ("Juliane Stockhammer", "j.stockhammer@wf-salzgitter.de", "05341 839-3300")
NEW_POSITION = "Leiterin Projektmanagement"
EVENT_TITLE = {"de": "Auftaktveranstaltung", "en": "Kickoff event"}
EVENT_AT = dt.datetime(2027, 4, 22, 16, 0, tzinfo=dt.UTC)  # Thursday, 18:00 in Berlin
MOVED_TO = "29.4.2027 18:30"  # a week later, half an hour later
ANNOUNCEMENT = {
    "de": "Stammtisch am Freitag, 5. März, ab 18 Uhr im Café Central, Salzgitter-Bad.",
    "en": "Get-together on Friday 5 March from 6 pm at Café Central, Salzgitter-Bad.",
}


async def participant_id(db: Database, program_id: int, user_id: int) -> int:
    async with db.session() as session:
        row = await participants.of_user_in_program(session, user_id, program_id)
        assert row is not None
        return row.id


async def seed_tandems(year: Year) -> None:
    """Petra and Jonas, a tandem just introduced; Sabine and Lukas, who met six times before the
    cohort's start (enough for a certificate). The matching has its own walk and tests."""
    db, program, now = year.db, year.program_id, year.clock.now()
    ids = {p: await participant_id(db, program, p.user_id) for p in (PETRA, JONAS, SABINE, LUKAS)}
    await seed_tandem(db, program, ids[PETRA], ids[JONAS], now)
    quiet_start = now - 60 * DAY
    tandem = await seed_tandem(db, program, ids[SABINE], ids[LUKAS], quiet_start)
    async with db.session() as session:
        for week in range(6):
            starts = quiet_start + (week + 1) * 7 * DAY
            session.add(
                Meeting(
                    tandem_id=tandem,
                    status="confirmed",
                    starts_at=starts,
                    ends_at=starts + 2 * golden.HOUR,
                    online=False,
                    proposed_by=ids[LUKAS],
                    version=0,
                    outcome="held",
                    created_at=starts - 7 * DAY,
                    updated_at=starts - 7 * DAY,
                    confirmed_at=starts - 6 * DAY,
                )
            )


async def seed_event(year: Year) -> None:
    """The kickoff, planned exactly as the coordinators' dialog plans it: the invitation goes
    out at once to everyone active (the dialog has its own tests)."""
    now = year.clock.now()
    async with year.db.session() as session:
        program = await session.get(Program, year.program_id)
        assert program is not None
        event = await events.create(
            session,
            program_id=year.program_id,
            kind="kickoff",
            title=EVENT_TITLE[year.language],
            starts_at=EVENT_AT,
            place="Rathaus Salzgitter, Joachim-Campe-Straße 6",
            created_by=COORDINATOR_ID,
            now=now,
        )
        people = [p.user_id for p in await events.active_participants(session, year.program_id)]
        planned = plan_event(
            event_id=event.id,
            starts_at=EVENT_AT,
            user_ids=[p for p in people if p is not None],
            policy=Policy.from_settings(program.settings),
            now=now,
        )
        await reminders.plan(session, planned, now=now, event_id=event.id)


async def program_administration(year: Year) -> None:
    petra, jonas = year.user(PETRA), year.user(JONAS)
    sabine, lukas = year.user(SABINE), year.user(LUKAS)
    coordinator, program = year.coordinator, year.program_id

    # The coordinator chose her language (without, notices outside a reply come in German), and
    # the program has its contact, named wherever a participant is told to ask the program team.
    await coordinator.send("/language")
    languages = await coordinator.next_message()
    await press(coordinator, languages, f"lg:{year.language}")
    await coordinator.wait_edit(languages)
    async with year.db.session() as session:
        row = await session.get(Program, program)
        assert row is not None
        row.contact_name, row.contact_email, row.contact_phone = CONTACT

    # Clara registers and is accepted from the coordinators' notice.
    clara = year.api.add_user(5005, "Clara", "Becker", language_code=year.language)
    await register(clara, year.invite_code, CLARA, year.language)
    notice = await coordinator.next_message()
    await press(coordinator, notice, "pp:s:", ":active")
    card = await coordinator.wait_edit(notice)  # her card now
    year.keep("registration_accepted", await clara.next_message())

    # Her position is corrected by the program team; she is told.
    await press(coordinator, card, "pp:ed:")
    fields = await coordinator.wait_edit(card)
    await press(coordinator, fields, "pp:ef:", ":position")
    await coordinator.next_message()  # the question
    await coordinator.send(NEW_POSITION)
    clara_card = await coordinator.next_message()  # saved, and her card
    year.keep("participant_edited", await clara.next_message())

    # Markus registers too and is turned away, with a reason.
    markus = year.api.add_user(5006, "Markus", "Braun", language_code=year.language)
    await register(markus, year.invite_code, MARKUS, year.language)
    notice = await coordinator.next_message()
    await press(coordinator, notice, "pp:s:", ":rejected")
    ask = await coordinator.wait_edit(notice)
    await press(coordinator, ask, "pp:rr:")
    await coordinator.next_message()  # the reason?
    await coordinator.send(REASON[year.language])
    await coordinator.next_message()  # rejected, and his card
    year.keep("registration_rejected", await markus.next_message())
    await quiet(coordinator, clara, markus)

    # The tandems of the year so far, and the kickoff with its invitations.
    await seed_tandems(year)
    await seed_event(year)
    await year.advance_to(year.clock.now() + dt.timedelta(minutes=1))
    invited = (petra, jonas, sabine, lukas, clara)
    for person in invited:
        await scheduled(person, "ev:r:")

    # The kickoff moves by a week; everyone invited is told what changed.
    await coordinator.send("/events")
    listing = await coordinator.next_message()
    await press(coordinator, listing, "ek:v:")
    card = await coordinator.wait_edit(listing)
    await press(coordinator, card, "ek:e:")
    choose = await coordinator.wait_edit(card)
    await press(coordinator, choose, "ek:ef:", ":when")
    await coordinator.next_message()  # when?
    await coordinator.send(MOVED_TO)
    year.keep("event_changed", await petra.next_message())
    for person in (jonas, sabine, lukas, clara):
        await person.next_message()
    edited = await coordinator.next_message()  # 5 told
    # Then it is cancelled after all.
    await press(coordinator, edited, "ek:v:")
    card = await coordinator.wait_edit(edited)
    await press(coordinator, card, "ek:x:")
    confirm = await coordinator.wait_edit(card)
    await press(coordinator, confirm, "ek:xy:")
    await coordinator.wait_edit(confirm)
    await coordinator.next_message()  # cancelled, 5 told
    year.keep("event_cancelled", await petra.next_message())
    for person in (jonas, sabine, lukas, clara):
        await person.next_message()
    await quiet(*invited, coordinator)

    # An announcement to everyone: the coordinator watches its progress, then gets the report.
    await coordinator.send("/broadcast")
    choose = await coordinator.next_message()
    await press(coordinator, choose, f"bc:p:{program}")
    await coordinator.next_message()  # the text?
    await coordinator.send(ANNOUNCEMENT[year.language])
    await coordinator.next_message()  # the preview follows
    await coordinator.next_message()  # the preview
    audience = await coordinator.next_message()
    await press(coordinator, audience, "bc:a:all")
    confirm = await coordinator.wait_edit(audience)
    await press(coordinator, confirm, "bc:go")
    await coordinator.wait_edit(confirm)  # started
    await coordinator.next_message()  # the progress
    year.keep("broadcast_report", await coordinator.next_message())
    for person in invited:
        announcement = await person.next_message()
        if person is petra:
            year.keep("broadcast_to_participant", announcement)
    await quiet(*invited, coordinator)

    # Certificates, issued before the end: Sabine and Lukas met often enough, Petra and Jonas
    # not yet.
    await coordinator.send("/certificates")
    overview = await coordinator.next_message()
    await press(coordinator, overview, "ct:i:")
    ask = await coordinator.wait_edit(overview)
    await press(coordinator, ask, "ct:ie:")
    await coordinator.wait_edit(ask)  # sending
    year.keep("certificate_to_participant", await sabine.next_message())
    await lukas.next_message()
    year.keep("certificates_report", await coordinator.next_message())
    await quiet(*invited, coordinator)

    # Jonas erases his data: Petra and the coordinators are told.
    await jonas.send("/deleteme")
    erase = await jonas.next_message()
    await press(jonas, erase, "dm:y")
    await jonas.wait_edit(erase)
    year.keep("erasure_to_partner", await petra.next_message())
    year.keep("erasure_to_coordinators", await coordinator.next_message())
    await quiet(*invited, coordinator)

    # Clara joins the program team of this program; Katrin Vogel, of the office, of all.
    await press(coordinator, clara_card, "pp:co:")
    ask = await coordinator.wait_edit(clara_card)
    await press(coordinator, ask, "pp:coy:")
    await coordinator.wait_edit(ask)
    await coordinator.next_message()  # done
    year.keep("coordinator_granted_program", await clara.next_message())
    katrin = year.api.add_user(5007, "Katrin", "Vogel", language_code=year.language)
    await katrin.send("/language")  # choosing a language is what makes the bot know her
    languages = await katrin.next_message()
    await press(katrin, languages, f"lg:{year.language}")
    await katrin.wait_edit(languages)
    await coordinator.send("/makecoordinator 5007")
    await coordinator.next_message()  # done
    year.keep("coordinator_granted", await katrin.next_message())
    await quiet(*invited, coordinator, markus, katrin)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_golden_messages_of_the_program_team(
    api: FakeBotApi, db: Database, database_url: str, language: str
) -> None:
    async with year_running(api, db, database_url, language, MESSAGES) as year:
        await program_administration(year)
    assert_golden(language, year.captured, MESSAGES)
