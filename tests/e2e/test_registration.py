"""A mentor and a mentee register in the chat; coordinators see and decide."""

from __future__ import annotations

from sqlalchemy import func, select

from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Dialog, Participant, User
from tests.e2e.harness import Profile, expect, register


async def test_mentor_and_mentee_register_and_coordinator_approves(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    mentor = api.add_user(1001, "Anna", username="anna_s", language_code="de")
    mentee = api.add_user(1002, "Ben", username="ben", language_code="en-GB")

    done = await register(mentor, code, Profile(company="<Müller & Söhne>"))
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
            topics=["Konfliktmanagement"],
            custom_topics=["Agile Führung"],
            meeting_format="online",
        ),
        language="en",
    )
    expect(done, "Thank you", "has been received")

    notes = await coordinator.collect(timeout=0.3)
    new = sorted((m for m in notes if "Neue Anmeldung" in m.text), key=lambda m: "Ben" in m.text)
    assert len(new) == 2 and "Anna Schmidt" in new[0].text and "Ben Becker" in new[1].text
    assert "<Müller & Söhne>" in new[0].text  # shown verbatim ...
    assert "&lt;Müller &amp; Söhne&gt;" in new[0].raw_text  # ... because it was escaped

    async with db.session() as session:
        rows = (await session.scalars(select(Participant).order_by(Participant.id))).all()
        assert [(p.user_id, p.role, p.status) for p in rows] == [
            (1001, "mentor", "pending"),
            (1002, "mentee", "pending"),
        ]
        assert rows[0].company == "<Müller & Söhne>"
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
