"""Certificates of participation ("Teilnahmebescheinigung"): who gets one, and the PDF.

Pure: no Telegram, no database. The handler gathers the figures and the wording (from the
translation catalogs, in the participant's language); this module decides eligibility and lays
out one A4 page with fpdf2.

The font is DejaVu Sans, which ships with matplotlib (a dependency already, for the export
chart): it covers German, most European scripts and Cyrillic, so names print as typed. A
character the font lacks (an emoji in a name) is dropped rather than printed as a box.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_MIN_MEETINGS = 6  # about half of the 10-12 meetings of a program year
MIN_MIN_MEETINGS = 1  # a certificate of participation without a single meeting certifies nothing
MAX_MIN_MEETINGS = 50
MAX_ORGANISATIONS = 300
MAX_SIGNER = 60  # two lines at most under the signature line


def valid_min_meetings(value: object) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and MIN_MIN_MEETINGS <= value <= MAX_MIN_MEETINGS
    )


def min_meetings(settings: dict[str, Any] | None) -> int:
    """The program's minimum number of held meetings; malformed values mean the default."""
    value = (settings or {}).get("min_meetings")
    return value if valid_min_meetings(value) and isinstance(value, int) else DEFAULT_MIN_MEETINGS


def parse_min_meetings(raw: str) -> int | None:
    """A typed minimum: a whole number from 1 to 50, else None ("0", "-1", "zwei")."""
    text = raw.strip()
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
    return value if valid_min_meetings(value) else None


def eligible(meetings_held: int, minimum: int) -> bool:
    return meetings_held >= max(minimum, MIN_MIN_MEETINGS)


def ended(ends_on: dt.date, today: dt.date) -> bool:
    """The program is over after its last day (in the program's time zone)."""
    return today > ends_on


def may_issue(ends_on: dt.date, today: dt.date, *, confirmed_early: bool) -> bool:
    """Certificates go out after the end; before it only when the coordinator confirmed a
    question that named the end date."""
    return ended(ends_on, today) or confirmed_early


def long_date(day: dt.date, language: str) -> str:
    """ "30. Juni 2027" / "30 June 2027"."""
    from babel.dates import format_date

    return format_date(day, format="long", locale="en_GB" if language == "en" else language)


def join_names(names: list[str], language: str) -> str:
    """ "Ben Becker und Lena Lang" / "Ben Becker and Lena Lang"."""
    from babel.lists import format_list

    return format_list(names, locale="en_GB" if language == "en" else language) if names else ""


@dataclass(frozen=True)
class Issuer:
    """Who runs the program and signs its certificates (program settings; empty when unset)."""

    organisations: str = ""
    signer_name: str = ""
    signer_function: str = ""

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> Issuer:
        def text(key: str, limit: int) -> str:
            value = (settings or {}).get(key)
            return " ".join(value.split())[:limit] if isinstance(value, str) else ""

        return cls(
            text("organisations", MAX_ORGANISATIONS),
            text("signer_name", MAX_SIGNER),
            text("signer_function", MAX_SIGNER),
        )

    def signature(self, fallback: str) -> tuple[str, ...]:
        """The lines under the signature line: name and function as far as given, else the
        fallback ("Die Programmleitung"), never an empty line."""
        return tuple(line for line in (self.signer_name, self.signer_function) if line) or (
            fallback,
        )


@dataclass(frozen=True)
class CertificateText:
    """Everything printed, already in the reader's language."""

    title: str  # "Teilnahmebescheinigung"
    intro: str  # "Hiermit wird bestätigt, dass"
    name: str
    company: str
    body: str  # role, program, period, meetings: a paragraph
    focus: str  # what the program is about
    place_date: str  # "Salzgitter, 12.03.2027" or just the date
    signature: tuple[str, ...]  # ("Dr. Juliane Stockhammer", "Projektleitung") or the fallback
    footer: str  # program name and a note how the certificate was issued
    organisations: str = ""  # "Ein Programm von …", printed above the title when set


@cache
def _font_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:  # pragma: no cover - matplotlib is a dependency
        raise RuntimeError("matplotlib (for its DejaVu fonts) is not installed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


@cache
def _covered() -> frozenset[int]:
    """Code points DejaVu Sans has glyphs for."""
    from fontTools.ttLib import TTFont  # read once, on the first certificate

    with TTFont(_font_dir() / "DejaVuSans.ttf") as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    covered = _covered()
    return " ".join("".join(c for c in text if ord(c) in covered).split())


CONTENT_BOTTOM = 218.0  # mm: the date and the signature line sit below this
SCALES = (1.0, 0.85, 0.7, 0.55)  # long names and program names shrink the text to fit


def render_pdf(text: CertificateText, created: dt.datetime) -> bytes:
    """One A4 page; `created` (the issue time) is the PDF's creation date, so the same
    certificate renders to the same bytes. Text that would run into the signature block is
    set smaller until it fits."""
    for scale in SCALES:
        pdf, bottom = _page(text, created, scale)
        if bottom <= CONTENT_BOTTOM:
            break
    return bytes(pdf.output())


def _page(text: CertificateText, created: dt.datetime, scale: float) -> tuple[Any, float]:
    from fpdf import FPDF  # only the certificate run needs it (its import takes ~0.1 s)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(created)
    pdf.set_title(printable(f"{text.title} – {text.name}"))
    pdf.set_author(printable(text.signature[0]))
    pdf.set_creator("Tandem")
    pdf.set_auto_page_break(auto=False)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - 2 * 25

    # A thin double frame, as on printed certificates.
    pdf.set_draw_color(40, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
    pdf.set_line_width(0.3)
    pdf.rect(15, 15, pdf.w - 30, pdf.h - 30)

    def block(style: str, size: float, height: float, content: str) -> None:
        pdf.set_x(25)
        pdf.set_font("DejaVu", style, size * scale)
        pdf.multi_cell(width, height * scale, printable(content), align="C")

    if text.organisations:
        pdf.set_text_color(80, 80, 80)
        pdf.set_y(24)
        block("", 10, 5, text.organisations)
    pdf.set_text_color(40, 70, 120)
    pdf.set_y(max(48, pdf.get_y() + 4))  # a long list of organisations pushes the rest down
    block("B", 28, 14, text.title)
    pdf.set_text_color(30, 30, 30)
    pdf.set_y(max(85, pdf.get_y() + 8))
    block("", 13, 8, text.intro)
    pdf.ln(6 * scale)
    block("B", 22, 11, text.name)
    if text.company:
        block("", 12, 7, text.company)
    pdf.ln(10 * scale)
    block("", 13, 8, text.body)
    pdf.ln(6 * scale)
    pdf.set_text_color(80, 80, 80)
    block("", 11, 6.5, text.focus)
    bottom = pdf.get_y()

    pdf.set_text_color(30, 30, 30)
    pdf.set_font("DejaVu", "", 12)
    pdf.set_xy(25, 225)
    pdf.cell(width / 2 - 5, 7, printable(text.place_date), align="L")
    pdf.set_draw_color(30, 30, 30)
    pdf.line(25 + width / 2 + 5, 240, 25 + width, 240)
    _signature(pdf, [printable(line) for line in text.signature[:2]], 25 + width / 2 + 5)

    pdf.set_xy(25, pdf.h - 32)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(120, 120, 120)
    pdf.multi_cell(width, 4.5, printable(text.footer), align="C")
    return pdf, bottom


SIGNATURE_TOP = 242.0
SIGNATURE_SPACE = 20.0  # mm below the line, clear of the footer
SIGNATURE_SIZES = (11.0, 10.0, 9.0, 8.0, 7.0, 6.0)


def _signature(pdf: Any, lines: list[str], left: float) -> None:
    """Name (bold) and function under the signature line, set smaller until both fit the space
    above the footer: a long name or function never runs into it."""
    width = pdf.w - 25 - left
    for size in SIGNATURE_SIZES:
        height = size * 0.45
        needed = 0
        for index, line in enumerate(lines):
            pdf.set_font("DejaVu", "" if index else "B", size)
            needed += len(pdf.multi_cell(width, height, line, dry_run=True, output="LINES"))
        if needed * height <= SIGNATURE_SPACE:
            break
    pdf.set_y(SIGNATURE_TOP)
    for index, line in enumerate(lines):
        pdf.set_x(left)
        pdf.set_font("DejaVu", "" if index else "B", size)
        pdf.multi_cell(width, height, line, align="C")
