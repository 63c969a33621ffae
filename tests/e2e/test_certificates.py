"""Certificates of participation end to end: the overview, issuing once, PDFs that read back,
a participant who blocked the bot, delivering again, and the program's minimum.

Tandems and their meetings are put straight into the database (meetings have their own tests);
which meetings count as held is the one rule of storage.meetings.
"""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import select

from bot.app import AnyApplication
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Certificate, Meeting
from tests.e2e.harness import answer_of, expect, refused_calls
from tests.e2e.tandems import Pair, seed_pair
from tests.seeding import seed_program

NOW = dt.datetime(2028, 2, 20, 10, 0, tzinfo=dt.UTC)  # near the end of the program year
PROGRAM = "Salzgitter <b>2027</b> & mehr"
MARIA = "<b>Maria</b> & Co"


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
    expect(await a.mentee.next_message(), "nur Koordinatorinnen")
    query = await a.mentee.press_data(f"ct:iy:{program_id}")
    assert "Koordinator" in (await answer_of(a.mentee, query))["text"]

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
    await coordinator.press("🎓 4 Bescheinigung(en) ausstellen …", message=overview)
    confirm = expect(await coordinator.wait_edit(overview), "4 Teilnahmebescheinigung(en)")
    await coordinator.press("✅ Ja, ausstellen und zustellen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "werden erstellt und zugestellt")

    maria = read_pdf(await a.mentor.next_message())
    for fragment in (
        "Teilnahmebescheinigung",
        MARIA,
        "Alstom",
        "als Mentorin bzw. Mentor",
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
    report = expect(
        await coordinator.next_message(), "Zugestellt (1): Carl Mentee", "Nicht zugestellt (0)"
    )
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
    expect(await coordinator.next_message(), "ganze Zahl von 0 bis 50")
    await coordinator.send("2")
    expect(await coordinator.next_message(), "mindestens 2 Treffen")
    overview = expect(
        await coordinator.next_message(),
        "Erfüllt, noch ohne Bescheinigung (2): Bernd Mentor (2), Berta Mentee (2)",
    )
    await coordinator.press("🎓 2 Bescheinigung(en) ausstellen …", message=overview)
    expect(await coordinator.wait_edit(overview), "2 Teilnahmebescheinigung(en)")
    await coordinator.press("✅ Ja, ausstellen und zustellen", message=overview)
    berta = read_pdf(await b.mentee.next_message())
    assert "Certificate of Participation" in berta and "took part as a mentee" in berta
    assert "20 Feb 2028" in berta
    expect(await coordinator.next_message(), "Zugestellt (2)", "weniger als 2 Treffen (0)")

    assert refused_calls(api) == []
