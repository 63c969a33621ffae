"""Program surveys end to end: coordinators prepare, edit, schedule, follow and close a survey;
participants answer it question by question; flags reach the coordinators; results appear in
/stats and the export.

The clock is a FrozenClock that `advance` moves, so the scheduled invitation and the reminder a
week later really fire. Names, question texts and answers carry `<b>`, `<` and `&`: the stand-in
rejects broken HTML with 400, and every test ends by checking that Telegram refused nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from bot.app import AnyApplication
from bot.settings import Settings
from core.clock import FrozenClock
from core.reminders import Kind, State
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Participant, Reminder, Survey, SurveyResponse
from tests.e2e.harness import advance, answer_of, bot_running, expect, refused_calls
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Berlin
PROGRAM = "Salzgitter <b>2027</b> & mehr"
OTHER_PROGRAM = "Braunschweig 2027"
MARIA = "<b>Maria</b> & Co"
EMIL = "Emil <Mentee>"
EVA = "Eva Mentee"
REWORDED = "Was läuft <gut> & was nicht?"
ADDED = "Haben Sie Ihre Vereinbarung <unterschrieben>?"
OPEN_ANSWER = "<b>Gut</b> & offen"


@dataclass
class Cohort:
    maria: FakeUser  # mentor
    emil: FakeUser  # mentee
    eva: FakeUser  # mentee
    pending: FakeUser
    outsider: FakeUser  # active in OTHER_PROGRAM


async def seed(db: Database, api: FakeBotApi) -> Cohort:
    program_id = await seed_program(db, NOW, PROGRAM)
    other_id = await seed_program(db, NOW, OTHER_PROGRAM)

    async def person(pid: int, uid: int, name: str, role: str, status: str = "active") -> FakeUser:
        await seed_participant(db, pid, uid, name, NOW, role=role, status=status)
        return api.add_user(uid, name.split()[0])

    return Cohort(
        maria=await person(program_id, 5001, MARIA, "mentor"),
        emil=await person(program_id, 5002, EMIL, "mentee"),
        eva=await person(program_id, 5003, EVA, "mentee"),
        pending=await person(program_id, 5004, "Paula Pending", "mentee", "pending"),
        outsider=await person(other_id, 5005, "Otto Outsider", "mentee"),
    )


async def survey_id_of(db: Database) -> int:
    async with db.session() as session:
        return (await session.scalars(select(Survey.id))).one()


async def new_midterm(coordinator: FakeUser) -> BotMessage:
    await coordinator.send("/survey")
    chooser = expect(await coordinator.next_message(), "Für welches Programm?")
    await coordinator.press(PROGRAM, message=chooser)
    listing = expect(
        await coordinator.wait_edit(chooser), "Befragungen", PROGRAM, "Noch keine Befragungen"
    )
    await coordinator.press("➕ Zwischenbilanz", message=listing)
    return expect(
        await coordinator.wait_edit(listing),
        "Zwischenbilanz",
        "Entwurf",
        "10 Fragen",
        "1. Wie zufrieden sind Sie insgesamt mit Ihrem Tandem? (Skala 1–10)",
        "8. Wünschen Sie Unterstützung",
    )


async def edit_questions(coordinator: FakeUser, db: Database, card: BotMessage) -> BotMessage:
    """Reword one question, remove one, add one; the support question cannot go."""
    await coordinator.press("✏️ Fragen bearbeiten", message=card)
    view = expect(await coordinator.wait_edit(card), "Fragen bearbeiten")
    await coordinator.press("9", message=view)
    expect(await coordinator.wait_edit(view), "Frage 9", "Was läuft gut?")
    await coordinator.press("✏️ Umformulieren", message=view)
    expect(await coordinator.next_message(), "Wortlaut der Frage")
    await coordinator.send("x" * 301)
    expect(await coordinator.next_message(), "1 bis 300 Zeichen")
    await coordinator.send(REWORDED)
    expect(await coordinator.next_message(), "Gespeichert.")
    view = expect(await coordinator.next_message(), f"9. {REWORDED} (Freitext)")

    await coordinator.press("7", message=view)  # the accompanying program, 1-4
    expect(await coordinator.wait_edit(view), "Rahmenprogramm", "Skala 1–4")
    await coordinator.press("🗑 Entfernen", message=view)
    view = expect(await coordinator.wait_edit(view), "7. Wünschen Sie Unterstützung")
    assert "Rahmenprogramm" not in view.text

    await coordinator.press("7", message=view)
    locked = expect(await coordinator.wait_edit(view), "nicht entfernen")
    assert "🗑 Entfernen" not in locked.button_texts
    survey_id = await survey_id_of(db)
    query = await coordinator.press_data(f"sk:qd:{survey_id}:support", message=locked)
    assert "bleibt" in (await answer_of(coordinator, query))["text"]
    await coordinator.press("« Zurück", message=locked)
    view = expect(await coordinator.wait_edit(locked), "Fragen bearbeiten")

    await coordinator.press("➕ Frage hinzufügen", message=view)
    expect(await coordinator.wait_edit(view), "Welche Art von Frage?")
    await coordinator.press("Ja / Nein", message=view)
    expect(await coordinator.next_message(), "Wortlaut der Frage")
    await coordinator.send(ADDED)
    expect(await coordinator.next_message(), "Gespeichert.")
    view = expect(
        await coordinator.next_message(),
        f"7. {ADDED} (Auswahl)",  # before the support question, which stays near the end
        "8. Wünschen Sie Unterstützung",
        f"9. {REWORDED}",
    )
    await coordinator.press("✅ Fertig", message=view)
    return expect(await coordinator.wait_edit(view), "Entwurf", "10 Fragen")


async def schedule_tomorrow(coordinator: FakeUser, card: BotMessage) -> BotMessage:
    await coordinator.press("📤 Versenden …", message=card)
    expect(await coordinator.next_message(), "an 3 aktive Teilnehmende", "Europe/Berlin")
    await coordinator.send("gestern 9 Uhr")
    expect(await coordinator.next_message(), "Vergangenheit")
    await coordinator.send("morgen 9 Uhr")
    confirm = expect(await coordinator.next_message(), "Di., 2. März 2027, 09:00 Uhr")
    await coordinator.press("✅ Ja, so planen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "geht am Di., 2. März 2027, 09:00 Uhr an 3")
    return expect(await coordinator.next_message(), "Geht hinaus am", "Eingeladen: 3")


async def start(user: FakeUser, invitation: BotMessage) -> BotMessage:
    await user.press("▶️ Befragung starten", message=invitation)
    return expect(await user.next_message(), "Frage 1 von 10", "Wie zufrieden")


async def choose(user: FakeUser, question: BotMessage, label: str, total: int = 10) -> BotMessage:
    """Press an answer; the question shows it; returns the next question (or the thanks)."""
    await user.press(label, message=question)
    expect(await user.wait_edit(question), f"Ihre Antwort: {label}")
    return await user.next_message()


async def test_prepare_send_answer_remind_and_report(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    app = bot_at
    cohort = await seed(db, api)
    async with db.session() as session:  # Emil chose "Herr": the team reads "Mentee Emil …"
        await session.execute(
            update(Participant).where(Participant.user_id == 5002).values(form_of_address="m")
        )
    card = await edit_questions(coordinator, db, await new_midterm(coordinator))
    await schedule_tomorrow(coordinator, card)

    everyone = (cohort.maria, cohort.emil, cohort.eva, cohort.pending, cohort.outsider)
    for user in everyone:
        assert await user.collect() == [], "nothing before the time set"
    await advance(app, clock, dt.timedelta(days=1))
    invitations = {}
    for user in (cohort.maria, cohort.emil, cohort.eva):
        invitations[user.id] = expect(
            await user.next_message(), "Zwischenbilanz", PROGRAM, "nur die Programmleitung"
        )
    for user in (cohort.pending, cohort.outsider):
        assert await user.collect() == [], "only active participants of the program"

    # Maria answers everything, with a few wrong entries on the way.
    maria = cohort.maria
    q = await start(maria, invitations[maria.id])
    first = q
    q = await choose(maria, q, "9")
    survey_id = await survey_id_of(db)
    # A double tap on the first question (its keyboard is gone, a slow client still sends it).
    query = await maria.press_data(f"sv:a:{survey_id}:0:5", message=first)
    assert "schon beantwortet" in (await answer_of(maria, query))["text"]
    q = await choose(maria, expect(q, "Frage 2 von 10"), "4")
    q = await choose(maria, q, "5")
    await maria.send("egal")  # text where buttons are expected
    expect(await maria.next_message(), "Schaltflächen")
    q = expect(await maria.next_message(), "Frage 4 von 10", "so oft wie vereinbart")
    q = await choose(maria, q, "Ja")
    expect(q, "Frage 5 von 10", "Wie viele Treffen", "eine Zahl")
    await maria.send("viele")
    expect(await maria.next_message(), "nur eine Zahl")
    await maria.send("500")
    expect(await maria.next_message(), "von 0 bis 50")
    await maria.send("4")
    q = await choose(maria, expect(await maria.next_message(), "Frage 6 von 10"), "4")
    q = await choose(maria, expect(q, ADDED), "Ja")
    q = await choose(maria, expect(q, "Unterstützung"), "Nein, alles gut")
    expect(q, "Frage 9 von 10", REWORDED)
    await maria.send(OPEN_ANSWER)
    q = expect(await maria.next_message(), "Frage 10 von 10", "besser laufen")
    await maria.press("⏭ Überspringen", message=q)
    expect(await maria.wait_edit(q), "Ihre Antwort: übersprungen")
    expect(await maria.next_message(), "Vielen Dank. Ihre Antworten")
    query = await maria.press_data(f"sv:s:{survey_id}", message=q)
    assert "schon beantwortet" in (await answer_of(maria, query))["text"]

    # Emil stops half-way, continues through /survey, and asks for a new match.
    emil = cohort.emil
    q = await choose(emil, await start(emil, invitations[emil.id]), "6")
    await emil.send("/cancel")
    expect(await emil.next_message(), "Unterbrochen")
    await emil.send("/survey")
    resume = expect(await emil.next_message(), "Zwischenbilanz")
    await emil.press("▶️ Weiter beantworten", message=resume)
    q = expect(await emil.next_message(), "Frage 2 von 10")
    for label in ("3", "2", "Teilweise"):
        q = await choose(emil, q, label)
    await emil.send("2")
    q = await choose(emil, expect(await emil.next_message(), "Frage 6"), "2")
    q = await choose(emil, q, "Nein")
    q = await choose(emil, q, "Ja, ein neues Matching")
    await emil.press("⏭ Überspringen", message=q)
    q = expect(await emil.next_message(), "Frage 10 von 10")
    await emil.send("Mehr Zeit & <Ruhe>")
    expect(await emil.next_message(), "Wunsch erhalten")
    flag = expect(
        await coordinator.next_message(),
        f"Mentee {EMIL} wünscht",
        "neues Matching",
        "Zwischenbilanz",
    )
    assert flag.button_texts == ["Details"]

    # Strangers and participants cannot use the survey or the coordinators' buttons.
    for stranger in (cohort.outsider, cohort.pending):
        await stranger.send("/survey")
        expect(await stranger.next_message(), "keine Befragung")
        query = await stranger.press_data(f"sv:s:{survey_id}")
        assert "nicht für Sie" in (await answer_of(stranger, query))["text"]
    query = await maria.press_data(f"sk:c:{survey_id}:y")
    assert "Das darf nur" in (await answer_of(maria, query))["text"]
    await maria.send("/survey")
    expect(await maria.next_message(), "keine Befragung")

    # A week later only Eva, who has not answered, is reminded; once.
    await advance(app, clock, dt.timedelta(days=7))
    expect(await cohort.eva.next_message(), "Erinnerung", "Zwischenbilanz")
    for user in everyone:
        assert await user.collect() == []

    # The figures: /stats shows them per question and role, with the flags by name.
    await coordinator.send("/stats")
    chooser = await coordinator.next_message()  # two programs: choose one
    await coordinator.press(PROGRAM, message=chooser)
    expect(await coordinator.wait_edit(chooser), "Teilnehmende")
    results = expect(
        await coordinator.next_message(),
        "Abgeschlossen: 2 von 3",
        f"Wünschen ein neues Matching (1): {EMIL}",
        "Wünschen Unterstützung (0)",
        "Ø 7,5 (n = 2) · Mentorinnen und Mentoren Ø 9,0 · Mentees Ø 6,0",
        "Ja: 1 (Mentorinnen und Mentoren 1, Mentees 0)",
        "Teilweise: 1 (Mentorinnen und Mentoren 0, Mentees 1)",
        "1 Antwort,",
    )
    assert MARIA not in results.text

    # The export carries the same figures and the open answers without names.
    await coordinator.send("/export")
    chooser = expect(await coordinator.next_message(), "Für welches Programm", "Daten exportieren?")
    await coordinator.press(PROGRAM, message=chooser)
    documents = {}
    # Waits for the chart, the export's last file, not for a quiet chat: on a loaded machine
    # the pause before the files (the tables and the chart are built first) can exceed any gap.
    while "meetings-per-month.png" not in documents:
        message = await coordinator.next_message(15.0)
        if message.document is not None:
            documents[message.document.filename] = message.document.content
    answers = documents["survey_answers.csv"].decode("utf-8-sig")
    assert OPEN_ANSWER in answers and "Mehr Zeit & <Ruhe>" in answers
    assert "Maria" not in answers and "Emil" not in answers
    rows = list(
        csv.reader(io.StringIO(documents["survey_results.csv"].decode("utf-8-sig")), delimiter=";")
    )
    satisfaction = "Wie zufrieden sind Sie insgesamt mit Ihrem Tandem?"
    assert rows[1][:3] == ["Zwischenbilanz", "1", satisfaction]
    assert rows[1][3:6] == ["alle", "2", "7,5"]

    # Closing: no more answers, and the pending reminder rows are dropped.
    await coordinator.send("/survey")
    chooser = expect(await coordinator.next_message(), "Für welches Programm?")
    await coordinator.press(PROGRAM, message=chooser)
    listing = expect(await coordinator.wait_edit(chooser), "1 Befragung")
    await coordinator.press("1. Zwischenbilanz · läuft", message=listing)
    card = expect(await coordinator.wait_edit(listing), "Läuft seit", "abgeschlossen: 2")
    await coordinator.press("🔒 Befragung schließen", message=card)
    expect(await coordinator.wait_edit(card), "keine Antworten mehr möglich")
    await coordinator.press("🔒 Ja, schließen", message=card)
    expect(await coordinator.wait_edit(card), "Abgeschlossen.")
    query = await cohort.eva.press("▶️ Befragung starten", message=invitations[cohort.eva.id])
    assert "abgeschlossen" in (await answer_of(cohort.eva, query))["text"]

    async with db.session() as session:
        responses = (await session.scalars(select(SurveyResponse))).all()
        planned = await session.scalars(select(Reminder).where(Reminder.survey_id == survey_id))
        states = {(r.user_id, r.kind): r.state for r in planned}
    assert sorted((r.wants_support, r.wants_rematch) for r in responses) == [
        (False, False),
        (False, True),
    ]
    assert states[(cohort.eva.id, Kind.SURVEY_AGAIN)] == State.SENT
    assert states[(maria.id, Kind.SURVEY_AGAIN)] == State.SKIPPED
    assert refused_calls(api) == []


async def test_take_back_delete_final_questions_and_a_restart_mid_survey(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cohort = await seed(db, api)
    clock = FrozenClock(NOW)
    async with bot_running(settings, clock=clock) as app:
        # A draft can be deleted; a scheduled survey can be taken back until it goes out.
        card = await new_midterm(coordinator)
        await coordinator.press("🗑 Entwurf löschen", message=card)
        listing = expect(await coordinator.wait_edit(card), "Noch keine Befragungen")
        await coordinator.press("➕ Abschlussbefragung", message=listing)
        card = expect(
            await coordinator.wait_edit(listing),
            "Abschlussbefragung",
            "12 Fragen",
            "9. Würden Sie das Programm weiterempfehlen?",
            "10. Werden Sie mit Ihrer Tandempartnerin",
            "12. Was könnte besser laufen?",
        )
        await schedule_tomorrow_final(coordinator, card)
        card = expect(await coordinator.next_message(), "Geht hinaus am")
        await coordinator.press("↩️ Zurückziehen (wieder Entwurf)", message=card)
        card = expect(await coordinator.wait_edit(card), "Entwurf")
        await advance(app, clock, dt.timedelta(days=2))
        for user in (cohort.maria, cohort.emil, cohort.eva):
            assert await user.collect() == [], "taken back: nothing goes out"

        # Sent now; Eva has blocked the bot.
        cohort.eva.block()
        await coordinator.press("📤 Versenden …", message=card)
        ask = expect(await coordinator.next_message(), "an 3 aktive Teilnehmende")
        await coordinator.press("📤 Jetzt senden", message=ask)
        expect(await coordinator.wait_edit(ask), "geht jetzt an 3 Teilnehmende")
        card = expect(await coordinator.next_message(), "Läuft seit")
        invitation = expect(await cohort.maria.next_message(), "Abschlussbefragung", "12 kurze")
        expect(await cohort.emil.next_message(), "Abschlussbefragung")
        q = await choose(cohort.maria, await start12(cohort.maria, invitation), "8")
        expect(q, "Frage 2 von 12")
        # Editing is over once it has gone out, whatever an old screen offers.
        survey_id = await survey_id_of(db)
        query = await coordinator.press_data(f"sk:e:{survey_id}", message=card)
        assert "nur bei einem Entwurf" in (await answer_of(coordinator, query))["text"]
        await coordinator.press("🔄 Aktualisieren", message=card)
        expect(
            await coordinator.wait_edit(card),
            "Eingeladen: 3 · erreicht: 2 · nicht erreichbar: 1",
            "Begonnen: 1 · abgeschlossen: 0",
        )

        # Approved after the survey went out: Paula is asked too, once.
        async with db.session() as session:
            paula = (
                await session.scalars(
                    select(Participant).where(Participant.user_id == cohort.pending.id)
                )
            ).one()
        await coordinator.press_data(f"pp:s:{paula.id}:active", message=card)
        expect(await cohort.pending.next_message(), "freigegeben")
        expect(await cohort.pending.next_message(), "Abschlussbefragung", "12 kurze")
        assert await cohort.pending.collect() == []

    # The bot restarts while Maria is at question 2; her answer so far and her place survive.
    async with bot_running(settings, clock=clock):
        await cohort.maria.press("4", message=q)
        expect(await cohort.maria.wait_edit(q), "Ihre Antwort: 4")
        expect(await cohort.maria.next_message(), "Frage 3 von 12")
    async with db.session() as session:
        answered = (await session.scalars(select(SurveyResponse))).one()
    assert answered.answers == {"satisfaction": 8, "fit": 4}
    assert answered.completed_at is None
    assert refused_calls(api) == []
    # A refresh that changes nothing is not an error (Telegram: "message is not modified").
    errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name.startswith("bot")]
    assert errors == []


async def schedule_tomorrow_final(coordinator: FakeUser, card: BotMessage) -> None:
    await coordinator.press("📤 Versenden …", message=card)
    expect(await coordinator.next_message(), "an 3 aktive Teilnehmende")
    await coordinator.send("morgen 9 Uhr")
    confirm = expect(await coordinator.next_message(), "Di., 2. März 2027, 09:00 Uhr")
    await coordinator.press("✅ Ja, so planen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "an 3 Teilnehmende")


async def start12(user: FakeUser, invitation: BotMessage) -> BotMessage:
    await user.press("▶️ Befragung starten", message=invitation)
    return expect(await user.next_message(), "Frage 1 von 12", "Wie zufrieden")


async def test_approved_after_the_survey_went_out_gets_it_while_it_is_open(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    """Paula is approved ten days after the mid-term review went out (after the others'
    reminder): she is asked too, once, and reminded a week after she was asked."""
    app = bot_at
    cohort = await seed(db, api)
    card = await new_midterm(coordinator)
    await schedule_tomorrow(coordinator, card)
    await advance(app, clock, dt.timedelta(days=1, minutes=1))
    for user in (cohort.maria, cohort.emil, cohort.eva):
        expect(await user.next_message(), "Zwischenbilanz", PROGRAM)
    await advance(app, clock, dt.timedelta(days=9))
    for user in (cohort.maria, cohort.emil, cohort.eva):
        expect(await user.next_message(), "Zwischenbilanz")  # the reminder
    assert await cohort.pending.collect() == []

    async with db.session() as session:
        paula = (
            await session.scalars(
                select(Participant).where(Participant.user_id == cohort.pending.id)
            )
        ).one()
    await coordinator.press_data(f"pp:s:{paula.id}:active")
    expect(await cohort.pending.next_message(), "wurde freigegeben")
    invitation = expect(await cohort.pending.next_message(), "Zwischenbilanz", PROGRAM)
    assert await cohort.pending.collect() == [], "the invitation only, no reminder with it"
    await advance(app, clock, dt.timedelta(days=6))
    assert await cohort.pending.collect() == []
    await advance(app, clock, dt.timedelta(days=1, minutes=1))
    reminder = expect(await cohort.pending.next_message(), "Zwischenbilanz")
    assert reminder.text != invitation.text
    await start(cohort.pending, reminder)
    assert refused_calls(api) == []
