"""A mentor and a mentee register in the chat; coordinators see and decide."""

from __future__ import annotations

from sqlalchemy import func, select

from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Dialog, Participant, User
from tests.e2e.harness import Profile, expect, next_with_buttons, register


async def test_mentor_and_mentee_register_and_coordinator_approves(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    mentor = api.add_user(1001, "Anna", username="anna_s", language_code="de")
    mentee = api.add_user(1002, "Ben", username="ben", language_code="en-GB")

    done = await register(mentor, code, Profile(company="<Müller & Söhne>", form_of_address="f"))
    expect(done, "Vielen Dank", "Cross-Mentoring Salzgitter 2027")
    done = await register(
        mentee,
        code,
        Profile(
            role="mentee",
            name="Ben Becker",
            company="Braunschweigische Landessparkasse",
            industry="Bank",
            position="Teamleiter",
            topics=["Konfliktmanagement"],  # pressed as "Conflict management" (harness)
            custom_topics=["Agile Führung"],
            meeting_format="online",
        ),
        language="en",
    )
    expect(done, "Thank you", "has been received")

    notes = await coordinator.collect(timeout=0.3)
    new = sorted((m for m in notes if "Neue Anmeldung" in m.text), key=lambda m: "Ben" in m.text)
    assert len(new) == 2 and "Anna Schmidt" in new[0].text and "Ben Becker" in new[1].text
    assert "Mentorin: Anna Schmidt" in new[0].text  # her form of address, no "Mentorin/Mentor"
    assert "Mentee: Ben Becker" in new[1].text
    assert "<Müller & Söhne>" in new[0].text  # shown verbatim ...
    assert "&lt;Müller &amp; Söhne&gt;" in new[0].raw_text  # ... because it was escaped

    async with db.session() as session:
        rows = (await session.scalars(select(Participant).order_by(Participant.id))).all()
        assert [(p.user_id, p.role, p.status) for p in rows] == [
            (1001, "mentor", "pending"),
            (1002, "mentee", "pending"),
        ]
        assert rows[0].company == "<Müller & Söhne>"
        # Stored by its stable (German) name, shown in each reader's language; her own topic
        # keeps her wording.
        assert rows[1].topics == ["Konfliktmanagement", "Agile Führung"]
        assert rows[1].meeting_format == "online"
        assert all(p.consent_at is not None for p in rows)
        assert await session.scalar(select(func.count()).select_from(Dialog)) == 0
        ben = await session.get(User, 1002)
        assert ben is not None and ben.language == "en"

    # Approve Ben straight from the notification.
    await coordinator.press("✅ Freigeben", message=new[1])
    approved = await mentee.next_message()
    expect(approved, "approved")
    async with db.session() as session:
        ben_row = await session.scalar(select(Participant).where(Participant.user_id == 1002))
        assert ben_row is not None and ben_row.status == "active"
        assert ben_row.decided_by == coordinator.id


async def test_form_of_address_is_asked_and_used_when_writing_about_a_person(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    """Registration asks how a person wants to be written about; the partner's introduction
    then says "Ihre Mentorin Petra Schulz" and "Ihr Mentee Ben Becker"; /profile changes it."""
    petra = api.add_user(1101, "Petra", username="petra", language_code="de")
    ben = api.add_user(1102, "Ben", username="ben", language_code="de")

    await petra.send(f"/start {code}")
    await petra.press("✅ Ich stimme zu", message=await petra.next_message())
    await petra.next_message()  # welcome
    await petra.press("Mentorin oder Mentor", message=await petra.next_message())
    for value in ("Petra Schulz", "Alstom", "Bahntechnik", "Bereichsleiterin"):
        await petra.next_message()
        await petra.send(value)
    topics = await petra.next_message()
    await petra.press("Feedback", message=topics)
    await petra.press("rg:td", message=topics)
    await petra.next_message()
    await petra.send("Erfahrung weitergeben.")
    await petra.press("Persönlich oder online", message=await petra.next_message())
    ask = expect(await petra.next_message(), "angesprochen")
    assert ask.button_texts == ["Frau", "Herr", "Neutral / keine Angabe"]
    await petra.send("Frau")  # a typed answer is not taken: the buttons decide
    expect(await petra.next_message(), "Schaltflächen")
    ask = await next_with_buttons(petra)
    await petra.press("Frau", message=ask)
    summary = expect(await petra.next_message(), "Anrede: Frau")
    await petra.press("✅ Anmeldung absenden", message=summary)
    expect(await petra.next_message(), "Vielen Dank")

    await register(
        ben,
        code,
        Profile(role="mentee", name="Ben Becker", company="WIS", form_of_address="m"),
    )
    async with db.session() as session:
        rows = (await session.scalars(select(Participant).order_by(Participant.id))).all()
        assert [(p.name, p.form_of_address) for p in rows] == [
            ("Petra Schulz", "f"),
            ("Ben Becker", "m"),
        ]

    notes = [m for m in await coordinator.collect(timeout=0.3) if "Neue Anmeldung" in m.text]
    for note in notes:
        await coordinator.press("✅ Freigeben", message=note)
    await petra.next_message()  # approved
    await ben.next_message()
    await coordinator.collect(timeout=0.2)
    await coordinator.send("/match")
    proposal = await coordinator.next_message()
    await coordinator.press("✅ Alle übernehmen", message=proposal)
    ask = await coordinator.wait_edit(proposal)
    await coordinator.press("Jetzt vorstellen", message=ask)

    to_ben = expect(await ben.next_message(), "Ihr Tandem steht", "Ihre Mentorin ist Petra Schulz")
    assert "bzw." not in to_ben.text
    expect(await petra.next_message(), "Ihr Tandem steht", "Ihr Mentee ist Ben Becker")
    agreement = expect(await ben.next_message(), "Tandemvereinbarung")
    petra_agreement = expect(await petra.next_message(), "Tandemvereinbarung")
    await ben.press("✅ Vereinbarung bestätigen", message=agreement)
    expect(await ben.next_message(), "Bestätigung von Ihrer Mentorin Petra Schulz.")

    # Petra changes her form of address in /profile; from now on Ben reads her name only.
    await petra.send("/profile")
    card = expect(await petra.next_message(), "Anrede: Frau")
    await petra.press("✏️ Anrede", message=card)
    ask = expect(await petra.next_message(), "angesprochen")
    await petra.press("Neutral / keine Angabe", message=ask)
    expect(await petra.next_message(), "Gespeichert")
    expect(await petra.next_message(), "Anrede: Neutral / keine Angabe")
    async with db.session() as session:
        row = await session.scalar(select(Participant).where(Participant.user_id == 1101))
        assert row is not None and row.form_of_address == "n"
    await petra.press("✅ Vereinbarung bestätigen", message=petra_agreement)
    expect(await petra.next_message(), "Sie und Ihr Mentee Ben Becker haben")
    expect(await ben.next_message(), "Sie und Petra Schulz haben")
