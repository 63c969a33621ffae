"""Golden files: what one partner's action, or a coordinator's, makes the bot say to the others.

Nobody asks for these messages: they arrive because someone else acted. Within the fixed
cohort's two tandems, matched as in the first walk, one bot per language goes through the spring:
a proposal declined, another answered with another time, the meeting moved and cancelled (each
told to the partner); a recorded meeting the partner says did not take place (told to the one who
recorded it); after a recorded first meeting, "does not fit" and the wish for a new tandem (to
the coordinators); a concern from the tandem's home, the coordinators' note to that partner and
the reply (each to the other side); the mid-term review with a wish for support and one for a
new match (to the coordinators); and the tandem that wished for a new match dissolved by the
coordinator (told to both partners). The coordinator has chosen the walk's language with
/language, so that what reaches her unasked is in that language too.

The shared machinery (the cohort, the running bot, the comparison) is in tests/e2e/golden.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.reminders import plan_survey
from core.surveys import SurveyKind, default_questions
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import reminders, surveys
from storage.db import Database
from tests.e2e import golden
from tests.e2e.golden import (
    COHORT,
    JONAS,
    LANGUAGES,
    LUKAS,
    PETRA,
    SABINE,
    Year,
    assert_golden,
    find_data,
    press,
    quiet,
    scheduled,
    year_running,
)
from tests.e2e.harness import COORDINATOR_ID

database_url = golden.database_url  # SQLite only (see tests/e2e/golden.py)

# This walk's golden files, in the order the spring produces them.
MESSAGES = (
    "meeting_declined",
    "meeting_counter_proposal",
    "meeting_moved",
    "meeting_cancelled",
    "meeting_rejected_to_recorder",
    "fit_to_coordinators",
    "rematch_to_coordinators",
    "concern_to_coordinators",
    "tandem_note_to_partner",
    "tandem_reply_to_coordinators",
    "survey_support_to_coordinators",
    "survey_rematch_to_coordinators",
    "tandem_dissolved",
)

# What the people type, in the language of the walk (it appears in the messages).
PLACE = "Café Central, Salzgitter-Bad"
CONCERN = {
    "de": "Jonas und ich finden kaum gemeinsame Termine, weil er oft auf Dienstreise ist. "
    "Haben Sie einen Rat?",
    "en": "Jonas and I hardly find a date that suits us both, as he often travels for work. "
    "Do you have any advice?",
}
NOTE = {
    "de": "Viele Tandems treffen sich zwischendurch online, etwa 45 Minuten am frühen Abend. "
    "Wäre das für Sie beide eine Möglichkeit?",
    "en": "Many tandems meet online in between, for about 45 minutes in the early evening. "
    "Could that work for you both?",
}
REPLY = {
    "de": "Gute Idee, das probieren wir aus. Vielen Dank!",
    "en": "Good idea, we will try that. Thank you!",
}
REASON = {
    "de": "Beide wünschen sich ein neues Tandem.",
    "en": "Both would like a new tandem.",
}
SURVEY_AT = dt.datetime(2027, 3, 15, 8, 0, tzinfo=dt.UTC)  # Monday, 9:00 in Berlin


async def seed_survey(year: Year) -> None:
    """The mid-term review, scheduled as the coordinators' dialog schedules it (the dialog has
    its own tests; here only the coordinators' notices about the answers matter)."""
    async with year.db.session() as session:
        survey = await surveys.create(
            session,
            program_id=year.program_id,
            kind=SurveyKind.MIDTERM,
            questions=default_questions(SurveyKind.MIDTERM),
            created_by=COORDINATOR_ID,
            now=year.clock.now(),
        )
        assert await surveys.schedule(session, survey.id, SURVEY_AT)
        ids = [p.user_id for p in COHORT]
        planned = plan_survey(survey_id=survey.id, send_at=SURVEY_AT, user_ids=ids)
        await reminders.plan(session, planned, now=year.clock.now(), survey_id=survey.id)


async def answer_survey(user: FakeUser, invitation: BotMessage, wish: str) -> None:
    """Every question of the mid-term review, with `wish` for the support question; the open
    questions skipped. Ends after the thanks."""
    await press(user, invitation, "sv:s:")
    question = await user.next_message()
    for value in ("7", "3", "4", "partly"):  # satisfaction, fit, openness, as agreed
        await press(user, question, "sv:a:", f":{value}")
        question = await user.next_message()
    await user.send("2")  # meetings so far
    question = await user.next_message()
    for value in ("3", "3", wish):  # progress, framework, support
        await press(user, question, "sv:a:", f":{value}")
        question = await user.next_message()
    for _ in range(2):  # what went well, what could be better
        await press(user, question, "sv:k:")
        question = await user.next_message()
    assert find_data(question, "sv:") is None  # the thanks


async def propose(user: FakeUser, when: str) -> None:
    """/meet (or the button to propose another) up to the sent proposal, two hours at PLACE."""
    await user.next_message()  # when?
    await user.send(when)
    await press(user, await user.next_message(), "me:dur:120")
    await user.next_message()  # where?
    await user.send(PLACE)
    await press(user, await user.next_message(), "me:send")
    await user.next_message()  # sent


async def match(year: Year) -> None:
    """The proposal approved and introduced now; both tandems confirm their agreement."""
    coordinator = year.coordinator
    await coordinator.send("/match")
    proposal = await coordinator.next_message()
    await press(coordinator, proposal, "mt:", ":ok")
    ask = await coordinator.wait_edit(proposal)
    await press(coordinator, ask, "mt:", ":now")
    await coordinator.wait_edit(ask)
    for mentor, mentee in ((PETRA, JONAS), (SABINE, LUKAS)):
        first, second = year.user(mentor), year.user(mentee)
        await first.next_message()  # the introduction
        agreement = await first.next_message()
        await second.next_message()
        agreement_second = await second.next_message()
        await press(second, agreement_second, "ag:y:")
        await second.next_message()  # waiting for the partner
        await press(first, agreement, "ag:y:")
        await first.wait_edit(agreement)
        await first.next_message()  # both have confirmed
        await second.next_message()


async def spring(year: Year) -> None:
    petra, jonas = year.user(PETRA), year.user(JONAS)
    sabine, lukas = year.user(SABINE), year.user(LUKAS)
    coordinator = year.coordinator
    everyone = (petra, jonas, sabine, lukas)
    language = year.language
    # The coordinator has chosen her language: what reaches her unasked is written in the
    # language stored for her (without a choice, in the bot's default, German).
    await coordinator.send("/language")
    choice = await coordinator.next_message()
    await press(coordinator, choice, f"lg:{language}")
    await coordinator.wait_edit(choice)
    await match(year)
    await quiet(*everyone, coordinator)

    # Jonas proposes Wednesday 3 March; Petra cannot make it.
    await jonas.send("/meet")
    await propose(jonas, "3.3. 17:30")
    proposal = await petra.next_message()
    await press(petra, proposal, "me:d:")
    await petra.wait_edit(proposal)  # declined, on her message
    declined = year.keep("meeting_declined", await jonas.next_message())

    # He proposes Thursday instead; she answers with Friday.
    await press(jonas, declined, "me:n:")
    await propose(jonas, "4.3. 17:30")
    proposal = await petra.next_message()
    await press(petra, proposal, "me:o:")
    await petra.next_message()  # when?
    await petra.send("5.3. 18:00")
    await press(petra, await petra.next_message(), "me:send")
    await petra.next_message()  # sent
    counter = year.keep("meeting_counter_proposal", await jonas.next_message())

    # He accepts; she moves it to Monday 8 March; he cannot make that and cancels.
    await press(jonas, counter, "me:a:")
    await jonas.next_message()  # confirmed
    await jonas.next_message()  # .ics
    confirmed = await petra.next_message()
    await petra.next_message()  # .ics
    await press(petra, confirmed, "me:r:")
    await petra.next_message()  # when?
    await petra.send("8.3. 18:00")
    await press(petra, await petra.next_message(), "me:send")
    await petra.next_message()  # moved
    await petra.next_message()  # .ics
    moved = year.keep("meeting_moved", await jonas.next_message())
    await jonas.next_message()  # .ics
    await press(jonas, moved, "me:x:")
    sure = await jonas.next_message()
    await press(jonas, sure, "me:X:")
    await jonas.wait_edit(sure)  # cancelled, on his message
    year.keep("meeting_cancelled", await petra.next_message())
    await jonas.next_message()  # the calendar entry withdrawn
    await petra.next_message()
    await quiet(*everyone, coordinator)

    # A week on, Jonas records a meeting on Friday 5 March; Petra says it did not take place.
    await year.advance_to(dt.datetime(2027, 3, 9, 9, 0, tzinfo=dt.UTC))
    await jonas.send("/feedback")
    await press(jonas, await jonas.next_message(), "fb:l:")
    await jonas.next_message()  # when?
    await jonas.send("5.3.2027")
    recorded = await jonas.next_message()
    await press(jonas, recorded, "fb:ls")
    await jonas.wait_edit(recorded)  # saved
    await jonas.next_message()  # how useful was it? (left unanswered)
    verify = await petra.next_message()
    await press(petra, verify, "fb:v:", ":n")
    await petra.wait_edit(verify)
    year.keep("meeting_rejected_to_recorder", await jonas.next_message())
    await quiet(*everyone, coordinator)

    # Lukas records his and Sabine's first meeting, on Thursday 4 March; she confirms it. His
    # feedback: not useful, and the tandem does not fit; he would like a new one.
    await lukas.send("/feedback")
    await press(lukas, await lukas.next_message(), "fb:l:")
    await lukas.next_message()  # when?
    await lukas.send("4.3.2027")
    recorded = await lukas.next_message()
    await press(lukas, recorded, "fb:ls")
    await lukas.wait_edit(recorded)  # saved
    rate = await lukas.next_message()
    verify = await sabine.next_message()
    await press(sabine, verify, "fb:v:", ":y")
    await sabine.wait_edit(verify)
    await lukas.next_message()  # she confirmed it
    await press(lukas, rate, "fb:r:", ":2")
    await press(lukas, await lukas.next_message(), "fb:s:")  # no note
    fits = await lukas.next_message()
    await press(lukas, fits, "fb:f:", ":n")
    year.keep("fit_to_coordinators", await coordinator.next_message())
    rematch = await lukas.wait_edit(fits)
    await press(lukas, rematch, "fb:m:", ":y")
    wish = year.keep("rematch_to_coordinators", await coordinator.next_message())
    await lukas.wait_edit(rematch)
    await quiet(*everyone, coordinator)

    # Petra writes to the program team from her tandem's home; the coordinator answers her
    # from the notice, and she replies.
    await petra.send("/tandem")
    await press(petra, await petra.next_message(), "tn:c:")
    await petra.next_message()  # what is on your mind?
    await petra.send(CONCERN[language])
    await petra.next_message()  # sent
    concern = year.keep("concern_to_coordinators", await coordinator.next_message())
    await press(coordinator, concern, "td:wt:")
    await coordinator.next_message()  # your message to …
    await coordinator.send(NOTE[language])
    preview = await coordinator.next_message()
    await press(coordinator, preview, "td:ws:")
    await coordinator.wait_edit(preview)  # sent
    note = year.keep("tandem_note_to_partner", await petra.next_message())
    await press(petra, note, "tn:r:")
    await petra.next_message()  # your reply
    await petra.send(REPLY[language])
    await petra.next_message()  # sent
    year.keep("tandem_reply_to_coordinators", await coordinator.next_message())
    await quiet(*everyone, coordinator)

    # The mid-term review: Jonas asks for support, Lukas for a new match.
    await seed_survey(year)
    await year.advance_to(SURVEY_AT)
    invitations = {person.id: await scheduled(person, "sv:") for person in everyone}
    await answer_survey(jonas, invitations[jonas.id], "support")
    year.keep("survey_support_to_coordinators", await coordinator.next_message())
    await answer_survey(lukas, invitations[lukas.id], "rematch")
    year.keep("survey_rematch_to_coordinators", await coordinator.next_message())
    await quiet(*everyone, coordinator)

    # The coordinator opens Sabine's and Lukas's tandem from his wish and dissolves it.
    await press(coordinator, wish, "td:v:")
    card = await coordinator.wait_edit(wish)
    await press(coordinator, card, "td:x:")
    await coordinator.next_message()  # why?
    await coordinator.send(REASON[language])
    await coordinator.next_message()  # dissolved
    year.keep("tandem_dissolved", await lukas.next_message())
    await sabine.next_message()  # the same to her
    await quiet(*everyone, coordinator)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_golden_messages_within_a_tandem(
    api: FakeBotApi, db: Database, database_url: str, language: str
) -> None:
    async with year_running(api, db, database_url, language, MESSAGES) as year:
        await spring(year)
    assert_golden(language, year.captured, MESSAGES)
