"""Reviewing registrations through the Bot API stand-in: "approve all" with one decided
meanwhile, a rejection asked about first and given a reason the person reads (escaped), and the
program team correcting a participant's profile (the participant told); forged presses refused.

Names and texts carry `<b>` and `&`: the stand-in rejects broken HTML with 400, and every test
ends by checking that Telegram refused nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.programs import ParticipantStatus
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import companies
from storage.db import Database
from storage.models import AuditEntry, Dialog, Participant, Program, Reminder
from tests.e2e.harness import answer_of, expect, refused_calls
from tests.seeding import seed_participant

NOW = dt.datetime.now(dt.UTC)
REASON = "Leider <b>voll</b> & ausgebucht"
REFUSED = "Das darf nur"


async def program_id(db: Database) -> int:
    async with db.session() as session:
        return (await session.scalars(select(Program.id))).one()


async def program_card(coordinator: FakeUser) -> BotMessage:
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await coordinator.press(listing.button_texts[0], message=listing)
    return await coordinator.wait_edit(listing)


async def participant_card(coordinator: FakeUser, status: str, name: str) -> BotMessage:
    card = await program_card(coordinator)
    await coordinator.press(
        next(b for b in card.button_texts if b.startswith(status)), message=card
    )
    people = await coordinator.wait_edit(card)
    await coordinator.press(
        next(b for b in people.button_texts if b.startswith(name)), message=people
    )
    return await coordinator.wait_edit(people)


async def test_all_pending_approved_at_once_one_decided_meanwhile(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    program = await program_id(db)
    users = [api.add_user(2001 + i, f"P{i}") for i in range(3)]
    ids = [
        await seed_participant(db, program, u.id, f"Person <b>{i}</b> & Co", NOW, status="pending")
        for i, u in enumerate(users)
    ]
    card = await program_card(coordinator)
    await coordinator.press("✅ Alle offenen freigeben (3)", message=card)
    confirm = expect(await coordinator.wait_edit(card), "3 Anmeldungen freigeben?")
    async with db.session() as session:  # another coordinator rejects one meanwhile
        row = await session.get(Participant, ids[1])
        assert row is not None
        row.status = ParticipantStatus.REJECTED
    await coordinator.press("Ja, alle 3 freigeben", message=confirm)
    done = expect(
        await coordinator.wait_edit(confirm),
        "2 Anmeldungen freigegeben, 1 inzwischen entschieden",
        "Teilnehmende: 0 offen, 2 aktiv",
    )
    assert not [b for b in done.button_texts if "Alle offenen" in b], "nothing left to approve"
    for user in (users[0], users[2]):
        expect(await user.next_message(), "wurde freigegeben")
    assert await users[1].collect() == []
    async with db.session() as session:
        statuses = {p.id: p.status for p in (await session.scalars(select(Participant))).all()}
    assert [statuses[i] for i in ids] == ["active", "rejected", "active"]
    assert refused_calls(api) == []


async def test_a_rejection_asks_first_and_the_reason_reaches_the_person_escaped(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    program = await program_id(db)
    paula, otto = api.add_user(2001, "Paula"), api.add_user(2002, "Otto")
    await seed_participant(db, program, paula.id, "Paula <Neu> & Co", NOW, status="pending")
    await seed_participant(db, program, otto.id, "Otto Ohne", NOW, status="pending")
    card = await participant_card(coordinator, "Offen", "Paula")
    await coordinator.press("❌ Ablehnen", message=card)
    confirm = expect(
        await coordinator.wait_edit(card), "Anmeldung von Paula <Neu> & Co", "ablehnen?"
    )
    assert "Paula &lt;Neu&gt; &amp; Co" in confirm.raw_text
    await coordinator.press("✍️ Mit Begründung ablehnen", message=confirm)
    expect(await coordinator.next_message(), "höchstens 500 Zeichen", "„-“")
    await coordinator.send("x" * 501)
    expect(await coordinator.next_message(), "höchstens 500 Zeichen")
    assert await paula.collect() == [], "nothing decided yet"
    await coordinator.send(REASON)
    expect(await coordinator.next_message(), "Abgelehnt", "Status: abgelehnt")
    told = expect(
        await paula.next_message(),
        "nicht berücksichtigt",
        f"Begründung der Programmleitung: {REASON}",
    )
    assert "Leider &lt;b&gt;voll&lt;/b&gt; &amp; ausgebucht" in told.raw_text
    assert told.text.index("Begründung") < told.text.index("Bei Fragen"), "reason, then whom to ask"

    # Without a reason: the plain button, and the message says nothing of one.
    card = await participant_card(coordinator, "Offen", "Otto")
    await coordinator.press("❌ Ablehnen", message=card)
    await coordinator.press("❌ Ablehnen", message=await coordinator.wait_edit(card))
    plain = expect(await otto.next_message(), "nicht berücksichtigt")
    assert "Begründung" not in plain.text
    await api.wait_idle()

    # The reason was sent and is kept nowhere: not in the notice row, the audit or a dialog.
    async with db.session() as session:
        stored = [
            *[str(r.payload) for r in (await session.scalars(select(Reminder))).all()],
            *[str(a.detail) for a in (await session.scalars(select(AuditEntry))).all()],
            *[str(d.data) for d in (await session.scalars(select(Dialog))).all()],
            *[str(p.__dict__) for p in (await session.scalars(select(Participant))).all()],
        ]
    assert not [s for s in stored if "ausgebucht" in s]
    assert refused_calls(api) == []


async def test_the_program_team_corrects_a_profile_and_the_person_is_told(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    program = await program_id(db)
    paula = api.add_user(2001, "Paula")
    await seed_participant(db, program, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    person = await seed_participant(db, program, paula.id, "Paula Neu", NOW, company="VW")
    card = await participant_card(coordinator, "Aktiv", "Paula")
    await coordinator.press("✏️ Angaben bearbeiten", message=card)
    menu = expect(await coordinator.wait_edit(card), "Welche Angabe von Paula Neu")
    await coordinator.press("✏️ Position", message=menu)
    expect(await coordinator.next_message(), "Position", "höchstens 120 Zeichen")
    await coordinator.send("x" * 121)
    expect(await coordinator.next_message(), "höchstens 120")
    expect(await coordinator.next_message(), "Position")  # asked again
    await coordinator.send("Leiterin <b>Einkauf</b> & Co")
    saved = expect(await coordinator.next_message(), "„Position“ von Paula Neu geändert")
    told = expect(
        await paula.next_message(),
        "Die Programmleitung",
        "hat Ihre Angabe „Position“ geändert: Leiterin <b>Einkauf</b> & Co",
    )
    assert "Leiterin &lt;b&gt;Einkauf&lt;/b&gt; &amp; Co" in told.raw_text

    # A company: asked "Meinten Sie …?" and linked to the directory's employer.
    await coordinator.press("✏️ Angaben bearbeiten", message=saved)
    menu = await coordinator.wait_edit(saved)
    await coordinator.press("✏️ Unternehmen", message=menu)
    await coordinator.next_message()
    await coordinator.send("Volkswagen AG Werk Salzgitter")
    question = expect(await coordinator.next_message(), "Meinten Sie")
    await coordinator.press("Volkswagen AG", message=question)
    expect(await coordinator.next_message(), "„Unternehmen“ von Paula Neu geändert")
    expect(await paula.next_message(), "„Unternehmen“ geändert: Volkswagen AG")
    async with db.session() as session:
        row = await session.get(Participant, person)
        vw = await companies.find(session, "Volkswagen AG")
        assert row is not None and vw is not None
        assert (row.company, row.company_id, row.position) == (
            "Volkswagen AG",
            vw.id,
            "Leiterin <b>Einkauf</b> & Co",
        )
        edits = (
            await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "participant_edited")
            )
        ).all()
        assert [e["field"] for e in edits] == ["position", "company"]

    # Forged: the participant presses the coordinators' buttons; a coordinator a field not offered.
    for data in (f"pp:ed:{person}", f"pp:ef:{person}:position", f"pg:aay:{program}:{person}:1"):
        answer = await answer_of(paula, await paula.press_data(data))
        assert answer["show_alert"] and REFUSED in answer["text"], (data, answer)
    answer = await answer_of(coordinator, await coordinator.press_data(f"pp:ef:{person}:role"))
    assert "nicht mehr aktuell" in answer.get("text", ""), answer
    async with db.session() as session:
        assert (await session.scalars(select(Dialog))).all() == []
    assert refused_calls(api) == []


async def test_the_card_links_to_the_persons_chat(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    """The contact on a participant's card opens the chat, named by the person (escaped): a bare
    Telegram id, as it was shown without a username, reached nobody."""
    program = await program_id(db)
    paula = api.add_user(2001, "Paula")
    await seed_participant(db, program, paula.id, "Paula <b>Neu</b>", NOW, status="pending")
    card = await participant_card(coordinator, "Offen", "Paula")
    assert 'Kontakt: <a href="tg://user?id=2001">Paula &lt;b&gt;Neu&lt;/b&gt;</a> · ' in (
        card.raw_text
    )
