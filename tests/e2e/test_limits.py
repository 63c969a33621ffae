"""Limits Telegram enforces: list messages arrive whatever the names, and an empty proposal
cannot be approved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from fake_bot_api import FakeBotApi, FakeUser
from storage import events
from storage.db import Database
from storage.models import MatchProposal, Tandem
from tests.e2e.harness import answer_of, expect, refused_calls
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
PROGRAM = "Salzgitter 2027"


def long_name(index: int) -> str:
    """100 characters with markup-like text, an ampersand and an emoji (two UTF-16 units)."""
    head = f"<b>Dr.</b> Müller & Söhne 🎓 Teilnehmerin Nummer {index:03d} "
    return (head + "x" * 100)[:100]


async def seed_cohort(db: Database, count: int = 45) -> int:
    program_id = await seed_program(db, NOW, PROGRAM)
    for index in range(count):
        await seed_participant(
            db,
            program_id,
            5000 + index,
            long_name(index),
            NOW,
            role="mentor" if index % 2 else "mentee",
        )
    return program_id


async def test_event_card_with_45_long_names_arrives(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    program_id = await seed_cohort(db)
    async with db.session() as session:
        event = await events.create(
            session,
            program_id=program_id,
            kind="kickoff",
            title="Auftakt",
            starts_at=NOW + dt.timedelta(days=20),
            place="Rathaus",
            created_by=coordinator.id,
            now=NOW,
        )
        event_id = event.id
    await coordinator.send("/events")
    listing = expect(await coordinator.next_message(), "Veranstaltungen:", PROGRAM)
    await coordinator.press(f"ek:v:{event_id}", message=listing)
    card = expect(await coordinator.wait_edit(listing), "Auftakt", "Ohne Antwort (45)")
    assert long_name(0) in card.text  # verbatim: escaped, not read as markup
    assert "weitere" in card.text and len(card.text) <= 4096
    assert "🔄 Aktualisieren" in card.button_texts
    assert refused_calls(api) == []


async def test_certificates_overview_with_45_long_names_arrives(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    await seed_cohort(db)
    await coordinator.send("/certificates")
    overview = expect(
        await coordinator.next_message(), "Noch nicht erfüllt, Treffen bisher (45)", "weitere"
    )
    assert f"{long_name(0)} (0/6)" in overview.text and len(overview.text) <= 4096
    assert refused_calls(api) == []


async def test_a_proposal_without_tandems_offers_no_approval(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    program_id = await seed_program(db, NOW, PROGRAM)
    # Everyone works for the same employer: no tandem is allowed.
    for index, role in enumerate(("mentor", "mentee", "mentee")):
        await seed_participant(
            db, program_id, 6000 + index, f"Person {index}", NOW, role=role, company="Alstom"
        )
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "Matching-Vorschlag", "0 von 2")
    assert "✅ Alle übernehmen" not in proposal.button_texts
    async with db.session() as session:
        row = (await session.scalars(select(MatchProposal))).one()
        proposal_id, version = row.id, row.version
    for action in ("ok", "now"):
        query = await coordinator.press_data(
            f"mt:{proposal_id}:{version}:{action}", message=proposal
        )
        answer = await answer_of(coordinator, query)
        assert "keine Tandems" in answer["text"], answer
    await api.wait_idle()
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tandem)) == 0
        row = (await session.scalars(select(MatchProposal))).one()
        assert row.status == "draft"
