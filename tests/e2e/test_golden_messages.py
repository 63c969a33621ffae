"""Golden files: the wording of what the bot says, per language, as a reviewed diff.

One bot per language goes through a program year of a fixed cohort on a FrozenClock: a
registration, the match proposal, the introductions and the agreement, a meeting with its
reminders and feedback questions, a meeting recorded afterwards, nudges and the at-risk note,
an event and a survey with their reminders, and the coordinators' main screens. Every message
captured is compared with `docs/messages/<language>/<name>.txt` (the Telegram HTML as sent, then
`---` and the button labels one per line); `UPDATE_GOLDEN=1` rewrites the files instead, so a
change of wording shows up in the diff of the commit that makes it.

SQLite only, on purpose: the wording does not depend on the database, and both backends are
covered by the flows' own end-to-end tests. Everything that varies is fixed by the data (the
clock, the seeded ids, the fixed names); the one value the data cannot fix, the program's
generated invitation code, is replaced in `normalise`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import AnyApplication
from core.clock import FrozenClock
from core.programs import ParticipantStatus
from core.reminders import Policy, plan_event, plan_survey
from core.surveys import SurveyKind, default_questions
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import events, participants, programs, reminders, surveys, users
from storage.db import Database
from storage.models import Program
from tests.conftest import fresh_database_url
from tests.e2e.harness import (
    COORDINATOR_ID,
    Profile,
    advance,
    bot_running,
    make_settings,
    register,
)

GOLDEN = Path(__file__).resolve().parents[2] / "docs" / "messages"
LANGUAGES = ("de", "en")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PROGRAM = "Cross-Mentoring Salzgitter 2027"
INVITE_CODE = "<INVITE-CODE>"

# Every golden file, in the order the program year produces them. The run must capture exactly
# these, and the directory must hold exactly these (no orphans, none missing).
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


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    form_of_address: str  # f | m
    role: str
    company: str
    industry: str
    position: str
    topics: tuple[str, ...]


PETRA = Person(
    5001, "Petra Schulz", "f", "mentor", "Salzgitter AG", "Stahl", "Bereichsleiterin Personal",
    ("Kommunikation", "Führung"),
)  # fmt: skip
JONAS = Person(
    5002, "Jonas Weber", "m", "mentee", "Volkswagen AG", "Automobil", "Teamleiter Logistik",
    ("Kommunikation", "Karriereplanung"),
)  # fmt: skip
SABINE = Person(
    5003, "Sabine Krüger", "f", "mentor", "Alstom", "Bahntechnik", "Werkleiterin",
    ("Netzwerken",),
)  # fmt: skip
LUKAS = Person(
    5004, "Lukas Hoffmann", "m", "mentee", "Robert Bosch GmbH", "Elektrotechnik", "Gruppenleiter",
    ("Netzwerken",),
)  # fmt: skip
COHORT = (PETRA, JONAS, SABINE, LUKAS)
# The one person who registers through the chat (the coordinators' notice is the message).
CLARA = Profile(
    role="mentee",
    name="Clara Becker",
    company="Continental AG",
    industry="Automobilzulieferer",
    position="Projektleiterin",
    topics=["Kommunikation"],
    goals="Sichtbarer werden.",
    meeting_format="both",
    form_of_address="f",
)
EVENT_TITLE = {"de": "Auftaktveranstaltung", "en": "Kickoff event"}
EVENT_AT = dt.datetime(2027, 4, 22, 16, 0, tzinfo=dt.UTC)  # Thursday, 18:00 in Berlin
SURVEY_AT = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)


def normalise(text: str, invite_code: str) -> str:
    """The single place where a value the data cannot fix is replaced by a placeholder."""
    return text.replace(invite_code, INVITE_CODE)


def render(message: BotMessage, invite_code: str) -> str:
    """A message as a translator reads it: the HTML as sent, then its buttons."""
    lines = [message.raw_text.rstrip("\n")]
    if message.button_texts:
        lines += ["---", *message.button_texts]
    return normalise("\n".join(lines) + "\n", invite_code)


def golden_path(language: str, name: str) -> Path:
    return GOLDEN / language / f"{name}.txt"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite only: the wording does not depend on the database (see the module docstring)."""
    yield from fresh_database_url(request, "sqlite", tmp_path, "tandem_golden")


@dataclass
class Year:
    """The running bot, its clock and the cohort, and what was captured so far."""

    app: AnyApplication
    clock: FrozenClock
    api: FakeBotApi
    db: Database
    language: str
    coordinator: FakeUser
    users: dict[int, FakeUser]
    invite_code: str = ""
    captured: dict[str, str] = field(default_factory=dict)

    def user(self, person: Person) -> FakeUser:
        return self.users[person.user_id]

    def keep(self, name: str, message: BotMessage) -> BotMessage:
        assert name in MESSAGES, f"{name} is not listed in MESSAGES"
        assert name not in self.captured, f"{name} captured twice"
        self.captured[name] = render(message, self.invite_code)
        return message

    async def advance_to(self, when: dt.datetime) -> None:
        await advance(self.app, self.clock, when - self.clock.now())
        await self.api.wait_idle()


async def seed(db: Database, language: str) -> tuple[int, str]:
    """The program and the four approved participants; returns the program id and its code."""
    async with db.session() as session:
        program = await programs.create(
            session,
            name=PROGRAM,
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2028, 2, 29),
            timezone="Europe/Berlin",
            created_by=COORDINATOR_ID,
            now=NOW,
        )
        for person in COHORT:
            await users.upsert(
                session,
                user_id=person.user_id,
                identity=users.Identity(person.name.split()[0], person.name.split()[1]),
                now=NOW,
                language=language,
            )
            row = await participants.create_from_draft(
                session,
                program_id=program.id,
                user_id=person.user_id,
                draft={
                    "role": person.role,
                    "name": person.name,
                    "company": person.company,
                    "industry": person.industry,
                    "position": person.position,
                    "topics": list(person.topics),
                    "goals": "Gemeinsam wachsen.",
                    "meeting_format": "both",
                    "form_of_address": person.form_of_address,
                },
                consent_at=NOW,
                now=NOW,
            )
            row.status = ParticipantStatus.ACTIVE
        return program.id, program.invite_code


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


def find_data(message: BotMessage, prefix: str, suffix: str = "") -> str | None:
    """The callback data of the first button whose data starts with `prefix` (and ends with
    `suffix`): pressing by data keeps the walk the same in every language."""
    for row in message.buttons:
        for candidate in row:
            data = candidate.callback_data
            if data and data.startswith(prefix) and data.endswith(suffix):
                return data
    return None


def button_data(message: BotMessage, prefix: str, suffix: str = "") -> str:
    data = find_data(message, prefix, suffix)
    assert data is not None, f"no button {prefix}…{suffix} on\n{message.describe()}"
    return data


async def press(user: FakeUser, message: BotMessage, prefix: str, suffix: str = "") -> None:
    await user.press(button_data(message, prefix, suffix), message=message)


async def scheduled(user: FakeUser, prefix: str) -> BotMessage:
    """The next message, which must be the scheduled one with a `prefix…` button: a timer that
    fires a moment late then fails here, with the chat, instead of shifting every name after."""
    message = await user.next_message()
    button_data(message, prefix)
    return message


async def quiet(*people: FakeUser) -> None:
    """Nothing more arrived for these people than the walk has taken."""
    for person in people:
        extra = await person.collect(0.05)
        assert extra == [], "\n".join(m.describe() for m in extra)


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


async def run_year(
    api: FakeBotApi, db: Database, database_url: str, language: str
) -> dict[str, str]:
    program_id, code = await seed(db, language)
    coordinator = api.add_user(
        COORDINATOR_ID, "Juliane", "Stockhammer", username="jstockhammer", language_code=language
    )
    people = {
        p.user_id: api.add_user(
            p.user_id, p.name.split()[0], p.name.split()[1], language_code=language
        )
        for p in COHORT
    }
    clock = FrozenClock(NOW)
    settings = make_settings(api, database_url)
    async with bot_running(settings, clock=clock) as app:
        year = Year(app, clock, api, db, language, coordinator, people, code)
        await program_year(year, program_id)
    return year.captured


def compare(language: str, captured: dict[str, str]) -> list[str]:
    """The differences between the captured messages and the files (or rewrite the files)."""
    assert sorted(captured) == sorted(MESSAGES), "the walk must capture every listed message"
    problems: list[str] = []
    if UPDATE:  # a message renamed or dropped takes its file with it
        for stale in (GOLDEN / language).glob("*.txt"):
            if stale.stem not in MESSAGES:
                stale.unlink()
    for name in MESSAGES:
        path = golden_path(language, name)
        actual = captured[name]
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            continue
        expected = path.read_text(encoding="utf-8") if path.exists() else ""
        if actual != expected:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=str(path.relative_to(GOLDEN.parents[1])),
                tofile="sent by the bot",
            )
            problems.append("".join(diff))
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
async def test_golden_messages_of_a_program_year(
    api: FakeBotApi, db: Database, database_url: str, language: str
) -> None:
    captured = await run_year(api, db, database_url, language)
    problems = compare(language, captured)
    assert not problems, (
        f"{len(problems)} message(s) differ from docs/messages/{language}/; if the new wording "
        "is intended, run `UPDATE_GOLDEN=1 scripts/test -k golden` and review the diff:\n\n"
        + "\n".join(problems)
    )


def test_golden_every_file_is_produced_by_the_walk() -> None:
    """No orphaned golden files (a message renamed or dropped leaves none behind), none missing."""
    expected = {f"{language}/{name}.txt" for language in LANGUAGES for name in MESSAGES}
    on_disk = {str(path.relative_to(GOLDEN)) for path in GOLDEN.glob("*/*") if path.is_file()}
    assert on_disk == expected, (
        f"orphaned: {sorted(on_disk - expected)}; missing: {sorted(expected - on_disk)}"
    )
