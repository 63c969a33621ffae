"""A participant's own controls, end to end: /pause and /resume of reminders and nudges."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import select

from bot.app import AnyApplication
from core.clock import FrozenClock
from core.meetings import Outcome
from core.reminders import Kind, Planned
from fake_bot_api import FakeBotApi, FakeUser
from storage import reminders
from storage.db import Database
from storage.models import (
    AuditEntry,
    Meeting,
    MeetingFeedback,
    Participant,
    Program,
    Reminder,
    Tandem,
    User,
)
from tests.e2e.harness import advance, answer_of, expect
from tests.e2e.tandems import seed_pair
from tests.seeding import seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


async def test_pause_skips_nudges_until_resume(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await pair.mentee.send("/resume")
    expect(await pair.mentee.next_message(), "sind eingeschaltet")
    await pair.mentee.send("/pause")
    expect(await pair.mentee.next_message(), "pausiert", "/resume")
    await pair.mentee.send("/pause")
    expect(await pair.mentee.next_message(), "bereits pausiert")

    # Five weeks without a meeting: the mentor is nudged, the paused mentee is not.
    await advance(bot_at, clock, 35 * DAY)
    expect(await pair.mentor.next_message(), "noch kein Treffen")
    assert await pair.mentee.collect() == []

    await pair.mentee.send("/resume")
    expect(await pair.mentee.next_message(), "wieder eingeschaltet", "nicht nachgeholt")
    assert await pair.mentee.collect() == [], "what was skipped is not sent afterwards"

    # Two weeks later both are nudged again; the coordinators hear of the quiet tandem either way.
    await advance(bot_at, clock, 14 * DAY)
    expect(await pair.mentee.next_message(), "noch kein Treffen")
    expect(await pair.mentor.next_message(), "noch kein Treffen")
    expect(await coordinator.next_message(), "Tandem gefährdet")

    for _ in range(200):  # a row is finished just after its message was answered
        async with db.session() as session:
            rows = (await session.scalars(select(Reminder).where(Reminder.kind == "nudge"))).all()
            mentee = await session.get(User, pair.mentee.id)
        if all(r.state != "sending" for r in rows):
            break
        await asyncio.sleep(0.01)
    states = sorted((r.user_id == pair.mentee.id, r.key.split(".")[2], r.state) for r in rows)
    assert states == [
        (False, "n1", "sent"),
        (False, "n2", "sent"),
        (True, "n1", "skipped"),
        (True, "n2", "sent"),
    ]
    assert mentee is not None and mentee.paused_at is None


async def test_pause_before_registering(api: FakeBotApi, bot_at: AnyApplication) -> None:
    stranger = api.add_user(7777, "Sam")
    await stranger.send("/pause")
    expect(await stranger.next_message(), "noch nicht angemeldet")


async def test_mydata_sends_everything_about_me_and_nothing_about_my_partner(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await pair.mentor.send("/pause")
    await pair.mentor.next_message()
    await pair.mentor.send("/mydata")
    message = await pair.mentor.next_message()
    assert message.document is not None and message.document.filename == "tandem-data.json"
    expect(message, "Alles, was Tandem über Sie speichert")
    exported = json.loads(message.document.content)
    assert exported["user_id"] == pair.mentor.id
    data = exported["data"]
    [me] = data["participants"]
    assert me["name"] == "Maria <b>Mentor</b> & Co" and me["company"] == "Alstom"
    assert data["users"][0]["paused_at"] is not None
    assert [t["id"] for t in data["tandems"]] == [pair.tandem_id]
    assert data["tandem_partners"] == [
        {"participant_id": pair.mentee_participant, "name": "Emil Mentee"}
    ]
    assert {a["action"] for a in data["audit_log"]} == {"paused"}
    assert "WIS" not in message.document.content.decode(), "the partner's company is theirs"

    stranger = api.add_user(7778, "Sam")
    await stranger.send("/mydata")
    expect(await stranger.next_message(), "nichts gespeichert")


async def test_deleteme_erases_tells_the_partner_and_keeps_anonymous_counts(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    async with db.session() as session:
        past = Meeting(
            tandem_id=pair.tandem_id,
            status="confirmed",
            starts_at=NOW - 10 * DAY,
            ends_at=NOW - 10 * DAY + dt.timedelta(hours=2),
            online=False,
            proposed_by=pair.mentee.id,
            version=0,
            outcome=Outcome.HELD,
            created_at=NOW - 20 * DAY,
            updated_at=NOW - 20 * DAY,
            confirmed_at=NOW - 19 * DAY,
        )
        upcoming = Meeting(
            tandem_id=pair.tandem_id,
            status="confirmed",
            starts_at=NOW + 10 * DAY,
            ends_at=NOW + 10 * DAY + dt.timedelta(hours=2),
            online=True,
            proposed_by=pair.mentee.id,
            version=0,
            created_at=NOW,
            updated_at=NOW,
            confirmed_at=NOW,
        )
        session.add_all([past, upcoming])
        await session.flush()
        session.add(
            MeetingFeedback(
                meeting_id=past.id,
                participant_id=pair.mentee_participant,
                took_place=Outcome.HELD,
                rating=5,
                comment="Mein Chef & ich <geheim>",
                created_at=NOW - 9 * DAY,
                answered_at=NOW - 9 * DAY,
            )
        )
        soon = [
            Planned(Kind.MEETING_SOON, NOW + 9 * DAY, u.id, f"m{upcoming.id}.soon.u{u.id}")
            for u in (pair.mentor, pair.mentee)
        ]
        await reminders.plan(session, soon, now=NOW, meeting_id=upcoming.id)
        past_id, upcoming_id = past.id, upcoming.id

    emil = pair.mentee
    await emil.send("/deleteme")
    confirm = expect(await emil.next_message(), "Ihre Daten löschen?", "nicht rückgängig")
    await emil.press("Abbrechen", message=confirm)
    expect(await emil.wait_edit(confirm), "Nichts gelöscht")
    await emil.send("/deleteme")
    confirm = await emil.next_message()
    await emil.press("🗑 Ja, endgültig löschen", message=confirm)
    expect(await emil.wait_edit(confirm), "Ihre Daten sind gelöscht", "/start")

    expect(
        await pair.mentor.next_message(),
        "Emil Mentee hat die Teilnahme",
        "Tandem ist damit beendet",
        "abgesagt",
    )
    expect(
        await coordinator.next_message(),
        "Emil Mentee (",
        "eigenen Daten gelöscht",
        "Beendetes Tandem mit: Maria <b>Mentor</b> & Co",
    )

    async with db.session() as session:
        assert await session.get(User, emil.id) is None
        erased = await session.get(Participant, pair.mentee_participant)
        assert erased is not None
        assert (erased.user_id, erased.name, erased.company, erased.goals) == (None, "–", "", "")
        assert erased.status == "left" and erased.erased_at is not None
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None and (tandem.status, tandem.dissolve_reason) == (
            "dissolved",
            "erased",
        )
        assert (await session.get(Meeting, past_id)).status == "confirmed"  # type: ignore[union-attr]
        assert (await session.get(Meeting, upcoming_id)).status == "cancelled"  # type: ignore[union-attr]
        feedback = (await session.scalars(select(MeetingFeedback))).one()
        assert (feedback.rating, feedback.comment) == (5, None)
        rows = (await session.scalars(select(Reminder).where(Reminder.kind != "notice"))).all()
        assert [(r.user_id, r.state) for r in rows] == [(pair.mentor.id, "cancelled")]
        audit = (await session.scalars(select(AuditEntry))).all()
        assert all(a.user_id != emil.id for a in audit)
    # Anonymous counts stay: the held meeting is still a held meeting of the program.
    await coordinator.send("/stats")
    expect(await coordinator.next_message(), "1 stattgefunden")

    # A second press on the old button, /mydata, and the coordinators' buttons: nothing left.
    query = await emil.press_data("dm:y", message=confirm)
    await answer_of(emil, query)
    assert await emil.collect() == [] and await pair.mentor.collect() == []
    await emil.send("/mydata")
    expect(await emil.next_message(), "nichts gespeichert")
    query = await coordinator.press_data(f"pp:v:{pair.mentee_participant}")
    assert "Daten gelöscht" in (await answer_of(coordinator, query))["text"]

    # The invitation link begins from scratch: the privacy notice and consent, as for anyone new.
    async with db.session() as session:
        invite = await session.scalar(
            select(Program.invite_code).where(Program.id == pair.program_id)
        )
    await emil.send(f"/start {invite}")
    expect(await emil.next_message(), "Datenschutzhinweis", "Stimmen Sie der Speicherung zu?")


async def test_purge_deletes_only_programs_past_their_retention(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    old_id = await seed_program(db, NOW, "Jahrgang <2024> & alt")
    async with db.session() as session:
        old = await session.get(Program, old_id)
        assert old is not None
        old.starts_on, old.ends_on = dt.date(2024, 3, 1), dt.date(2025, 2, 28)
    old_pair = await seed_pair(db, api, NOW, program_id=old_id, base=3000)
    current = await seed_pair(db, api, NOW, base=4000)
    async with db.session() as session:
        await reminders.plan(
            session,
            [Planned(Kind.NUDGE, NOW + DAY, old_pair.mentor.id, "nudge.old")],
            now=NOW,
            tandem_id=old_pair.tandem_id,
        )

    await coordinator.send("/purge")
    listing = expect(await coordinator.next_message(), "mehr als 12 Monaten beendet")
    assert listing.button_texts == ["🗑 Jahrgang <2024> & alt (Ende 28.02.2025)"]
    query = await coordinator.press_data(f"pu:y:{current.program_id}", message=listing)
    assert "erst ab 28.02.2029" in (await answer_of(coordinator, query))["text"]

    await coordinator.press("🗑 Jahrgang <2024> & alt (Ende 28.02.2025)", message=listing)
    confirm = expect(
        await coordinator.wait_edit(listing), "mit allen Daten löschen", "2 Anmeldungen"
    )
    await coordinator.press("🗑 Ja, endgültig löschen", message=confirm)
    expect(
        await coordinator.wait_edit(confirm),
        "Jahrgang <2024> & alt",
        "ist gelöscht: 2 Anmeldungen, 1 Tandem,",
    )

    async with db.session() as session:
        assert await session.get(Program, old_id) is None
        assert await session.get(Tandem, old_pair.tandem_id) is None
        assert await session.get(User, old_pair.mentor.id) is None
        assert (await session.scalars(select(Reminder))).all() == []
        assert await session.get(Tandem, current.tandem_id) is not None
        assert await session.get(User, current.mentor.id) is not None
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "program_purged"))
        ).all()
        assert entry.detail == {"program": old_id, "participants": 2, "tandems": 1, "meetings": 0}

    # The other program is not due for years: nothing more to purge.
    await coordinator.send("/purge")
    expect(await coordinator.next_message(), "nichts zu löschen")
