"""Certificates of participation end to end: the overview, issuing once, PDFs that read back,
a participant who blocked the bot, delivering again, and the program's minimum.

Tandems and their meetings are put straight into the database (meetings have their own tests);
which meetings count as held is the one rule of storage.meetings.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import programs
from storage.db import Database
from storage.models import Certificate, Meeting, Participant, Program, Tandem
from tests.e2e.harness import answer_of, expect, refused_calls
from tests.e2e.tandems import Pair, seed_pair
from tests.seeding import seed_program

NOW = dt.datetime(2028, 2, 20, 10, 0, tzinfo=dt.UTC)  # near the end of the program year
PROGRAM = "Salzgitter <b>2027</b> & mehr"
MARIA = "<b>Maria</b> & Co"
ORGANISATIONS = "Wirtschaftsförderung Salzgitter, Allianz für die Region, IHK Braunschweig"


async def meetings(db: Database, pair: Pair, held: int, other: int = 0) -> None:
    """`held` meetings that took place, and `other` ones that did not count (postponed)."""
    async with db.session() as session:
        for i in range(held + other):
            starts = NOW - dt.timedelta(days=30 * (i + 1))
            session.add(
                Meeting(
                    tandem_id=pair.tandem_id,
                    status="confirmed",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    online=False,
                    proposed_by=pair.mentee.id,
                    version=0,
                    outcome="held" if i < held else "postponed",
                    created_at=starts - dt.timedelta(days=7),
                    updated_at=starts - dt.timedelta(days=7),
                    confirmed_at=starts - dt.timedelta(days=6),
                )
            )


def read_pdf(message: BotMessage) -> str:
    assert message.document is not None, message.describe()
    assert message.document.filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(message.document.content))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


async def test_issue_deliver_redeliver_and_minimum(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: AnyApplication
) -> None:
    program_id = await seed_program(db, NOW - dt.timedelta(days=360), PROGRAM)
    a = await seed_pair(db, api, NOW, program_id=program_id, base=2000, mentor_name=MARIA)
    b = await seed_pair(
        db,
        api,
        NOW,
        program_id=program_id,
        base=2010,
        mentor_name="Bernd Mentor",
        mentee_name="Berta Mentee",
        language="en",
    )
    c = await seed_pair(
        db,
        api,
        NOW,
        program_id=program_id,
        base=2020,
        mentor_name="Carla Mentor",
        mentee_name="Carl Mentee",
    )
    await meetings(db, a, held=6, other=1)
    await meetings(db, b, held=2)
    await meetings(db, c, held=7)
    c.mentee.block()

    # A participant can neither open nor press anything of this.
    await a.mentee.send("/certificates")
    expect(await a.mentee.next_message(), "Das darf nur")
    query = await a.mentee.press_data(f"ct:iy:{program_id}")
    assert "Das darf nur" in (await answer_of(a.mentee, query))["text"]

    await coordinator.send("/certificates")
    # Names in the database's order (collations differ on where "<" sorts): check each.
    overview = expect(
        await coordinator.next_message(),
        "mindestens 6 Treffen",
        "Erfüllt, noch ohne Bescheinigung (4): ",
        "Carl Mentee (7)",
        "Carla Mentor (7)",
        "Emil Mentee (6)",
        f"{MARIA} (6)",
        "Bescheinigung erhalten (0)",
        "Noch nicht erfüllt, Treffen bisher (2): Bernd Mentor (2/6), Berta Mentee (2/6)",
    )
    await coordinator.press("🎓 4 Bescheinigungen ausstellen …", message=overview)
    # The program ends on 29 February: issuing now needs the confirmation naming the end.
    confirm = expect(await coordinator.wait_edit(overview), "4 Teilnahmebescheinigungen")
    await coordinator.press("✅ Trotzdem jetzt ausstellen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "werden erstellt und zugestellt")

    maria = read_pdf(await a.mentor.next_message())
    for fragment in (
        "Teilnahmebescheinigung",
        MARIA,
        "Alstom",
        "als erfahrene Führungskraft im Mentoring",  # Maria chose no form of address
        "Das Tandem mit Emil Mentee hat sich",
        f"„{PROGRAM}“",
        "6-mal",
        "Ausgestellt am 20.02.2028",
        f"Nr. {program_id}-",
    ):
        assert fragment in maria, f"{fragment!r} not in the certificate:\n{maria}"
    emil = read_pdf(await a.mentee.next_message())
    assert "als Mentee" in emil and "Emil Mentee" in emil and "WIS" in emil
    assert "7-mal" in read_pdf(await c.mentor.next_message())
    for user in (b.mentor, b.mentee, c.mentee):
        assert await user.collect() == []

    report = expect(
        await coordinator.next_message(),
        "Zugestellt (3): ",
        "Carla Mentor",
        MARIA,
        "Nicht zugestellt (1): Carl Mentee",
        "weniger als 6 Treffen (2): Bernd Mentor (2/6), Berta Mentee (2/6)",
    )

    # Issued once: a second confirmation (an old screen, another coordinator) issues nothing.
    query = await coordinator.press_data(f"ct:iy:{program_id}", message=report)
    assert "keine Bescheinigung offen" in (await answer_of(coordinator, query))["text"]
    async with db.session() as session:
        rows = (await session.scalars(select(Certificate))).all()
    assert len(rows) == 4
    assert sorted(r.meetings for r in rows) == [6, 6, 7, 7]
    assert sum(r.delivered_at is not None for r in rows) == 3

    # The refused press showed the overview instead: Carl's certificate is issued, not delivered.
    overview = expect(
        await coordinator.wait_edit(report),
        "Bescheinigung erhalten (4)",
        "Davon nicht zugestellt (1): Carl Mentee",
    )
    assert "ausstellen" not in " ".join(overview.button_texts)

    # Carl unblocks the bot and gets his certificate on the second try; nobody gets two.
    c.mentee.unblock()
    await coordinator.press("📨 1 erneut zustellen", message=overview)
    assert "7-mal" in read_pdf(await c.mentee.next_message())
    report = expect(await coordinator.next_message(), "Zugestellt (1): Carl Mentee")
    assert "Nicht zugestellt" not in report.text  # nobody missed: no empty group to puzzle over
    await coordinator.press("🎓 Übersicht öffnen", message=report)
    expect(await coordinator.wait_edit(report), "Bescheinigung erhalten (4)")
    assert "nicht zugestellt" not in report.text
    for user in (a.mentor, a.mentee, c.mentor):
        assert await user.collect() == []
    async with db.session() as session:
        assert all(r.delivered_at is not None for r in (await session.scalars(select(Certificate))))

    # A lower minimum makes Bernd and Berta eligible; Berta reads hers in English.
    await coordinator.send("/certificates")
    overview = await coordinator.next_message()
    await coordinator.press("🔢 Mindestzahl der Treffen ändern", message=overview)
    expect(await coordinator.next_message(), "Bisher: 6")
    await coordinator.send("zwei")
    expect(await coordinator.next_message(), "ganze Zahl von 1 bis 50")
    await coordinator.send("2")
    expect(await coordinator.next_message(), "mindestens 2 Treffen")
    overview = expect(
        await coordinator.next_message(),
        "Erfüllt, noch ohne Bescheinigung (2): Bernd Mentor (2), Berta Mentee (2)",
    )
    await coordinator.press("🎓 2 Bescheinigungen ausstellen …", message=overview)
    expect(await coordinator.wait_edit(overview), "2 Teilnahmebescheinigungen")
    await coordinator.press("✅ Trotzdem jetzt ausstellen", message=overview)
    berta = read_pdf(await b.mentee.next_message())
    assert "Certificate of Participation" in berta and "took part as a mentee" in berta
    assert "20 Feb 2028" in berta
    report = expect(await coordinator.next_message(), "Zugestellt (2)")
    assert "Ohne Bescheinigung" not in report.text  # nobody short of the new minimum

    assert refused_calls(api) == []


async def overview_of(coordinator: FakeUser) -> BotMessage:
    await coordinator.send("/certificates")
    return expect(await coordinator.next_message(), "Teilnahmebescheinigungen")


async def test_before_the_end_only_with_a_confirmation_naming_the_end(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: AnyApplication, clock: FrozenClock
) -> None:
    program_id = await seed_program(db, NOW - dt.timedelta(days=360), PROGRAM)  # ends 29 Feb 2028
    pair = await seed_pair(db, api, NOW, program_id=program_id)
    await meetings(db, pair, held=6)

    overview = await overview_of(coordinator)
    await coordinator.press("🎓 2 Bescheinigungen ausstellen …", message=overview)
    confirm = expect(
        await coordinator.wait_edit(overview),
        "Der Jahrgang endet am 29. Februar 2028. Trotzdem jetzt ausstellen?",
    )
    assert "✅ Ja, ausstellen und zustellen" not in confirm.button_texts
    # The plain "yes" of an old screen (or a forged one) does not issue before the end.
    query = await coordinator.press_data(f"ct:iy:{program_id}", message=confirm)
    assert "29. Februar 2028" in (await answer_of(coordinator, query))["text"]
    async with db.session() as session:
        assert (await session.scalars(select(Certificate))).all() == []
    await coordinator.press("✅ Trotzdem jetzt ausstellen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "werden erstellt und zugestellt")
    assert "Teilnahmebescheinigung" in read_pdf(await pair.mentor.next_message())
    assert "Teilnahmebescheinigung" in read_pdf(await pair.mentee.next_message())
    await coordinator.next_message()  # the report

    # After the end the plain confirmation is asked, without a word about the end.
    other = await seed_pair(db, api, NOW, program_id=program_id, base=2100, mentor_name="Olaf O")
    await meetings(db, other, held=6)
    clock.advance(dt.timedelta(days=10))  # 1 March 2028
    overview = await overview_of(coordinator)
    await coordinator.press("🎓 2 Bescheinigungen ausstellen …", message=overview)
    confirm = await coordinator.wait_edit(overview)
    assert "endet" not in confirm.text
    await coordinator.press("✅ Ja, ausstellen und zustellen", message=confirm)
    assert "Olaf O" in read_pdf(await other.mentor.next_message())
    async with db.session() as session:
        assert len((await session.scalars(select(Certificate))).all()) == 4
    assert refused_calls(api) == []


async def test_the_minimum_is_at_least_one_meeting(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: AnyApplication
) -> None:
    program_id = await seed_program(db, NOW - dt.timedelta(days=360), PROGRAM)
    overview = await overview_of(coordinator)
    await coordinator.press("🔢 Mindestzahl der Treffen ändern", message=overview)
    expect(await coordinator.next_message(), "Bisher: 6", "von 1 bis 50")
    for refused in ("0", "-1", "00"):
        await coordinator.send(refused)
        expect(await coordinator.next_message(), "mindestens 1 Treffen", "von 1 bis 50")
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None and "min_meetings" not in program.settings
    await coordinator.send("1")
    expect(await coordinator.next_message(), "mindestens 1 Treffen")
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None and program.settings["min_meetings"] == 1
    # The storage refuses it too, whoever asks.
    async with db.session() as session:
        with pytest.raises(ValueError, match="min_meetings"):
            await programs.update_settings(session, program_id, {"min_meetings": 0})


async def test_one_certificate_per_person_with_form_of_address_partners_and_signer(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: AnyApplication, clock: FrozenClock
) -> None:
    program_id = await seed_program(db, NOW - dt.timedelta(days=360), "Salzgitter 2027")
    first = await seed_pair(
        db, api, NOW, program_id=program_id, mentor_name="Petra Schulz", mentee_name="Ben Becker"
    )
    second = await seed_pair(
        db, api, NOW, program_id=program_id, base=2010, mentor_name="Alex Kim",
        mentee_name="Lena Lang",
    )  # fmt: skip
    # Petra takes a second mentee: Alex's tandem is dissolved, Lena moves to Petra.
    async with db.session() as session:
        await session.execute(
            update(Participant)
            .where(Participant.id == first.mentor_participant)
            .values(form_of_address="f", capacity=2)
        )
        await session.execute(
            update(Participant)
            .where(Participant.id == first.mentee_participant)
            .values(form_of_address="m")
        )
        await session.execute(
            update(Tandem)
            .where(Tandem.id == second.tandem_id)
            .values(mentor_id=first.mentor_participant)
        )
        program = await programs.get(session, program_id)
        assert program is not None
        await programs.update_settings(session, program_id, {**program.settings, "min_meetings": 3})
    await meetings(db, first, held=4)
    await meetings(db, second, held=3)

    # The organisations and the signer are settings of the program.
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await coordinator.press(listing.button_texts[0], message=listing)
    card = await coordinator.wait_edit(listing)
    await coordinator.press("⚙️ Einstellungen", message=card)
    card = expect(
        await coordinator.wait_edit(card),
        "Organisationen: nicht angegeben",
        "Unterschrift auf der Teilnahmebescheinigung: Die Programmleitung",
    )
    for label, value in (
        ("🏛 Organisationen", ORGANISATIONS),
        ("✍️ Unterschrift: Name", "Dr. Juliane Stockhammer"),
        ("✍️ Unterschrift: Funktion", "Projektleitung Cross-Mentoring"),
    ):  # fmt: skip
        await coordinator.press(label, message=card)
        await coordinator.next_message()
        await coordinator.send(value)
        expect(await coordinator.next_message(), "Gespeichert")
        card = expect(await coordinator.next_message(), value)

    clock.advance(dt.timedelta(days=10))  # the program has ended
    overview = await overview_of(coordinator)
    await coordinator.press("🎓 3 Bescheinigungen ausstellen …", message=overview)
    confirm = await coordinator.wait_edit(overview)
    await coordinator.press("✅ Ja, ausstellen und zustellen", message=confirm)

    petra = read_pdf(await first.mentor.next_message())
    for fragment in (
        "Frau Petra Schulz",
        "als Mentorin",
        "Ben Becker",
        "Lena Lang",
        "7-mal",
        ORGANISATIONS,
        "Dr. Juliane Stockhammer",
        "Projektleitung Cross-Mentoring",
    ):
        assert fragment in petra, f"{fragment!r} not in the certificate:\n{petra}"
    assert "bzw." not in petra and "Die Programmleitung" not in petra
    assert await first.mentor.collect(timeout=0.3) == []  # one certificate, not one per tandem
    ben = read_pdf(await first.mentee.next_message())
    assert "Herr Ben Becker" in ben and "als Mentee" in ben and "Petra Schulz" in ben
    lena = read_pdf(await second.mentee.next_message())
    assert "Lena Lang" in lena and "Frau" not in lena and "Herr" not in lena
    assert await second.mentor.collect(timeout=0.3) == []  # Alex held no meeting
    async with db.session() as session:
        rows = (await session.scalars(select(Certificate))).all()
    assert sorted(r.meetings for r in rows) == [3, 4, 7]
    assert refused_calls(api) == []
