"""Golden files: the wording of what the bot says, per language, as a reviewed diff.

One bot per language goes through a program year of a fixed cohort on a FrozenClock: a
registration, the match proposal, the introductions and the agreement, a meeting with its
reminders and feedback questions, a meeting recorded afterwards, nudges and the at-risk note,
an event and a survey with their reminders, and the coordinators' main screens. Every message
captured is compared with `docs/messages/<language>/<name>.txt` (the Telegram HTML as sent, then
`---` and the button labels one per line); `UPDATE_GOLDEN=1` rewrites the files instead, so a
change of wording shows up in the diff of the commit that makes it.

This is the first of the golden walks; what they share (the cohort, the comparison, the
check that every file belongs to a walk) is in `tests/e2e/golden.py`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.reminders import Policy, plan_event, plan_survey
from core.surveys import SurveyKind, default_questions
from fake_bot_api import FakeBotApi
from storage import events, reminders, surveys
from storage.db import Database
from storage.models import Program
from tests.e2e import golden
from tests.e2e.golden import (
    CLARA,
    DAY,
    GOLDEN,
    HOUR,
    JONAS,
    LANGUAGES,
    LUKAS,
    NOW,
    PETRA,
    SABINE,
    Year,
    assert_golden,
    find_data,
    press,
    quiet,
    scheduled,
    walks,
    year_running,
)
from tests.e2e.harness import COORDINATOR_ID, register

database_url = golden.database_url  # SQLite only (see tests/e2e/golden.py)

# This walk's golden files, in the order the program year produces them: the run must capture
# exactly these (and the walks together own exactly the files on disk).
MESSAGES = (
    "help_participant",
    "help_coordinator",
    "registration_to_coordinators",
    "program_card",
    "match_proposal",
    "intro_to_mentor",
    "agreement_to_mentor",
    "intro_to_mentee",
    "agreement_to_mentee",
    "agreement_waiting",
    "agreement_both",
    "event_invitation",
    "meeting_proposal",
    "tandem_home_proposal",
    "meeting_confirmed",
    "tandem_home_next_meeting",
    "meeting_reminder_24h",
    "meeting_reminder_1h",
    "feedback_question",
    "feedback_fits_question",
    "feedback_follow_up",
    "meeting_recorded_to_partner",
    "meeting_confirmed_to_recorder",
    "nudge_never_met",
    "nudge_after_meeting",
    "already_met_days",
    "event_reminder_14d",
    "event_unanswered",
    "at_risk_to_coordinators",
    "event_reminder_2d",
    "survey_invitation",
    "survey_reminder",
    "tandem_view",
    "coordinator_tandem_card",
    "stats",
    "stats_survey_results",
    "certificates_overview",
    "proposal_reminder",
    "proposal_expired",
)


EVENT_TITLE = {"de": "Auftaktveranstaltung", "en": "Kickoff event"}
EVENT_AT = dt.datetime(2027, 4, 22, 16, 0, tzinfo=dt.UTC)  # Thursday, 18:00 in Berlin
SURVEY_AT = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)


async def seed_event_and_survey(
    db: Database, program_id: int, language: str, now: dt.datetime
) -> None:
    """An event and a scheduled survey planned exactly as the coordinators' dialogs plan them
    (the dialogs have their own tests; here only the messages they cause matter)."""
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        event = await events.create(
            session,
            program_id=program_id,
            kind="kickoff",
            title=EVENT_TITLE[language],
            starts_at=EVENT_AT,
            place="Rathaus Salzgitter, Joachim-Campe-Straße 6",
            created_by=COORDINATOR_ID,
            now=now,
        )
        people = [p.user_id for p in await events.active_participants(session, program_id)]
        ids = [p for p in people if p is not None]
        planned = plan_event(
            event_id=event.id,
            starts_at=EVENT_AT,
            user_ids=ids,
            policy=Policy.from_settings(program.settings),
            now=now,
        )
        await reminders.plan(session, planned, now=now, event_id=event.id)
        survey = await surveys.create(
            session,
            program_id=program_id,
            kind=SurveyKind.MIDTERM,
            questions=default_questions(SurveyKind.MIDTERM),
            created_by=COORDINATOR_ID,
            now=now,
        )
        assert await surveys.schedule(session, survey.id, SURVEY_AT)
        planned = plan_survey(survey_id=survey.id, send_at=SURVEY_AT, user_ids=ids)
        await reminders.plan(session, planned, now=now, survey_id=survey.id)


async def program_year(year: Year, program_id: int) -> None:
    petra, jonas = year.user(PETRA), year.user(JONAS)
    sabine, lukas = year.user(SABINE), year.user(LUKAS)
    coordinator = year.coordinator
    everyone = (petra, jonas, sabine, lukas)

    # Help, before anything happened.
    await petra.send("/help")
    year.keep("help_participant", await petra.next_message())
    await coordinator.send("/help")
    year.keep("help_coordinator", await coordinator.next_message())

    # A registration through the chat: the coordinators are told.
    clara = year.api.add_user(5005, "Clara", "Becker", language_code=year.language)
    await register(clara, year.invite_code, CLARA, year.language)
    year.keep("registration_to_coordinators", await coordinator.next_message())

    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await press(coordinator, listing, f"pg:v:{program_id}")
    year.keep("program_card", await coordinator.wait_edit(listing))

    # Matching: the proposal, approved and introduced now.
    await coordinator.send("/match")
    proposal = year.keep("match_proposal", await coordinator.next_message())
    await press(coordinator, proposal, "mt:", ":ok")
    ask = await coordinator.wait_edit(proposal)
    await press(coordinator, ask, "mt:", ":now")
    await coordinator.wait_edit(ask)
    year.keep("intro_to_mentor", await petra.next_message())
    agreement = year.keep("agreement_to_mentor", await petra.next_message())
    year.keep("intro_to_mentee", await jonas.next_message())
    agreement_jonas = year.keep("agreement_to_mentee", await jonas.next_message())
    for other in (sabine, lukas):
        await other.next_message()
        await other.next_message()
    await press(jonas, agreement_jonas, "ag:y:")
    year.keep("agreement_waiting", await jonas.next_message())
    await press(petra, agreement, "ag:y:")
    await petra.wait_edit(agreement)  # confirmed by her
    await petra.next_message()  # both have confirmed
    year.keep("agreement_both", await jonas.next_message())

    # The event and the survey are planned; the invitation goes out at once.
    await seed_event_and_survey(year.db, program_id, year.language, year.clock.now())
    await year.advance_to(year.clock.now() + dt.timedelta(minutes=1))
    year.keep("event_invitation", await scheduled(petra, "ev:r:"))
    for other in (jonas, sabine, lukas):
        await scheduled(other, "ev:r:")
    await quiet(*everyone)

    # Jonas proposes a meeting on Wednesday 3 March, 17:30; Petra accepts.
    await jonas.send("/meet")
    await jonas.next_message()
    await jonas.send("3.3. 17:30")
    durations = await jonas.next_message()
    await press(jonas, durations, "me:dur:120")
    await jonas.next_message()  # where?
    await jonas.send("Café Central, Salzgitter-Bad")
    summary = await jonas.next_message()
    await press(jonas, summary, "me:send")
    await jonas.next_message()  # sent
    proposed = year.keep("meeting_proposal", await petra.next_message())
    # Her home meanwhile: the proposal waits for her answer, the event for hers.
    await petra.send("/tandem")
    year.keep("tandem_home_proposal", await petra.next_message())
    await press(petra, proposed, "me:a:")
    await petra.next_message()  # her confirmation
    await petra.next_message()  # .ics
    year.keep("meeting_confirmed", await jonas.next_message())
    await jonas.next_message()  # .ics
    # His home: the next meeting with its place.
    await jonas.send("/tandem")
    year.keep("tandem_home_next_meeting", await jonas.next_message())

    # 24 hours and one hour before (16:30 UTC), the feedback question an hour after the end.
    await year.advance_to(dt.datetime(2027, 3, 2, 16, 30, tzinfo=dt.UTC))
    year.keep("meeting_reminder_24h", await scheduled(petra, "me:r:"))
    await scheduled(jonas, "me:r:")
    await year.advance_to(dt.datetime(2027, 3, 3, 15, 30, tzinfo=dt.UTC))
    year.keep("meeting_reminder_1h", await scheduled(petra, "me:r:"))
    await scheduled(jonas, "me:r:")
    await year.advance_to(dt.datetime(2027, 3, 3, 19, 30, tzinfo=dt.UTC))
    year.keep("feedback_question", await scheduled(petra, "fb:t:"))
    asked = await scheduled(jonas, "fb:t:")
    await press(jonas, asked, "fb:t:")  # held
    rate = await jonas.wait_edit(asked)
    await press(jonas, rate, "fb:r:", ":5")
    note = await jonas.next_message()
    await press(jonas, note, "fb:s:")
    while find_data(fits := await jonas.next_message(), "fb:f:") is None:
        pass  # the thanks before it
    year.keep("feedback_fits_question", fits)  # left unanswered
    await year.advance_to(dt.datetime(2027, 3, 5, 19, 30, tzinfo=dt.UTC))
    year.keep("feedback_follow_up", await scheduled(petra, "fb:t:"))
    await quiet(*everyone)

    # Jonas records a meeting held outside the bot; Petra confirms it.
    await jonas.send("/feedback")
    offer = await jonas.next_message()
    await press(jonas, offer, "fb:l:")
    await jonas.next_message()  # when?
    await jonas.send("4.3.2027")
    logged = await jonas.next_message()
    await press(jonas, logged, "fb:ls")
    await jonas.next_message()  # asked to confirm
    verify = year.keep("meeting_recorded_to_partner", await petra.next_message())
    await press(petra, verify, "fb:v:", ":y")
    await petra.wait_edit(verify)  # thanks
    year.keep("meeting_confirmed_to_recorder", await jonas.next_message())
    await quiet(*everyone)

    # Sabine and Lukas never meet: five weeks after the introduction they are nudged.
    await year.advance_to(NOW + 35 * DAY + HOUR)
    year.keep("nudge_never_met", await scheduled(sabine, "me:n:"))
    await scheduled(lukas, "me:n:")
    await quiet(*everyone)
    # Petra and Jonas last met on 4 March: five weeks on, they are nudged too.
    await year.advance_to(dt.datetime(2027, 4, 8, 12, 0, tzinfo=dt.UTC))
    nudge = year.keep("nudge_after_meeting", await scheduled(petra, "me:n:"))
    await press(petra, nudge, "fb:am:")  # "we have already met": the days, none chosen
    year.keep("already_met_days", await petra.next_message())
    await scheduled(jonas, "me:n:")
    await quiet(*everyone)
    # Two weeks before the event, everyone is reminded.
    await year.advance_to(EVENT_AT - 14 * DAY)
    year.keep("event_reminder_14d", await scheduled(petra, "ev:r:"))
    for other in (jonas, sabine, lukas):
        await scheduled(other, "ev:r:")
    # A week before the event, whoever has not answered (nobody has) is asked again.
    await year.advance_to(EVENT_AT - 7 * DAY)
    year.keep("event_unanswered", await scheduled(petra, "ev:r:"))
    for other in (jonas, sabine, lukas):
        await scheduled(other, "ev:r:")
    await quiet(*everyone)
    # Sabine and Lukas, two weeks after the first nudge: nudged again, the coordinators told.
    await year.advance_to(NOW + 49 * DAY + 2 * HOUR)
    await scheduled(sabine, "me:n:")
    await scheduled(lukas, "me:n:")
    year.keep("at_risk_to_coordinators", await scheduled(coordinator, "td:v:"))
    await quiet(*everyone, coordinator)
    # Two days before the event.
    await year.advance_to(EVENT_AT - 2 * DAY)
    year.keep("event_reminder_2d", await scheduled(petra, "ev:r:"))
    for other in (jonas, sabine, lukas):
        await scheduled(other, "ev:r:")
    await quiet(*everyone)

    # Quiet tandems are nudged every two weeks; those nudges are the ones above again.
    await year.advance_to(SURVEY_AT - HOUR)
    for person in everyone:
        await scheduled(person, "me:n:")
    await scheduled(coordinator, "td:v:")  # now Petra's and Jonas's tandem is at risk too
    # The survey, and a week later its reminder.
    await year.advance_to(SURVEY_AT)
    for person in everyone:
        invitation = await scheduled(person, "sv:")
        if person is petra:
            year.keep("survey_invitation", invitation)
    await year.advance_to(SURVEY_AT + 7 * DAY)
    year.keep("survey_reminder", await scheduled(petra, "sv:"))
    for other in (jonas, sabine, lukas):
        await scheduled(other, "sv:")
    await quiet(*everyone, coordinator)

    # The main screens, after the spring.
    await petra.send("/tandem")
    year.keep("tandem_view", await petra.next_message())
    await coordinator.send("/tandems")
    choose = await coordinator.next_message()
    await press(coordinator, choose, "td:")
    tandems = await coordinator.wait_edit(choose)
    await press(coordinator, tandems, "td:v:1")
    year.keep("coordinator_tandem_card", await coordinator.wait_edit(tandems))
    await coordinator.send("/stats")
    year.keep("stats", await coordinator.next_message())
    year.keep("stats_survey_results", await coordinator.next_message())
    await coordinator.send("/certificates")
    year.keep("certificates_overview", await coordinator.next_message())
    await quiet(*everyone, coordinator)

    # Lukas proposes a meeting on Friday 11 June that Sabine never answers: two days later she
    # is reminded, at its time he is told.
    await lukas.send("/meet")
    await lukas.next_message()
    await lukas.send("11.6.2027 17:30")
    await press(lukas, await lukas.next_message(), "me:dur:90")
    await lukas.next_message()  # where?
    await lukas.send("Bahnhof Salzgitter-Lebenstedt")
    await press(lukas, await lukas.next_message(), "me:send")
    await lukas.next_message()  # sent
    await sabine.next_message()  # the proposal
    await year.advance_to(year.clock.now() + 2 * DAY)
    year.keep("proposal_reminder", await scheduled(sabine, "me:a:"))
    await year.advance_to(dt.datetime(2027, 6, 11, 15, 30, tzinfo=dt.UTC))
    year.keep("proposal_expired", await scheduled(lukas, "me:n:"))
    await quiet(*everyone, coordinator)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_golden_messages_of_a_program_year(
    api: FakeBotApi, db: Database, database_url: str, language: str
) -> None:
    async with year_running(api, db, database_url, language, MESSAGES) as year:
        await program_year(year, year.program_id)
    assert_golden(language, year.captured, MESSAGES)


def test_golden_every_file_is_produced_by_a_walk() -> None:
    """No orphaned golden files (a message renamed or dropped leaves none behind), none missing,
    and no name claimed by two walks."""
    claimed = [name for names in walks().values() for name in names]
    assert len(claimed) == len(set(claimed)), "a message name is claimed by two walks"
    expected = {f"{language}/{name}.txt" for language in LANGUAGES for name in claimed}
    on_disk = {str(path.relative_to(GOLDEN)) for path in GOLDEN.glob("*/*") if path.is_file()}
    assert on_disk == expected, (
        f"orphaned: {sorted(on_disk - expected)}; missing: {sorted(expected - on_disk)}"
    )
