"""Matching in the chat: proposal, adjustments, approval, introductions, and what follows."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.app import AnyApplication
from bot.settings import Settings
from core.clock import FrozenClock
from core.programs import ParticipantStatus
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import participants, programs, rounds, users
from storage.db import Database
from storage.models import AuditEntry, MatchProposal, Tandem
from tests.e2e.harness import answer_of, bot_running, expect

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@dataclass
class Seeded:
    program_id: int
    ids: dict[str, int]  # name -> participant id


SPARKASSE = "Braunschweigische Landessparkasse"
PEOPLE = [
    # name, role, company, industry, position, topics, format
    ("Maria Mentor", "mentor", "Alstom", "Bahntechnik", "Bereichsleiterin",
     ["Kommunikation", "Feedback"], "both"),
    ("Martin Mentor", "mentor", SPARKASSE, "Bank", "Abteilungsleiter",
     ["Netzwerken", "Karriereplanung"], "both"),
    ("Mona Mentor", "mentor", "Salzgitter AG", "Stahl", "Geschäftsführerin",
     ["Konfliktmanagement"], "in_person"),
    ("Emil Mentee", "mentee", "Alstom", "Bahntechnik", "Teamleiter",
     ["Kommunikation", "Karriereplanung"], "both"),
    ("Eva Mentee", "mentee", SPARKASSE, "Bank", "Gruppenleiterin", ["Feedback"], "both"),
    ("Ella Mentee", "mentee", "WIS", "Wirtschaftsförderung", "Projektleiterin",
     ["Konfliktmanagement", "Netzwerken"], "both"),
]  # fmt: skip


async def seed(
    db: Database,
    api: FakeBotApi,
    people: Sequence[Sequence[object]] = PEOPLE,
    program_id: int | None = None,
) -> Seeded:
    """Approved participants, put straight into the database: registration has its own tests."""
    ids: dict[str, int] = {}
    base = 1000 + len(api.users)
    async with db.session() as session:
        if program_id is None:
            program = await programs.create(
                session,
                name="Cross-Mentoring Salzgitter 2027",
                starts_on=dt.date(2027, 3, 11),
                ends_on=dt.date(2028, 3, 10),
                timezone="Europe/Berlin",
                created_by=9001,
                now=NOW,
            )
            program_id = program.id
        for index, (name, role, company, industry, position, topics, fmt) in enumerate(people):
            user_id = base + index
            first = str(name).split()[0]
            await users.upsert(
                session,
                user_id=user_id,
                identity=users.Identity(first, username=first.lower()[:32]),  # Telegram allows 32
                now=NOW,
                language="de",
            )
            row = await participants.create_from_draft(
                session,
                program_id=program_id,
                user_id=user_id,
                draft={
                    "role": role,
                    "name": name,
                    "company": company,
                    "industry": industry,
                    "position": position,
                    "topics": topics,
                    "goals": "Wachsen.",
                    "meeting_format": fmt,
                },
                consent_at=NOW,
                now=NOW,
            )
            row.status = ParticipantStatus.ACTIVE
            ids[str(name)] = row.id
    for index, (name, *_rest) in enumerate(people):
        first = str(name).split()[0]
        api.add_user(base + index, first, username=first.lower()[:32])
    return Seeded(program_id, ids)


async def approve_now(coordinator: FakeUser, proposal: BotMessage) -> BotMessage:
    """Accept all and introduce now; returns the coordinator's confirmation."""
    await coordinator.press("✅ Alle übernehmen", message=proposal)
    ask = await coordinator.wait_edit(proposal)
    await coordinator.press("Jetzt vorstellen", message=ask)
    return await coordinator.wait_edit(ask)


def pairs_in(message: BotMessage) -> list[tuple[str, str]]:
    return re.findall(r"\d+\. (\w+ Mentor) \([^)]*\) ↔ (\w+ Mentee)", message.text)


@pytest.fixture
async def bot_at(
    settings: Settings, coordinator: FakeUser
) -> AsyncIterator[tuple[AnyApplication, FrozenClock]]:
    clock = FrozenClock(NOW)
    async with bot_running(settings, clock=clock, introduction_interval=0.1) as app:
        yield app, clock


async def test_match_adjust_approve_and_introduce(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    seeded = await seed(db, api)
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "Matching-Vorschlag", "3 von 3 Mentees")
    pairs = pairs_in(proposal)
    assert len(pairs) == 3
    companies = {"Maria": "Alstom", "Emil": "Alstom", "Martin": "Sparkasse", "Eva": "Sparkasse"}
    for mentor, mentee in pairs:  # never the same company
        assert companies.get(mentor.split()[0], mentor) != companies.get(mentee.split()[0], mentee)
    assert "Punkte" in proposal.text

    # Exclude the first pair: the engine must find another assignment without it.
    first = proposal.buttons[0][0]
    await coordinator.press(first.text, message=proposal)
    detail = await coordinator.wait_edit(proposal)
    await coordinator.press("🚫 Dieses Paar ausschließen", message=detail)
    updated = await coordinator.wait_edit(detail)
    new_pairs = pairs_in(updated)  # BotMessage follows later edits: read it now
    assert pairs[0] not in new_pairs
    assert "verschiedene Branchen" in updated.text
    async with db.session() as session:
        stored = (await session.scalars(select(MatchProposal))).one()
        assert len(stored.exclusions) == 1 and stored.version >= 2

    # Tune a weight: stored for the program, proposal recomputed (version bumped).
    await coordinator.press("⚖️ Gewichte", message=updated)
    weights = await coordinator.wait_edit(updated)
    expect(weights, "Themen: 40", "Andere Branche: 20")
    await coordinator.press("Themen +", message=weights)
    weights = await coordinator.wait_edit(weights)
    expect(weights, "Themen: 45")
    await coordinator.press("Treffen-Format ist Pflicht: aus", message=weights)
    weights = await coordinator.wait_edit(weights)
    assert "Treffen-Format ist Pflicht: an" in weights.button_texts
    async with db.session() as session:
        program = await programs.get(session, seeded.program_id)
        assert program is not None
        assert program.settings["matching_weights"]["topics"] == 45.0
        assert program.settings["matching_weights"]["format_hard"] is True
    await coordinator.press("« Zurück", message=weights)
    updated = await coordinator.wait_edit(weights)
    assert pairs_in(updated) == new_pairs

    # Approve and introduce now.
    await coordinator.press("✅ Alle übernehmen", message=updated)
    ask = await coordinator.wait_edit(updated)
    await coordinator.press("Jetzt vorstellen", message=ask)
    expect(await coordinator.wait_edit(ask), "Tandems", "gebildet")
    async with db.session() as session:
        tandems = (await session.scalars(select(Tandem))).all()
        assert len(tandems) == len(new_pairs)
        assert all(t.status == "active" for t in tandems)

    for user in api.users.values():
        if user.id == coordinator.id:
            continue
        intro = expect(await user.next_message(), "Ihr Tandem steht", "Ideen für den Einstieg")
        assert "tg://user?id=" in intro.raw_text
        assert "📅 Erstes Treffen vorschlagen" in intro.button_texts
    assert seeded.program_id


async def test_concurrent_approvals_form_tandems_once(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    await seed(db, api)
    second = api.add_user(9002, "Linda", username="linda")
    async with db.session() as session:
        await users.upsert(
            session, user_id=9002, identity=users.Identity("Linda", username="linda"), now=NOW
        )
        await users.grant_coordinator(session, 9002, granted_by=9001, now=NOW)
    await coordinator.send("/match")
    mine = await coordinator.next_message()
    await second.send("/match")
    theirs = await second.next_message()  # the same stored proposal, not a second one
    assert pairs_in(mine) == pairs_in(theirs)
    await coordinator.press("✅ Alle übernehmen", message=mine)
    await second.press("✅ Alle übernehmen", message=theirs)
    ask_1 = await coordinator.wait_edit(mine)
    ask_2 = await second.wait_edit(theirs)
    q1, q2 = await asyncio.gather(
        coordinator.press("Jetzt vorstellen", message=ask_1),
        second.press("Jetzt vorstellen", message=ask_2),
    )
    await answer_of(coordinator, q1)
    await answer_of(second, q2)
    await api.wait_idle()
    async with db.session() as session:
        tandems = (await session.scalars(select(Tandem))).all()
        assert len(tandems) == 3
        assert len((await session.scalars(select(MatchProposal))).all()) == 1


async def test_proposal_survives_a_restart(
    api: FakeBotApi, coordinator: FakeUser, db: Database, settings: Settings
) -> None:
    await seed(db, api)
    async with bot_running(settings, clock=FrozenClock(NOW)):
        await coordinator.send("/match")
        proposal = await coordinator.next_message()
    async with bot_running(settings, clock=FrozenClock(NOW)):
        await coordinator.press("✅ Alle übernehmen", message=proposal)
        ask = await coordinator.wait_edit(proposal)
        await coordinator.press("Jetzt vorstellen", message=ask)
        expect(await coordinator.wait_edit(ask), "3 Tandems")


async def test_reveal_later_then_a_later_round_and_a_dissolve(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: tuple[AnyApplication, FrozenClock]
) -> None:
    _, clock = bot_at
    seeded = await seed(db, api)
    await coordinator.send("/match")
    proposal = await coordinator.next_message()
    await coordinator.press("✅ Alle übernehmen", message=proposal)
    ask = await coordinator.wait_edit(proposal)
    await coordinator.press("Später (z. B. zur Auftaktveranstaltung)", message=ask)
    expect(await coordinator.next_message(), "TT.MM.JJJJ HH:MM")
    await coordinator.send("01.01.2020 10:00")
    expect(await coordinator.next_message(), "Vergangenheit")
    await coordinator.send("11.03.2027 18:00")
    expect(
        await coordinator.next_message(), "Die Tandems werden am 11.03.2027, 18:00 Uhr vorgestellt"
    )

    emil = next(u for u in api.users.values() if u.first_name == "Emil")
    await emil.send("/tandem")
    expect(await emil.next_message(), "11.03.2027, 18:00 Uhr")
    assert await emil.collect(timeout=0.3) == []  # not revealed early

    clock.advance(dt.timedelta(days=11))  # the kickoff evening
    expect(await emil.next_message(timeout=5), "Ihr Tandem steht")

    # A mentee who registers later gets matched in a second round; existing tandems stay.
    late = await seed(
        db,
        api,
        [
            (
                "Lea Mentee",
                "mentee",
                "Stadt Salzgitter",
                "Verwaltung",
                "Sachgebietsleiterin",
                ["Feedback"],
                "both",
            )
        ],
        program_id=seeded.program_id,
    )
    async with db.session() as session:
        mentor = await participants.get(session, seeded.ids["Maria Mentor"])
        assert mentor is not None
        mentor.capacity = 2
    await coordinator.send("/match")
    second_round = expect(await coordinator.next_message(), "1 von 1 Mentee zugeordnet")
    assert [p[1] for p in pairs_in(second_round)] == ["Lea Mentee"]
    await approve_now(coordinator, second_round)
    async with db.session() as session:
        assert len((await session.scalars(select(Tandem))).all()) == 4

    # Dissolve Lea's tandem with a reason; both hear of it; they are never matched again.
    await coordinator.send("/tandems")
    choose = await coordinator.next_message()
    await coordinator.press(choose.button_texts[0], message=choose)
    listing = await coordinator.wait_edit(choose)
    expect(listing, "Vereinbarung noch nicht von beiden bestätigt (4)")
    await coordinator.press("⏳ Maria Mentor ↔ Lea Mentee", message=listing)
    card = await coordinator.wait_edit(listing)
    await coordinator.press("Tandem auflösen", message=card)
    expect(await coordinator.next_message(), "Warum")
    await coordinator.send("Die Chemie stimmt nicht <leider> & schade")
    expect(await coordinator.next_message(), "aufgelöst")
    lea = next(u for u in api.users.values() if u.first_name == "Lea")
    messages = await lea.collect(timeout=0.5)
    assert any("aufgelöst" in m.text for m in messages)
    async with db.session() as session:
        row = (
            await session.scalars(select(Tandem).where(Tandem.mentee_id == late.ids["Lea Mentee"]))
        ).one()
        assert row.status == "dissolved"
        assert row.dissolve_reason == "Die Chemie stimmt nicht <leider> & schade"
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert "tandem_dissolved" in actions
        assert "refused" not in actions  # the coordinator's dissolve is no intrusion
    await coordinator.send("/match")
    rematch = await coordinator.next_message()
    assert ("Maria Mentor", "Lea Mentee") not in pairs_in(rematch)


async def test_participant_actions_on_their_tandem_only(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    await seed(db, api)
    await coordinator.send("/match")
    proposal = await coordinator.next_message()
    await approve_now(coordinator, proposal)
    people = [u for u in api.users.values() if u.id != coordinator.id]
    intros = {u.id: await u.next_message() for u in people}
    agreements = {u.id: expect(await u.next_message(), "Tandemvereinbarung") for u in people}
    emil = next(u for u in people if u.first_name == "Emil")
    eva = next(u for u in people if u.first_name == "Eva")  # a mentee, never Emil's partner
    await emil.press("💬 Bedenken an die Programmleitung", message=intros[emil.id])
    expect(await emil.next_message(), "vertraulich")
    await emil.send("Wir finden keinen gemeinsamen Termin & <seufz>")
    expect(await emil.next_message(), "angekommen")
    note = expect(await coordinator.next_message(), "Emil Mentee", "<seufz>")
    assert "&lt;seufz&gt;" in note.raw_text

    # The button under the introduction opens the meeting dialog (tests/e2e/test_meetings.py).
    await emil.press("📅 Erstes Treffen vorschlagen", message=intros[emil.id])
    expect(await emil.next_message(), "Wann möchten Sie sich treffen")
    await emil.send("/cancel")
    expect(await emil.next_message(), "nichts gesendet")

    # The mentoring agreement: each partner confirms once; both hear when it is complete.
    confirm_data = agreements[emil.id].buttons[0][0].callback_data
    assert confirm_data is not None and confirm_data.startswith("ag:y:")
    await emil.press("✅ Vereinbarung bestätigen", message=agreements[emil.id])
    expect(await emil.wait_edit(agreements[emil.id]), "Von Ihnen bestätigt")
    waiting = expect(await emil.next_message(), "Es fehlt noch die Bestätigung")
    partner_name = waiting.text.split("von ")[-1].rstrip(".")
    partner = next(u for u in people if partner_name.startswith(u.first_name))
    query = await emil.press_data(confirm_data)  # twice: recorded once
    assert "schon bestätigt" in (await answer_of(emil, query))["text"]
    query = await eva.press_data(confirm_data, message=agreements[eva.id])  # not Eva's tandem
    assert "nicht mehr aktuell" in (await answer_of(eva, query))["text"]
    await partner.press("✅ Vereinbarung bestätigen", message=agreements[partner.id])
    for user in (emil, partner):
        expect(await user.next_message(), "haben die Tandemvereinbarung bestätigt")
    async with db.session() as session:
        tandem = (
            await session.scalars(select(Tandem).where(Tandem.mentee_agreed_at.is_not(None)))
        ).all()
        assert len(tandem) == 1 and tandem[0].mentor_agreed_at is not None

    # Someone else's tandem: a forged button is refused and audited.
    emil_data = intros[emil.id].buttons[1][0].callback_data
    assert emil_data is not None and emil_data.startswith("tn:c:")
    query = await eva.press_data(emil_data, message=intros[eva.id])
    assert "nicht mehr aktuell" in (await answer_of(eva, query)).get("text", "")
    async with db.session() as session:
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
        assert [(r.user_id, r.detail.get("what")) for r in refused] == [(eva.id, "tandem")] * 2
    await emil.send("/tandem")
    expect(await emil.next_message(), "Ihr Tandem mit")


async def test_blocked_participant_is_reported_at_introduction(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    await seed(db, api)
    ella = next(u for u in api.users.values() if u.first_name == "Ella")
    ella.block()
    await coordinator.send("/match")
    proposal = await coordinator.next_message()
    await approve_now(coordinator, proposal)
    expect(await coordinator.next_message(), "Ella Mentee", "blockiert")


async def test_participants_cannot_match(api: FakeBotApi, db: Database, bot_at: object) -> None:
    await seed(db, api)
    emil = next(u for u in api.users.values() if u.first_name == "Emil")
    for command in ("/match", "/tandems"):
        await emil.send(command)
        expect(await emil.next_message(), "Das darf nur")
    query = await emil.press_data("mt:1:0:ok", message=emil.chat[-1])
    assert "Das darf nur" in (await answer_of(emil, query)).get("text", "")


async def test_pin_swap_and_company_exclusion(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    seeded = await seed(db, api)
    await coordinator.send("/match")
    proposal = await coordinator.next_message()
    before = pairs_in(proposal)
    mentor_of = {mentee: mentor for mentor, mentee in before}

    # Pin pair 3: it stays whatever else changes.
    await coordinator.press(proposal.buttons[2][0].text, message=proposal)
    detail = await coordinator.wait_edit(proposal)
    await coordinator.press("📌 Paar festhalten", message=detail)
    pinned = await coordinator.wait_edit(detail)
    assert pinned.text.count("📌") == 1
    async with db.session() as session:
        stored = (await session.scalars(select(MatchProposal))).one()
        mentor, mentee = before[2]
        assert stored.pins == [[seeded.ids[mentor], seeded.ids[mentee]]]

    # Swap the mentees of pairs 1 and 2: both new pairs are pinned and in the proposal.
    await coordinator.press(pinned.buttons[0][0].text, message=pinned)
    detail = await coordinator.wait_edit(pinned)
    await coordinator.press("🔁 Mentee tauschen mit …", message=detail)
    choose = await coordinator.wait_edit(detail)
    a, b = before[0][1], before[1][1]
    company = {name: str(c) for name, _, c, *_ in PEOPLE}
    breaks = company[mentor_of[a]] == company[b] or company[mentor_of[b]] == company[a]
    await coordinator.press(f"{mentor_of[b]} ↔ {b}", message=choose)
    if breaks:
        # A swap that breaks the company rule is refused with the reason; nothing changes.
        swapped = await coordinator.wait_edit(choose)  # back to the unchanged proposal
        assert pairs_in(swapped) == before
        expect(await coordinator.next_message(), "Nicht geändert", "gleiches Unternehmen")
        async with db.session() as session:
            stored = (await session.scalars(select(MatchProposal))).one()
            assert stored.pins == [[seeded.ids[mentor], seeded.ids[mentee]]]
    else:
        swapped = await coordinator.wait_edit(choose)
        after = pairs_in(swapped)
        assert (mentor_of[a], b) in after and (mentor_of[b], a) in after
        assert swapped.text.count("📌") == 3
        async with db.session() as session:
            stored = (await session.scalars(select(MatchProposal))).one()
            assert [seeded.ids[mentor_of[a]], seeded.ids[b]] in stored.pins
            assert [seeded.ids[mentor_of[b]], seeded.ids[a]] in stored.pins

    # Exclude Salzgitter AG with WIS: Mona (Salzgitter AG) must not get Ella (WIS).
    await coordinator.press("🚫 Firmenpaar ausschließen", message=swapped)
    expect(await coordinator.next_message(), "Firma A / Firma B")
    await coordinator.send("Salzgitter AG")
    expect(await coordinator.next_message(), "genau zwei")
    await coordinator.send("SALZGITTER AG / WIS GmbH")
    expect(await coordinator.next_message(), "nicht mehr zusammen")
    recomputed = await coordinator.next_message()
    assert ("Mona Mentor", "Ella Mentee") not in pairs_in(recomputed)
    async with db.session() as session:
        rows = await rounds.company_exclusions(session, seeded.program_id)
        assert [(r.company_a, r.company_b) for r in rows] == [("salzgitter", "wis")]


async def test_a_proposal_of_long_profiles_still_fits_one_message(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    topics = [f"Thema {i} " + "x" * 50 for i in range(8)]
    people = [
        (f"{'M' * 90} {i}", role, f"Firma {i} " + chr(ord("A") + i) * 100,
         f"Branche {i} " + "B" * 60,
         "Bereichsleitung " + "P" * 100, topics, "both")
        for i, role in enumerate(["mentor"] * 6 + ["mentee"] * 6)
    ]  # fmt: skip
    await seed(db, api, people)
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "6 von 6 Mentees", "weitere")
    assert len(proposal.text) <= 4096
    assert len(proposal.buttons) >= 6  # every pair still has its button
