"""The pure parts of the reports: the at-risk rule, averages, months, meeting states, formula
neutralising, the CSV format, the workbook and the chart; and the statistics message's fit."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.i18n import translator
from core.export import chart_label, chart_png, sheet_title, xlsx_bytes
from core.export_tables import COLUMNS, Table, csv_bytes, neutralise, slug
from core.fit import fits
from core.stats import (
    LOW_RATING,
    MAX_NAMES,
    MESSAGE_LIMIT,
    AtRisk,
    MeetingState,
    ProgramStats,
    TandemHealth,
    at_risk,
    average,
    clip,
    fits_message,
    format_decimal,
    meeting_state,
    month_axis,
    months_between,
    per_month,
    quiet_for,
    shortened,
    utf16_len,
)
from handlers.reports import stats_text
from storage.models import Program

NOW = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
BERLIN = ZoneInfo("Europe/Berlin")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def health(
    tandem_id: int = 1,
    *,
    introduced: dt.timedelta | None = 80 * DAY,
    met: dt.timedelta | None = None,
    rating: float | None = None,
) -> TandemHealth:
    return TandemHealth(
        tandem_id=tandem_id,
        mentor=f"Mentor {tandem_id}",
        mentee=f"Mentee {tandem_id}",
        introduced_at=NOW - introduced if introduced is not None else None,
        last_met=NOW - met if met is not None else None,
        average_rating=rating,
    )


# --- at risk ------------------------------------------------------------------------------------


def test_quiet_counts_from_the_last_meeting_or_the_introduction() -> None:
    assert quiet_for(health(met=10 * DAY), NOW) == 10
    assert quiet_for(health(met=None), NOW) == 80  # never met: since the introduction
    assert quiet_for(health(introduced=None), NOW) is None  # not introduced: cannot have met
    # A meeting logged before the introduction does not make the tandem older.
    assert quiet_for(health(introduced=5 * DAY, met=30 * DAY), NOW) == 5
    assert quiet_for(health(introduced=-DAY), NOW) == 0  # never negative


@pytest.mark.parametrize(
    ("tandem", "days", "expected"),
    [
        (health(met=34 * DAY), 35, None),
        (health(met=35 * DAY), 35, (35, None)),  # exactly N days: at risk, like the nudge
        (health(met=None, introduced=36 * DAY), 35, (36, None)),
        (health(introduced=None), 35, None),
        (health(met=90 * DAY), 0, None),  # nudges off: the quiet rule is off too
        (health(met=1 * DAY, rating=LOW_RATING), 35, None),  # exactly 3: not below
        (health(met=1 * DAY, rating=2.99), 35, (None, 2.99)),
        (health(met=40 * DAY, rating=1.0), 35, (40, 1.0)),  # both reasons
        (health(introduced=None, rating=2.0), 35, (None, 2.0)),
        (health(met=40 * DAY, rating=None), 60, None),
    ],
)
def test_at_risk_rule(tandem: TandemHealth, days: int, expected: tuple[int | None, ...]) -> None:
    found = at_risk([tandem], quiet_after_days=days, now=NOW)
    if expected is None:
        assert found == []
    else:
        assert [(r.quiet_days, r.low_rating) for r in found] == [expected]


def test_at_risk_order_longest_quiet_first_then_lowest_rating() -> None:
    tandems = [
        health(1, met=1 * DAY, rating=2.5),
        health(2, met=40 * DAY),
        health(3, met=2 * DAY, rating=1.0),
        health(4, met=70 * DAY, rating=2.0),
        health(5, met=3 * DAY, rating=4.0),
    ]
    found = at_risk(tandems, quiet_after_days=35, now=NOW)
    assert [r.tandem.tandem_id for r in found] == [4, 2, 3, 1]


def test_average_and_decimals() -> None:
    assert average(None, 0) is None
    assert average(7, 0) is None
    assert average(19, 6) == pytest.approx(3.1667, abs=1e-4)
    assert format_decimal(19 / 6) == "3,2"
    assert format_decimal(1.5, ".") == "1.5"
    assert format_decimal(4.0) == "4,0"


# --- message size -------------------------------------------------------------------------------


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("äöü") == 3
    assert utf16_len("📊") == 2
    assert fits_message("x" * MESSAGE_LIMIT)
    assert not fits_message("📊" * (MESSAGE_LIMIT // 2 + 1))


def test_shortened_and_clip() -> None:
    names = [f"N{i}" for i in range(20)]
    assert shortened(names) == (names[:MAX_NAMES], 5)
    assert shortened(names[:3]) == (names[:3], 0)
    assert shortened(names, 0) == ([], 20)
    assert clip("  Anna \n Schmidt ") == "Anna Schmidt"
    long = clip("x" * 100, 10)
    assert long == "x" * 9 + "…" and len(long) == 10


# --- months -------------------------------------------------------------------------------------


def test_months_between_crosses_the_year() -> None:
    assert months_between((2026, 11), (2027, 2)) == [(2026, 11), (2026, 12), (2027, 1), (2027, 2)]
    assert months_between((2027, 3), (2027, 3)) == [(2027, 3)]
    assert months_between((2027, 3), (2027, 2)) == []


def test_per_month_counts_in_each_programs_zone() -> None:
    # 22:30 UTC on 31 March is 00:30 on 1 April in Berlin, but still March in New York.
    late = dt.datetime(2027, 3, 31, 22, 30, tzinfo=dt.UTC)
    rows = [(1, late), (2, late), (1, late - 40 * DAY)]
    counts = per_month(rows, {1: BERLIN, 2: ZoneInfo("America/New_York")}, BERLIN)
    assert counts[1] == Counter({(2027, 4): 1, (2027, 2): 1})
    assert counts[2] == Counter({(2027, 3): 1})
    assert month_axis(counts) == [(2027, 2), (2027, 3), (2027, 4)]  # gaps filled
    assert month_axis({}) == []
    many = {1: Counter({(2020, 1): 1, (2027, 6): 2})}
    axis = month_axis(many, max_months=24)
    assert len(axis) == 24 and axis[-1] == (2027, 6)


@pytest.mark.parametrize(
    ("status", "outcome", "starts", "confirmed", "expected"),
    [
        ("confirmed", None, -DAY, True, MeetingState.HELD),  # began, nobody said otherwise
        ("confirmed", "held", -DAY, True, MeetingState.HELD),
        ("logged", "held", -DAY, True, MeetingState.HELD),
        ("confirmed", "postponed", -DAY, True, MeetingState.POSTPONED),
        ("confirmed", "cancelled", -DAY, True, MeetingState.CANCELLED),
        ("confirmed", None, DAY, True, MeetingState.PLANNED),
        ("cancelled", None, DAY, True, MeetingState.CANCELLED),
        ("cancelled", None, DAY, False, None),  # a proposal withdrawn before anyone agreed
        ("proposed", None, DAY, False, None),
        ("declined", None, DAY, False, None),
        ("superseded", None, -DAY, False, None),
    ],
)
def test_meeting_state(
    status: str,
    outcome: str | None,
    starts: dt.timedelta,
    confirmed: bool,
    expected: MeetingState | None,
) -> None:
    assert meeting_state(status, outcome, NOW + starts, NOW, was_confirmed=confirmed) == expected


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("+49 151 123", "'+49 151 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("Anna = Chefin", "Anna = Chefin"),
        ("Müller & Söhne", "Müller & Söhne"),
        ("", ""),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def table() -> Table:
    return Table(
        name="people",
        title="Teilnehmende",
        header=["ID", "Name", "Notiz", "Ø", "Wann"],
        rows=[
            [1, '=HYPERLINK("https://evil.example","x")', "a;b\nzweite Zeile", 2.5, None],
            [2, "Jürgen Größe", "-", None, dt.datetime(2027, 3, 3, 17, 30, tzinfo=BERLIN)],
        ],
    )


def test_csv_is_semicolon_separated_utf8_with_bom() -> None:
    data = csv_bytes(table())
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["ID", "Name", "Notiz", "Ø", "Wann"]
    assert rows[1] == [
        "1",
        '\'=HYPERLINK("https://evil.example","x")',
        "a;b\nzweite Zeile",
        "2,5",
        "",
    ]
    assert rows[2] == ["2", "Jürgen Größe", "'-", "", "03.03.2027 17:30"]
    english = csv_bytes(table(), decimal=".", datetime_format="%Y-%m-%d %H:%M").decode("utf-8-sig")
    assert "2.5" in english and "2027-03-03 17:30" in english


def test_slug() -> None:
    assert slug("Cross-Mentoring Rheinland 2027/28", "p") == "cross-mentoring-rheinland-2027-28"
    assert slug("Größe & Übermut – Jahrgang 1", "p") == "groesse-uebermut-jahrgang-1"
    assert slug("日本語", "program-7") == "program-7"
    assert slug("x" * 200, "p") == "x" * 60


def test_every_column_has_a_distinct_name() -> None:
    assert len(COLUMNS) == len(set(COLUMNS))


# --- workbook and chart -------------------------------------------------------------------------


def test_workbook_round_trip() -> None:
    second = Table("people2", "Teilnehmende", ["A"], [["x\x07y"]])  # same title, bad character
    data = xlsx_bytes([table(), second])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Teilnehmende", "Teilnehmende (2)"]
    sheet = book["Teilnehmende"]
    assert [c.value for c in sheet[1]] == ["ID", "Name", "Notiz", "Ø", "Wann"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    injected = sheet["B2"]
    assert injected.value == '\'=HYPERLINK("https://evil.example","x")'
    assert injected.data_type == "s"  # text, not a formula
    assert sheet["C3"].value == "'-"
    assert sheet["D2"].value == 2.5 and sheet["D2"].number_format == "0.0"
    assert sheet["E3"].value == dt.datetime(2027, 3, 3, 17, 30)  # local wall time
    assert sheet["E3"].number_format == "DD.MM.YYYY HH:MM"
    assert sheet["A3"].value == 2
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["B"] > widths["A"] >= 10
    assert book["Teilnehmende (2)"]["A2"].value == "xy"


def test_sheet_titles() -> None:
    taken: set[str] = set()
    assert sheet_title("Feedback: Mai/Juni [alle]?", taken) == "Feedback- Mai-Juni -alle--"
    assert len(sheet_title("x" * 40, taken)) == 31
    assert sheet_title("x" * 40, taken) == "x" * 27 + " (2)"
    assert sheet_title("", taken) == "Sheet"


def test_chart_is_a_png() -> None:
    series = [("Salzgitter 2027", [1, 0, 3]), ("$x$ _hidden", [0, 2, 2])]
    data = chart_png(
        series, ["Mär 2027", "Apr 2027", "Mai 2027"], title="Treffen", axis="Treffen", empty="-"
    )
    assert data.startswith(PNG_MAGIC) and 5_000 < len(data) < 500_000
    empty = chart_png([], [], title="Treffen", axis="Treffen", empty="Noch keine Treffen")
    assert empty.startswith(PNG_MAGIC)
    assert chart_label("$x$ _y") == r"\$x\$ _y"
    assert chart_label("_intern\nzwei") == " _intern zwei"


# --- the statistics message ---------------------------------------------------------------------


def _crowded(count: int) -> tuple[ProgramStats, list[AtRisk]]:
    name = "😀 <Ümlaut & Co> " * 12  # long, astral characters, escaping makes it longer
    tandems = [
        TandemHealth(i, f"{name}{i}", f"{name}{i}", NOW - 90 * DAY, None, 1.0) for i in range(count)
    ]
    stats = ProgramStats(
        participants={("mentor", "active"): count, ("mentee", "active"): count},
        tandems_active=count,
        tandems_dissolved=0,
        agreement_both=0,
        agreement_open=count,
        tandems_waiting=0,
        meetings_held=0,
        meetings_planned=0,
        meetings_not_held=0,
        feedback_answers=0,
        ratings=0,
        average_rating=None,
        tandems=tandems,
        unreachable=[f"{name}{i}" for i in range(count)],
    )
    return stats, at_risk(tandems, quiet_after_days=35, now=NOW)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_crowded_statistics_message_still_fits(language: str) -> None:
    stats, risky = _crowded(60)
    program = Program(id=1, name="P" * 120, settings={})
    text = stats_text(translator(language), language, program, stats, risky, 35, BERLIN, NOW)
    assert fits(text)  # shortened by length: as many names as fit, then how many more
    more = re.compile(r"\d+ (weitere|more)")
    assert len(more.findall(text)) == 2  # both lists were cut ...
    assert "<Ümlaut" not in text and "&lt;Ümlaut &amp; Co&gt;" in text  # ... escaped
    few, few_risky = _crowded(3)
    short = stats_text(translator(language), language, program, few, few_risky, 35, BERLIN, NOW)
    assert not more.search(short)  # three of each: nothing left out
