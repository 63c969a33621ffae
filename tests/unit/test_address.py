"""How the bot writes about a person: the form of address, the case, the certificate wording."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.i18n import catalog, translator
from core.address import ROLES, Case, FormOfAddress, form_of, role_of
from core.certificates import (
    Issuer,
    ended,
    join_names,
    long_date,
    may_issue,
    parse_min_meetings,
    valid_min_meetings,
)
from handlers.certificates import certificate_text
from handlers.views.address import chat_link, introduced_as, who
from storage.models import Certificate, Participant, Program


def person(name: str, role: str = "mentor", form: str = "f") -> Participant:
    return Participant(name=name, role=role, form_of_address=form, company="Alstom")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("f", FormOfAddress.FEMALE), ("m", FormOfAddress.MALE), ("n", FormOfAddress.NEUTRAL)]
    + [(odd, FormOfAddress.NEUTRAL) for odd in (None, "", "x", "F", 1)],
)
def test_unknown_forms_read_as_neutral(value: object, expected: FormOfAddress) -> None:
    assert form_of(value) is expected


def test_unknown_roles_read_as_mentee() -> None:
    assert [role_of(r) for r in ("mentor", "mentee", None, "boss")] == [
        "mentor",
        "mentee",
        "mentee",
        "mentee",
    ]


@pytest.mark.parametrize(
    ("role", "form", "case", "expected"),
    [
        ("mentor", "f", Case.NOMINATIVE, "Ihre Mentorin Petra Schulz"),
        ("mentor", "f", Case.DATIVE, "Ihrer Mentorin Petra Schulz"),
        ("mentor", "m", Case.DATIVE, "Ihrem Mentor Petra Schulz"),
        ("mentor", "m", Case.ACCUSATIVE, "Ihren Mentor Petra Schulz"),
        ("mentee", "m", Case.NOMINATIVE, "Ihr Mentee Petra Schulz"),
        ("mentee", "f", Case.DATIVE, "Ihrer Mentee Petra Schulz"),
        ("mentor", "f", Case.BARE, "Mentorin Petra Schulz"),
        ("mentor", "n", Case.DATIVE, "Petra Schulz"),
        ("mentee", "n", Case.START, "Petra Schulz"),
    ],
)
def test_german_phrases(role: str, form: str, case: Case, expected: str) -> None:
    assert who(translator("de"), person("Petra Schulz", role, form), case) == expected


def test_english_needs_no_gender() -> None:
    t = translator("en")
    for form in ("f", "m"):
        assert who(t, person("Petra", "mentor", form), Case.DATIVE) == "your mentor Petra"
        assert who(t, person("Petra", "mentee", form), Case.START) == "Your mentee Petra"
    assert who(t, person("Petra", "mentor", "n"), Case.DATIVE) == "Petra"


def test_the_name_is_escaped_once() -> None:
    phrase = who(translator("de"), person("<b>Eva</b> & Co", "mentor", "f"), Case.DATIVE)
    assert phrase == "Ihrer Mentorin &lt;b&gt;Eva&lt;/b&gt; &amp; Co"
    message = translator("de")("agreement.waiting", partner=phrase)
    assert "&amp;lt;" not in message and "&lt;b&gt;Eva" in message


def test_introduction_sentence() -> None:
    t = translator("de")
    assert introduced_as(t, person("Petra", "mentor", "f")) == "Ihre Mentorin ist <b>Petra</b>"
    assert introduced_as(t, person("Jonas", "mentor", "m")) == "Ihr Mentor ist <b>Jonas</b>"
    assert (
        introduced_as(t, person("Alex", "mentor", "n")) == "Sie bilden ein Tandem mit <b>Alex</b>"
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_slash_forms_in_running_text(language: str) -> None:
    """wording.md: no "Mentor/in", "Mentor:innen", "bzw." pairs where a person is named."""
    messages = catalog(language)
    for role in ROLES:
        for form in FormOfAddress:
            keys = [f"who.{role}.{form.value}.{c.value}" for c in Case]
            keys += [f"intro.who.{role}.{form.value}", f"ct.pdf.role.{role}.{form.value}"]
            for key in keys:
                text = messages[key].replace("</b>", "")
                assert "/" not in text and ":in" not in text and "bzw." not in text, key


def test_minimum_is_one_to_fifty() -> None:
    assert [parse_min_meetings(raw) for raw in ("1", " 6 ", "50")] == [1, 6, 50]
    assert [parse_min_meetings(raw) for raw in ("0", "00", "-1", "51", "zwei", "", "١")] == [
        None
    ] * 7
    assert not valid_min_meetings(0) and not valid_min_meetings(True)


def test_issue_after_the_end_or_confirmed() -> None:
    end = dt.date(2027, 6, 30)
    assert not ended(end, end) and ended(end, dt.date(2027, 7, 1))
    assert not may_issue(end, dt.date(2027, 6, 30), confirmed_early=False)
    assert may_issue(end, dt.date(2027, 6, 30), confirmed_early=True)
    assert may_issue(end, dt.date(2027, 7, 1), confirmed_early=False)


def test_dates_and_lists_in_the_reader_language() -> None:
    assert long_date(dt.date(2027, 6, 30), "de") == "30. Juni 2027"
    assert long_date(dt.date(2027, 6, 30), "en") == "30 June 2027"
    assert join_names(["A", "B", "C"], "de") == "A, B und C"
    assert join_names(["A", "B"], "en") == "A and B"
    assert join_names([], "de") == ""


def test_issuer_falls_back_to_the_program_team() -> None:
    assert Issuer.from_settings(None).signature("Die Programmleitung") == ("Die Programmleitung",)
    odd = Issuer.from_settings({"signer_name": "  ", "signer_function": 7, "organisations": []})
    assert odd == Issuer() and odd.signature("X") == ("X",)
    issuer = Issuer.from_settings({"signer_function": "Projektleitung", "organisations": "IHK"})
    assert issuer.signature("X") == ("Projektleitung",)
    full = Issuer.from_settings({"signer_name": "Dr.  J. S.", "signer_function": "Leitung"})
    assert full.signature("X") == ("Dr. J. S.", "Leitung")


def _certificate_for(who_: Participant, partners: list[str], settings: dict[str, object]) -> str:
    program = Program(
        id=3,
        name="Salzgitter 2027",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2028, 2, 29),
        settings=settings,
    )
    certificate = Certificate(id=9, meetings=7, issued_at=dt.datetime(2028, 3, 2, tzinfo=dt.UTC))
    text = certificate_text(translator("de"), program, who_, certificate, partners)
    return " | ".join(
        [text.organisations, text.name, text.body, *text.signature]  # what the page prints
    )


def test_certificate_wording_per_person() -> None:
    petra = _certificate_for(
        person("Petra Schulz", "mentor", "f"),
        ["Ben Becker", "Lena Lang"],
        {"organisations": "IHK Braunschweig", "signer_name": "Dr. J. S."},
    )
    assert petra.startswith("Ein Programm von IHK Braunschweig | Frau Petra Schulz | als Mentorin")
    assert "Die Tandems mit Ben Becker und Lena Lang haben sich" in petra
    assert petra.endswith("| Dr. J. S.")
    alex = _certificate_for(person("Alex Kim", "mentor", "n"), ["Ben Becker"], {})
    assert alex.startswith(" | Alex Kim | als erfahrene Führungskraft im Mentoring")
    assert "Das Tandem mit Ben Becker hat sich in dieser Zeit 7-mal getroffen." in alex
    assert alex.endswith("| Die Programmleitung")
    ben = _certificate_for(person("Ben Becker", "mentee", "m"), [], {})
    assert "Herr Ben Becker | als Mentee" in ben and "Das Tandem hat sich" in ben


def test_a_chat_link_escapes_and_reaches_people_without_a_username() -> None:
    """The registration card and the introduction name a person as a link to their chat; an
    erased registration has no user and stays a name (it showed "None" as contact before)."""
    link = chat_link(5011, "Clara <b>& Co</b>", None)
    assert link == '<a href="tg://user?id=5011">Clara &lt;b&gt;&amp; Co&lt;/b&gt;</a>'
    assert chat_link(5011, "Clara", "clara_b").endswith("</a> (@clara_b)")
    assert chat_link(None, "–", None) == "–"
