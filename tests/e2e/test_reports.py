"""/stats and /export end to end: the figures of a seeded program, names escaped, the files
parsed back (CSV, Excel, PNG), formulas neutralised, one message however long the lists, and
refusal (audited) for participants."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.app import AnyApplication
from core.stats import utf16_len
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import AuditEntry, Participant, Tandem, User
from tests.e2e.harness import answer_of, expect
from tests.seeding import seed_participant, seed_program
from tests.storage.test_reports import INJECTION, NOTE, NOW, seed_cohort

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FILES = [
    "participants.csv",
    "tandems.csv",
    "meetings.csv",
    "feedback.csv",
    "tandem-salzgitter-2027.xlsx",
    "meetings-per-month.png",
]


async def open_stats(coordinator: FakeUser, program: str = "Salzgitter 2027") -> BotMessage:
    await coordinator.send("/stats")
    choose = expect(await coordinator.next_message(), "Für welches Programm", "Statistik sehen?")
    assert sorted(choose.button_texts) == ["Anderes Programm", "Salzgitter 2027"]
    await coordinator.press(program, message=choose)
    return await coordinator.wait_edit(choose)


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the umlauts"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


async def test_stats_of_a_seeded_program(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    await seed_cohort(db)
    stats = await open_stats(coordinator)
    expect(
        stats,
        "Statistik: Salzgitter 2027",
        "Stand: 01.06.2027, 10:00 Uhr",
        "Teilnehmende: 13",
        "Mentorinnen und Mentoren: 6 (aktiv 5, abgelehnt 1)",
        "Mentees: 7 (aktiv 5, wartet auf Freigabe 1, ausgetreten 1)",
        "Tandems: 4 aktiv, 1 aufgelöst",
        "von beiden bestätigt: 1, noch nicht: 2",
        "noch nicht vorgestellt: 1",
        "Treffen: 4 stattgefunden, 1 geplant, 2 abgesagt oder verschoben",
        "Rückmeldungen: 7 Antworten, Nutzen im Schnitt 3,2 von 5 (6 Bewertungen)",
        "Gefährdete Tandems: 2",
        "seit 35 Tagen kein Treffen oder Bewertung im Schnitt unter 3",
        f"• Quentin <Quiet> & Co ↔ {INJECTION}: seit 50 Tagen kein Treffen",
        "• Lotte Low ↔ Leo Low & Sohn: Bewertung im Schnitt 1,5",
        "Nicht erreichbar (Bot blockiert): 2",
        "Leo Low & Sohn, Paul Pending",
    )
    # User text is escaped in what the bot sent, shown literally, never taken as markup.
    assert "Quentin &lt;Quiet&gt; &amp; Co" in stats.raw_text
    assert "Maria" not in stats.text  # tandem A is fine: not listed
    assert "Otto" not in stats.text and "Rita" not in stats.text
    assert [e["type"] for e in stats.entities].count("bold") >= 6
    assert stats.text.index("Quentin") < stats.text.index("Lotte")  # the longest quiet first
    assert stats.button_texts == ["📦 Daten exportieren", "🔀 Anderer Jahrgang"]


async def test_export_files_parse_back(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    cohort = await seed_cohort(db)
    await coordinator.send("/export")
    choose = expect(await coordinator.next_message(), "Für welches Programm", "Daten exportieren?")
    await coordinator.press("Salzgitter 2027", message=choose)
    expect(await coordinator.next_message(), "Export: Salzgitter 2027", "Semikolon")
    documents = {}
    for _ in FILES:
        message = await coordinator.next_message()
        assert message.document is not None
        documents[message.document.filename] = message.document.content
    assert list(documents) == FILES
    assert not (await coordinator.wait_edit(choose)).buttons  # the chooser's buttons are gone

    participants = parse_csv(documents["participants.csv"])
    assert participants[0][:4] == ["Teilnahme-ID", "Name", "Rolle", "Status"]
    assert len(participants) == 1 + 13
    by_name = {row[1]: row for row in participants[1:]}
    assert "'" + INJECTION in by_name  # neutralised: a spreadsheet shows it as text
    assert INJECTION not in by_name
    leo = by_name["Leo Low & Sohn"]
    assert leo[2:4] == ["Mentee", "aktiv"] and leo[11] == "nein"
    assert by_name["Maria <b>Mentor</b> & Co"][2] == "Mentorin oder Mentor"
    assert by_name["Dirk Dissolved"][3] == "ausgetreten"

    tandems = parse_csv(documents["tandems.csv"])
    assert len(tandems) == 1 + 5
    a = next(row for row in tandems if row[0] == str(cohort.tandems["A"]))
    header = tandems[0]
    assert a[header.index("Treffen stattgefunden")] == "1"
    assert a[header.index("Bewertung im Schnitt")] == "4,5"
    assert a[header.index("Nächstes Treffen")] == "06.06.2027 10:00"  # Berlin time
    d = next(row for row in tandems if row[0] == str(cohort.tandems["D"]))
    assert d[header.index("Status")] == "aufgelöst"
    assert d[header.index("Grund der Auflösung")] == "'=Chemie passt nicht"

    meetings = parse_csv(documents["meetings.csv"])
    assert [row[-1] for row in meetings[1:]] == [
        "stattgefunden",
        "stattgefunden",
        "verschoben",
        "abgesagt",
        "stattgefunden",
        "stattgefunden",
        "geplant",
    ]

    feedback = parse_csv(documents["feedback.csv"])
    header = feedback[0]
    assert header == [
        "Treffen-ID",
        "Treffen am",
        "Tandem-ID",
        "Name",
        "Rolle",
        "Stattgefunden?",
        "Bewertung (1–5)",
        "Notiz an die Programmleitung",
        "Tandem passt",
        "Neues Matching gewünscht",
        "Beantwortet am",
    ]
    assert len(feedback) == 1 + 7
    emil = next(row for row in feedback if row[3] == "Emil Mentee")
    assert emil[5:9] == ["stattgefunden", "4", "'" + NOTE, "ja"]  # the note starts with "+"
    hyper = next(row for row in feedback if row[3] == "'" + INJECTION)
    assert hyper[8:10] == ["nein", "ja"]
    postponed = next(row for row in feedback if row[5] == "verschoben")
    assert postponed[6] == ""
    assert "Olga" not in documents["feedback.csv"].decode("utf-8-sig")  # another program

    book = load_workbook(io.BytesIO(documents["tandem-salzgitter-2027.xlsx"]))
    assert book.sheetnames == ["Teilnehmende", "Tandems", "Treffen", "Rückmeldungen"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
    people = book["Teilnehmende"]
    names = [people.cell(row=r, column=2).value for r in range(2, people.max_row + 1)]
    assert "'" + INJECTION in names and INJECTION not in names
    assert all(cell.data_type != "f" for row in people.iter_rows() for cell in row)
    assert people.column_dimensions["B"].width > people.column_dimensions["A"].width
    sheet = book["Tandems"]
    assert sheet.max_row == 6
    dates = [c.value for c in sheet["G"][1:]]
    assert all(isinstance(d, dt.datetime) for d in dates)

    png = documents["meetings-per-month.png"]
    assert png.startswith(PNG_MAGIC) and 10_000 < len(png) < 1_000_000


async def test_one_program_goes_straight_to_it(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    program = await seed_program(db, NOW, "Größe & <Übermut>")
    await seed_participant(db, program, 2000, "Anna", NOW, role="mentor")
    await coordinator.send("/stats")
    stats = expect(
        await coordinator.next_message(),
        "Statistik: Größe & <Übermut>",
        "Teilnehmende: 1",
        "Tandems: 0 aktiv, 0 aufgelöst",
        "Rückmeldungen: 0 Antworten, noch keine Bewertung",
        "Gefährdete Tandems: 0",
        "Alle Teilnehmenden sind erreichbar.",
    )
    await coordinator.press("📦 Daten exportieren", message=stats)
    expect(await coordinator.next_message(), "Export: Größe & <Übermut>")
    received = [await coordinator.next_message() for _ in FILES]
    names = [m.document.filename for m in received if m.document is not None]
    assert names[4] == "tandem-groesse-uebermut.xlsx"
    assert received[-1].document is not None
    assert received[-1].document.content.startswith(PNG_MAGIC)  # "no meetings yet"
    assert not (await coordinator.wait_edit(stats)).buttons
    tandems = parse_csv(received[1].document.content if received[1].document else b"")
    assert len(tandems) == 1  # the header only


async def test_long_lists_fit_one_message(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    program = await seed_program(db, NOW)
    name = "😀 Ürsula <Überlang> & Partner " * 6
    async with db.session() as session:
        for i in range(40):
            for offset, role in ((0, "mentor"), (1, "mentee")):
                user_id = 5000 + 2 * i + offset
                session.add(
                    User(
                        id=user_id,
                        first_name="X",
                        reachable=False,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                session.add(
                    Participant(
                        program_id=program,
                        user_id=user_id,
                        role=role,
                        status="active",
                        name=f"{name}{user_id}",
                        company=f"Firma {user_id}",
                        industry="-",
                        position="-",
                        topics=[],
                        goals="-",
                        meeting_format="both",
                        consent_at=NOW,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
        await session.flush()
        ids = (await session.scalars(select(Participant.id).order_by(Participant.id))).all()
        for i in range(40):
            session.add(
                Tandem(
                    program_id=program,
                    mentor_id=ids[2 * i],
                    mentee_id=ids[2 * i + 1],
                    status="active",
                    created_at=NOW - dt.timedelta(days=100),
                    introduced_at=NOW - dt.timedelta(days=90 - i),
                )
            )
    await coordinator.send("/stats")
    stats = expect(
        await coordinator.next_message(),
        "Gefährdete Tandems: 40",
        "Nicht erreichbar (Bot blockiert): 80",
        "weitere",
    )
    # Telegram counts the text after entity parsing (tags gone, &amp; one character), in UTF-16.
    assert utf16_len(stats.text) <= 4096 < utf16_len(stats.raw_text)
    assert "Ürsula <Überlang> & Partner" in stats.text


async def test_participants_are_refused_and_audited(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    cohort = await seed_cohort(db)
    async with db.session() as session:  # an ordinary participant, reachable
        await session.execute(update(User).where(User.id == 2001).values(reachable=True))
    emil = api.add_user(2001, "Emil")
    for command in ("/stats", "/export"):
        await emil.send(command)
        expect(await emil.next_message(), "Das darf nur")
    await emil.send("/help")
    hint = await emil.next_message()
    for data in (f"rp:s:{cohort.program}", f"rp:e:{cohort.program}", "rp:x"):
        answer = await answer_of(emil, await emil.press_data(data, message=hint))
        assert answer.get("show_alert") is True
        assert "Programmleitung" in answer.get("text", "")
    assert api.documents == []
    assert await emil.collect(0.2) == []
    async with db.session() as session:
        refused = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.id)
            )
        ).all()
    assert [(r.user_id, r.detail.get("what")) for r in refused] == [
        (2001, "stats"),
        (2001, "export"),
        (2001, f"rp:s:{cohort.program}"),
        (2001, f"rp:e:{cohort.program}"),
        (2001, "rp:x"),
    ]


async def test_a_stale_program_button(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    await seed_cohort(db)
    await coordinator.send("/stats")
    choose = await coordinator.next_message()
    for data in ("rp:s:999999", "rp:e:abc", "rp:z:1", "rp:s"):
        answer = await answer_of(coordinator, await coordinator.press_data(data, message=choose))
        assert answer.get("show_alert") is True
    assert api.documents == []
