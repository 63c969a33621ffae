"""/deleteme leaves nothing: a person who went through everything the bot offers, with strings
found nowhere else, erases their data through the chat; then every column of every table is
read and none may still hold their strings or their Telegram id. What stays for the program's
figures (the partner's held meetings, the survey's choice and scale answers) is the same
before and after.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from bot.app import AnyApplication
from core.clock import FrozenClock
from core.surveys import aggregate, parse_questions
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import certificates, surveys
from storage.db import Database
from storage.models import (
    Base,
    MeetingFeedback,
    Participant,
    Program,
    Reminder,
    Survey,
    SurveyResponse,
)
from tests.e2e.harness import Profile, advance, answer_of, create_program, expect, register
from tests.e2e.test_matching import approve_now
from tests.seeding import seed_participant

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Berlin

PERSON_ID = 8765432109
NAME = "Zora Zyxwquartz"
COMPANY = "Qqqvorbeck Werke"
INDUSTRY = "Xylophonbau"
POSITION = "Teamleiterin Vrrmpfl"
GOALS = "Glorbtastisch wachsen"
PLACE = "Kellerbar Wunderlich"
NOTE = "Notiz Plumbixkram"
CONCERN = "Sorge Wumpelfritz"
WENT_WELL = "Freitext Blubbergast"
TO_BOTH = "Liebe Frau Zyxwquartz, liebe Frau Mentorin: wie geht es?"
REPLY = "Antwort Quxbrimmel"
IMPROVE = "Mehr Snorkeltrotz"
FORGED = "zz:Zyxwquartz"
DISTINCTIVE = (
    "Zyxwquartz",  # last name (also the Telegram last name and username)
    "Qqqvorbeck",
    INDUSTRY,
    "Vrrmpfl",
    "Glorbtastisch",
    "Kellerbar",
    "Wunderlich",
    "Plumbixkram",
    "Wumpelfritz",
    "Blubbergast",
    "Quxbrimmel",
    "Snorkeltrotz",
    str(PERSON_ID),
)


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def traces(db: Database) -> list[str]:
    """Every place (table.column, row) that still holds one of the person's strings."""
    found: list[str] = []
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = _text(value).casefold()
                    for needle in DISTINCTIVE:
                        if needle.casefold() in text:
                            found.append(f"{table.name}.{column} has {needle!r}: {value!r}")
    return found


async def figures(db: Database, program_id: int, mentor: int) -> tuple[Any, ...]:
    """The partner's held meetings, the survey's reach and results (without open answers)."""
    async with db.session() as session:
        held = (await certificates.meetings_held(session, program_id, NOW + 400 * DAY))[mentor]
        survey = (await session.scalars(select(Survey))).one()
        questions = parse_questions(survey.questions)
        answered = await surveys.completed(session, survey.id)
        reach = await surveys.reach(session, survey.id)
    results = aggregate(questions, [(a.role, a.answers) for a in answered])
    return held, reach, [
        (r.question.id, r.everyone.answered, r.everyone.mean, dict(r.everyone.counts),
         {role: (f.answered, f.mean, dict(f.counts)) for role, f in r.by_role.items()})
        for r in results
        if r.question.type.value != "text"
    ]  # fmt: skip


DAY = dt.timedelta(days=1)


async def quiet_notices(db: Database) -> None:
    """Notices go out right after the commit; wait until none is still in flight."""
    for _ in range(300):
        async with db.session() as session:
            busy = (
                await session.scalars(
                    select(Reminder.id).where(Reminder.state.in_(("pending", "sending")))
                )
            ).all()
        if not busy:
            return
        await asyncio.sleep(0.01)


async def answer(user: FakeUser, question: BotMessage, label: str) -> BotMessage:
    await user.press(label, message=question)
    expect(await user.wait_edit(question), f"Ihre Antwort: {label}")
    return await user.next_message()


async def test_deleteme_leaves_no_trace_in_any_table(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    # Registration through the chat; the coordinator approves from the notice.
    code = await create_program(coordinator)
    async with db.session() as session:
        program = (await session.scalars(select(Program))).one()
        program.settings = {**program.settings, "min_meetings": 1}
        program_id = program.id
    mentor_pid = await seed_participant(
        db, program_id, 3001, "Maria Mentorin", NOW, role="mentor", company="Alstom"
    )
    maria = api.add_user(3001, "Maria")
    zora = api.add_user(PERSON_ID, "Zora", "Zyxwquartz", username="zyxwquartz")
    profile = Profile(
        role="mentee", name=NAME, company=COMPANY, industry=INDUSTRY, position=POSITION, goals=GOALS
    )
    expect(await register(zora, code, profile), "Anmeldung")
    async with db.session() as session:  # the optional questions of the form, answered
        row = await session.scalar(select(Participant).where(Participant.user_id == PERSON_ID))
        assert row is not None
        row.location, row.latitude, row.longitude = "38226 Zyxwquartzhausen", 52.1, 10.3
        row.languages, row.profile_url = ["tr", "de"], "https://example.org/Zyxwquartz"
    notice = expect(await coordinator.next_message(), "Neue Anmeldung", NAME, COMPANY)
    await coordinator.press("✅ Freigeben", message=notice)
    expect(await zora.next_message(), "freigegeben")
    await coordinator.collect()
    await zora.send("/mydata")
    await zora.next_message()
    query = await zora.press_data(FORGED)  # a forged button: audited with its data
    await answer_of(zora, query)

    # Matching and introduction.
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "Matching-Vorschlag", NAME)
    expect(await approve_now(coordinator, proposal), "gebildet")
    expect(await zora.next_message(), "Ihr Tandem steht")
    expect(await maria.next_message(), "Ihr Tandem steht", NAME)
    for user in (zora, maria):
        agreement = expect(await user.next_message(), "Tandemvereinbarung")
        await user.press("✅ Vereinbarung bestätigen", message=agreement)
        await user.next_message()
    expect(await zora.next_message(), "Tandemvereinbarung bestätigt")

    # A meeting at a place she typed, accepted by the mentor.
    await zora.send("/meet")
    expect(await zora.next_message(), "Wann möchten Sie sich treffen")
    await zora.send("3.3. 17:30")
    await zora.press("2 Std.", message=expect(await zora.next_message(), "Wie lange"))
    expect(await zora.next_message(), "Wo treffen Sie sich")
    await zora.send(PLACE)
    summary = expect(await zora.next_message(), "Ihr Vorschlag an", PLACE)
    await zora.press("📨 Vorschlag senden", message=summary)
    await zora.next_message()
    invitation = expect(await maria.next_message(), "schlägt ein Tandem-Treffen vor", NAME, PLACE)
    await maria.press("✅ Passt", message=invitation)
    for user in (maria, zora):
        expect(await user.next_message(), "bestätigt", PLACE)
        assert (await user.next_message()).document is not None  # the calendar file

    # After it: held, a note, "does not fit" and a rematch wish.
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 19, 30, tzinfo=dt.UTC) - NOW)
    asked = expect(await zora.next_message(), "Hat es stattgefunden?")
    await zora.press("✅ Ja, hat stattgefunden", message=asked)
    rate = await zora.wait_edit(asked)
    await zora.press("5", message=rate)
    expect(await zora.next_message(), "Das liest nur die Programmleitung")
    await zora.send(NOTE)
    expect(await zora.next_message(), "Anmerkung ist bei der Programmleitung")
    fit = expect(await zora.next_message(), "Passt Ihr Tandem?")
    await zora.press("👎 Eher nicht", message=fit)
    rematch = await zora.wait_edit(fit)
    await zora.press("Ja, bitte neu zuordnen", message=rematch)
    expect(await coordinator.next_message(), "nicht passt", NAME)
    expect(await coordinator.next_message(), "wünscht sich ein neues Tandem")
    asked = expect(await maria.next_message(), "Hat es stattgefunden?")
    await maria.press("✅ Ja, hat stattgefunden", message=asked)
    await maria.press("4", message=await maria.wait_edit(asked))
    expect(await maria.next_message(), "Das liest nur die Programmleitung")

    # A concern for the program team.
    await zora.send("/tandem")
    card = expect(await zora.next_message(), "Maria Mentorin")
    await zora.press("💬 Anliegen an die Programmleitung", message=card)
    expect(await zora.next_message(), "Was beschäftigt Sie")
    await zora.send(CONCERN)
    expect(await zora.next_message(), "vertraulich bei der Programmleitung")
    notice = expect(await coordinator.next_message(), CONCERN, NAME)

    # Both stay on the tandem's card; the program team writes to both, she replies.
    await coordinator.press("Tandem öffnen", message=notice)
    card = expect(await coordinator.wait_edit(notice), CONCERN, "passt eher nicht")
    await coordinator.press("✉️ Nachricht an dieses Tandem", message=card)
    await coordinator.press("An beide", message=await coordinator.wait_edit(card))
    expect(await coordinator.next_message(), "Ihre Nachricht an beide")
    await coordinator.send(TO_BOTH)
    preview = expect(await coordinator.next_message(), "Vorschau", TO_BOTH)
    await coordinator.press("📨 Senden", message=preview)
    await coordinator.wait_edit(preview)
    expect(await maria.next_message(), "Nachricht der Programmleitung", TO_BOTH)
    received = expect(await zora.next_message(), "Nachricht der Programmleitung", TO_BOTH)
    await zora.press("↩️ Antworten", message=received)
    expect(await zora.next_message(), "Ihre Antwort an die Programmleitung")
    await zora.send(REPLY)
    expect(await zora.next_message(), "Ihre Antwort ist bei der Programmleitung angekommen")
    expect(await coordinator.next_message(), "Antwort aus einem Tandem", REPLY)

    # The mid-term survey, answered in full (choices, scales, a number, two open answers).
    await coordinator.send("/survey")
    listing = expect(await coordinator.next_message(), "Befragungen")
    await coordinator.press("➕ Zwischenbilanz", message=listing)
    card = expect(await coordinator.wait_edit(listing), "Zwischenbilanz", "Entwurf")
    await coordinator.press("📤 Versenden …", message=card)
    expect(await coordinator.next_message(), "aktive Teilnehmende")
    await coordinator.send("morgen 9 Uhr")
    confirm = expect(await coordinator.next_message(), "09:00 Uhr")
    await coordinator.press("✅ Ja, so planen", message=confirm)
    expect(await coordinator.next_message(), "Geht hinaus am")
    await advance(bot_at, clock, DAY)
    invitation = expect(await zora.next_message(), "Zwischenbilanz")
    expect(await maria.next_message(), "Zwischenbilanz")
    await zora.press("▶️ Befragung starten", message=invitation)
    q = expect(await zora.next_message(), "Frage 1 von 10")
    for label in ("8", "2", "3", "Teilweise"):
        q = await answer(zora, q, label)
    await zora.send("1")
    q = expect(await zora.next_message(), "Frage 6 von 10")
    for label in ("2", "3", "Ja, ein neues Matching"):
        q = await answer(zora, q, label)
    await zora.send(WENT_WELL)
    expect(await zora.next_message(), "Frage 10 von 10")
    await zora.send(IMPROVE)
    expect(await zora.next_message(), "Wunsch erhalten")
    expect(await coordinator.next_message(), "neues Matching", NAME)

    # A certificate for the one held meeting.
    await coordinator.send("/certificates")
    overview = expect(await coordinator.next_message(), "mindestens 1 Treffen", NAME)
    issue = next(b for b in overview.button_texts if b.startswith("🎓"))
    await coordinator.press(issue, message=overview)
    confirm = await coordinator.wait_edit(overview)
    await coordinator.press("✅ Trotzdem jetzt ausstellen", message=confirm)
    certificate = await zora.next_message()
    assert certificate.document is not None and certificate.document.filename.endswith(".pdf")
    assert (await maria.next_message()).document is not None
    expect(await coordinator.next_message(), "Zugestellt")
    await quiet_notices(db)

    async with db.session() as session:
        mine = (
            await session.scalars(select(Participant.id).where(Participant.user_id == PERSON_ID))
        ).one()
    before = await figures(db, program_id, mentor_pid)
    assert before[0] == 1 and before[1].completed == 1 and before[1].invited == 2
    assert len(await traces(db)) > 0  # the test finds what it looks for

    # The erasure, through the chat.
    await zora.send("/deleteme")
    confirm = expect(await zora.next_message(), "Ihre Daten löschen?")
    await zora.press("🗑 Ja, endgültig löschen", message=confirm)
    expect(await zora.wait_edit(confirm), "Ihre Daten sind gelöscht")
    expect(await maria.next_message(), f"{NAME} hat die Teilnahme", "beendet")
    expect(await coordinator.next_message(), NAME, "eigenen Daten gelöscht")
    await quiet_notices(db)

    left = await traces(db)
    assert not left, "\n".join(left)
    async with db.session() as session:
        linked = (
            await session.scalars(
                select(SurveyResponse.id).where(SurveyResponse.participant_id == mine)
            )
        ).all()
        erased = (
            (await session.execute(select(Participant.__table__).where(Participant.id == mine)))
            .mappings()
            .one()
        )
        [feedback] = (
            await session.scalars(
                select(MeetingFeedback).where(MeetingFeedback.participant_id == mine)
            )
        ).all()
    assert linked == [], "the survey answers that stay are no longer linked to the registration"
    assert (feedback.took_place, feedback.rating) == ("held", 5), "facts about the meeting stay"
    assert (feedback.comment, feedback.fits, feedback.rematch_requested) == (None, None, None)
    # The registration stays for the counts with what they need, and nothing of the profile:
    # a profile field added later must be erased too (or declared here as a count's need).
    kept = {"id", "program_id", "role", "status", "meeting_format", "capacity", "consent_at"}
    kept |= {"created_at", "updated_at", "decided_by", "decided_at", "erased_at"}
    profile_left = {
        k: v for k, v in erased.items() if k not in kept and v not in (None, "", [], "–")
    }
    # The neutral form of address is what everybody has who said nothing: it tells nothing.
    assert profile_left.pop("form_of_address", "n") == "n"
    assert profile_left == {}
    assert await figures(db, program_id, mentor_pid) == before
