"""The certificate rules and the PDF: eligibility, the program's minimum, and a page that reads
back with every name as typed (or without the characters no font can print)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from core.certificates import (
    CONTENT_BOTTOM,
    DEFAULT_MIN_MEETINGS,
    SCALES,
    CertificateText,
    _font_dir,
    _page,
    _signature,
    eligible,
    min_meetings,
    printable,
    render_pdf,
)

ISSUED = dt.datetime(2028, 2, 20, 10, 0, tzinfo=dt.UTC)


def text(name: str = "Maria Müller", company: str = "Müller & Söhne <GmbH>") -> CertificateText:
    return CertificateText(
        title="Teilnahmebescheinigung",
        intro="Hiermit wird bestätigt, dass",
        name=name,
        company=company,
        body="als Mentee am Cross-Mentoring-Programm „Salzgitter 2027“ teilgenommen hat.",
        focus="Führung und persönliche Entwicklung.",
        place_date="Ausgestellt am 20.02.2028",
        signature=("Die Programmleitung",),
        footer="Salzgitter 2027 · Bescheinigung Nr. 1-7",
    )


def read(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (None, DEFAULT_MIN_MEETINGS),
        ({}, DEFAULT_MIN_MEETINGS),
        ({"min_meetings": 0}, DEFAULT_MIN_MEETINGS),  # a certificate needs a meeting
        ({"min_meetings": 1}, 1),
        ({"min_meetings": 10}, 10),
        ({"min_meetings": 51}, DEFAULT_MIN_MEETINGS),
        ({"min_meetings": -1}, DEFAULT_MIN_MEETINGS),
        ({"min_meetings": "8"}, DEFAULT_MIN_MEETINGS),
        ({"min_meetings": True}, DEFAULT_MIN_MEETINGS),
        ({"min_meetings": 6.5}, DEFAULT_MIN_MEETINGS),
    ],
)
def test_minimum_from_settings(settings: dict[str, object] | None, expected: int) -> None:
    assert min_meetings(settings) == expected


def test_eligible_at_the_minimum() -> None:
    assert eligible(6, 6) and eligible(7, 6) and eligible(1, 0)
    assert not eligible(5, 6)
    assert not eligible(0, 0)  # whatever a stored minimum says, no meeting is no certificate


def test_the_page_reads_back() -> None:
    content = read(render_pdf(text(), ISSUED))
    for fragment in (
        "Teilnahmebescheinigung",
        "Maria Müller",
        "Müller & Söhne <GmbH>",
        "„Salzgitter 2027“",
        "Ausgestellt am 20.02.2028",
        "Die Programmleitung",
        "Nr. 1-7",
    ):
        assert fragment in content


def test_same_certificate_same_bytes() -> None:
    assert render_pdf(text(), ISSUED) == render_pdf(text(), ISSUED)
    assert render_pdf(text(), ISSUED) != render_pdf(text(name="Eva Schmidt"), ISSUED)


def test_characters_without_a_glyph_are_dropped_not_boxed() -> None:
    assert printable("Anna 🎉 Ли  李\tSchmidt") == "Anna Ли Schmidt"
    content = read(render_pdf(text(name="Anna 🎉 Ли Schmidt"), ISSUED))
    assert "Anna Ли Schmidt" in content


def test_long_names_shrink_until_they_clear_the_signature() -> None:
    long = text(name="Maximiliane " * 18, company="Gesellschaft " * 15)
    for scale in SCALES:
        _, bottom = _page(long, ISSUED, scale)
        if scale == SCALES[0]:
            assert bottom > CONTENT_BOTTOM  # the case this is about: too long at full size
    assert bottom <= CONTENT_BOTTOM
    content = read(render_pdf(long, ISSUED))
    assert content.count("Maximiliane") == 18 and "Die Programmleitung" in content
    _, normal = _page(text(), ISSUED, 1.0)
    assert normal <= CONTENT_BOTTOM


def test_organisations_and_a_long_signer_fit_the_page() -> None:
    """The longest organisations and signer a program can set still read back on one page,
    and the signature block is set smaller rather than running into the footer."""
    from fpdf import FPDF

    organisations = "Ein Programm von " + ", ".join(["Wirtschaftsförderung Salzgitter"] * 9)
    signer = ("Dr. " + "Juliane Stockhammer-" * 3)[:60], ("Projektleitung " * 5)[:60]
    page = text()
    page = CertificateText(
        **{**page.__dict__, "organisations": organisations[:317], "signature": signer}
    )
    content = read(render_pdf(page, ISSUED))
    assert "Ein Programm von Wirtschaftsförderung Salzgitter" in content
    assert "Juliane Stockhammer" in content and "Projektleitung" in content
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    _signature(pdf, ["W" * 60, "W" * 60], 110)  # the widest letters, no space to wrap at
    assert pdf.get_y() <= pdf.h - 32  # the last signature line ends above the footer
