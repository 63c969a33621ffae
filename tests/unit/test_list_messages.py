"""Every message built from a list stays within Telegram's 4,096 characters, whatever the data.

Hundreds of 100-character names with markup-like text, ampersands and emoji, in both languages:
each list message is rendered and handed to the Bot API stand-in's own formatter, which must
accept it (valid HTML) and count no more than 4,096 characters, as the stand-in's sendMessage
does. Shortening is by length: with few or short names, every name is shown.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handlers.views.broadcasts as broadcaster
from bot.i18n import translator
from core.fit import LIMIT, Part, fit_items, fit_message, shares, visible_length
from core.stats import ProgramStats, TandemHealth, at_risk
from core.surveys import SurveyKind, default_questions
from fake_bot_api.formatting import format_text
from handlers import certificates
from handlers.reports import stats_text
from handlers.views import events, survey_results
from handlers.views import proposals as matching
from handlers.views import tandem_card as tandem
from services.certificates import Overview
from storage.events import Attendance
from storage.models import Certificate, Participant, Program, Survey, Tandem
from storage.surveys import Answered, Reach

NOW = dt.datetime(2028, 2, 20, 10, 0, tzinfo=dt.UTC)
BERLIN = ZoneInfo("Europe/Berlin")
LANGUAGES = ("de", "en")
# Few examples, each with hundreds of names: enough to vary lengths, cheap enough to run always.
HEAVY = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)

ALPHABET = st.sampled_from([*"abcdefghij ÄÖÜß", "<b>", "</b>", "&", "&amp;", "🎓", "😀", "<"])
NAME = st.lists(ALPHABET, min_size=30, max_size=60).map(
    lambda parts: "".join(parts).ljust(100, "x")[:100]
)


def _cohort(bases: list[str], count: int) -> list[str]:
    """`count` distinct 100-character names built from a few drawn ones."""
    return [f"{bases[i % len(bases)][:95]} {i:04d}" for i in range(count)]


NAMES = st.builds(_cohort, st.lists(NAME, min_size=2, max_size=6), st.integers(200, 400))


def delivered(html_text: str) -> str:
    """What the stand-in makes of the message; raises as sendMessage would on bad HTML."""
    text, _ = format_text(html_text, "HTML", None)
    assert len(text) <= 4096, f"message is too long: {len(text)}"
    assert visible_length(html_text) <= LIMIT
    return text


def program(name: str = "Salzgitter <2027> & 🎓 " * 5) -> Program:
    return Program(id=7, name=name, settings={}, invite_code="ABCDEFGH")


def person(index: int, name: str, role: str = "mentee") -> Participant:
    return Participant(id=index, name=name, company=f"{name[:50]} GmbH", role=role)


@pytest.mark.parametrize("language", LANGUAGES)
@HEAVY
@given(names=NAMES, data=st.data())
def test_event_card(language: str, names: list[str], data: st.DataObject) -> None:
    t = translator(language)
    people = [person(i, n) for i, n in enumerate(names)]
    cut = sorted(data.draw(st.lists(st.integers(0, len(people)), min_size=2, max_size=2)))
    present = Attendance(people[: cut[0]], people[cut[0] : cut[1]], people[cut[1] :])
    info = {"title": names[0], "kind": "Kick-off", "when": "So, 11.04.2027", "where": names[1]}
    text = delivered(events.card_text(t, program(), info, present, t("ek.status.planned")))
    assert names[0] in text  # the title, verbatim


@pytest.mark.parametrize("language", LANGUAGES)
@HEAVY
@given(names=NAMES, data=st.data())
def test_certificates_overview_and_report(
    language: str, names: list[str], data: st.DataObject
) -> None:
    t = translator(language)
    people = [person(i, n) for i, n in enumerate(names)]
    cut = sorted(data.draw(st.lists(st.integers(0, len(people)), min_size=2, max_size=2)))
    issued = [
        (p, Certificate(delivered_at=None if i % 3 else NOW))
        for i, p in enumerate(people[cut[0] : cut[1]])
    ]
    view = Overview(
        6, [(p, 7) for p in people[: cut[0]]], issued, [(p, 2) for p in people[cut[1] :]]
    )
    delivered(certificates.overview_text(t, program(), view))
    short = [(p.name, 2) for p in people[cut[1] :]]
    report = certificates.report_text(
        t, program(), names[: cut[0]], names[cut[0] : cut[1]], short, 6
    )
    delivered(report)


@pytest.mark.parametrize("language", LANGUAGES)
@HEAVY
@given(names=NAMES)
def test_statistics(language: str, names: list[str]) -> None:
    tandems = [
        TandemHealth(i, name, names[-1 - i], NOW - dt.timedelta(days=90), None, 1.0)
        for i, name in enumerate(names)
    ]
    figures = ProgramStats(
        participants={("mentor", "active"): len(names), ("mentee", "active"): len(names)},
        tandems_active=len(names),
        tandems_dissolved=0,
        agreement_both=0,
        agreement_open=len(names),
        tandems_waiting=0,
        meetings_held=0,
        meetings_planned=0,
        meetings_not_held=0,
        feedback_answers=0,
        ratings=0,
        average_rating=None,
        tandems=tandems,
        unreachable=names,
    )
    risky = at_risk(tandems, quiet_after_days=35, now=NOW)
    t = translator(language)
    delivered(stats_text(t, language, program(), figures, risky, 35, BERLIN, NOW))


@pytest.mark.parametrize("language", LANGUAGES)
@HEAVY
@given(names=NAMES)
def test_survey_results(language: str, names: list[str]) -> None:
    survey = Survey(
        id=1, kind=SurveyKind.MIDTERM.value, questions=default_questions(SurveyKind.MIDTERM)
    )
    answered = [
        Answered(i, name, "mentor" if i % 2 else "mentee", {}, i % 3 == 0, i % 4 == 0)
        for i, name in enumerate(names)
    ]
    reach = Reach(invited=len(names), reached=len(names), started=len(names), completed=len(names))
    t = translator(language)
    for message in survey_results.results_messages(t, language, survey, program(), answered, reach):
        delivered(message)


@pytest.mark.parametrize("language", LANGUAGES)
@HEAVY
@given(names=NAMES)
def test_match_proposal_page(language: str, names: list[str]) -> None:
    t = translator(language)
    people = {i: person(i, n, "mentor" if i % 2 else "mentee") for i, n in enumerate(names)}
    reasons = [{"code": "topics", "topics": names[:3]}]
    pairs = [
        {"mentor": i + 1, "mentee": i, "score": 80.0, "reasons": reasons}
        for i in range(0, matching.PAGE_SIZE * 2, 2)
    ]
    header = t(
        "mt.header",
        program=program().name,
        matched=len(pairs),
        mentees=len(names),
        mentors=len(names),
        total="480",
        page=1,
        pages=1,
    )
    blocks = [header]
    blocks += [matching._pair_block(t, people, pair, n + 1) for n, pair in enumerate(pairs)]
    blocks.append(t("mt.unmatched_header", count=len(names)))
    blocks += [
        t("mt.unmatched_line", name=p.name, company=p.company, why=p.name) for p in people.values()
    ]
    delivered(matching.fit(t, blocks))


@pytest.mark.parametrize("language", LANGUAGES)
@HEAVY
@given(names=NAMES)
def test_tandem_list_and_broadcast_report(language: str, names: list[str]) -> None:
    t = translator(language)
    unconfirmed = [
        Tandem(id=i, mentor=person(2 * i, name, "mentor"), mentee=person(2 * i + 1, names[-1]))
        for i, name in enumerate(names)
    ]
    delivered(tandem.list_text(t, program(), len(unconfirmed), unconfirmed))
    counts = {"sent": 3, "unreachable": len(names), "failed": len(names)}
    delivered(broadcaster.report_text(t, counts, names, list(reversed(names))))


def test_a_broadcast_report_lists_names_only_where_there_are_some() -> None:
    """Nobody unreachable: "0", not "0 – –"; one unreachable: the count and the name."""
    t = translator("de")
    clean = broadcaster.report_text(t, {"sent": 5}, [], [])
    assert clean.splitlines()[2:] == ["Nicht erreichbar (Bot blockiert): 0", "Fehlgeschlagen: 0"]
    one = broadcaster.report_text(t, {"sent": 4, "unreachable": 1}, ["Anna <b> & Co"], [])
    assert "Nicht erreichbar (Bot blockiert): 1 – Anna &lt;b&gt; &amp; Co\n" in one
    assert one.endswith("Fehlgeschlagen: 0")


def test_a_certificates_report_leaves_out_the_groups_with_nobody_in_them() -> None:
    """All delivered and nobody short: no "Nicht zugestellt (0): –" with its advice on what to
    do, no "Ohne Bescheinigung (0)"; one missed: that group and its advice."""
    t = translator("de")
    clean = certificates.report_text(t, program("Jahrgang 2027"), ["Ada", "Ben"], [], [], 6)
    assert "Zugestellt (2): Ada, Ben" in clean
    assert "Nicht zugestellt" not in clean and "Ohne Bescheinigung" not in clean
    missed = certificates.report_text(
        t, program("Jahrgang 2027"), ["Ada"], ["Ben"], [("Cem", 2)], 6
    )
    assert "Nicht zugestellt (1): Ben" in missed and "blockiert" in missed
    assert "Ohne Bescheinigung, weniger als 6 Treffen (1): Cem (2/6)" in missed


# --- the helper itself -----------------------------------------------------------------------


def more(rest: int) -> str:
    return f"… und {rest} weitere"


def test_few_names_are_all_shown_and_many_are_cut_by_length() -> None:
    short = [f"Name {i}" for i in range(40)]
    assert fit_items(Part(short, more), 4000) == ", ".join(short)
    long = ["x" * 100] * 45
    cut = fit_items(Part(long, more), 1000)
    assert visible_length(cut) <= 1000 and cut.endswith("… und 36 weitere")
    assert fit_items(Part([], more), 10) == "–"


def test_visible_length_counts_as_telegram_does() -> None:
    assert visible_length("<b>a</b> &amp; &lt;b&gt;") == len("a & <b>")
    assert visible_length("🎓") == 2  # UTF-16, as Telegram counts
    assert visible_length('<a href="https://example.org/x">Link</a>') == 4


def test_lists_share_the_budget_fairly() -> None:
    assert shares(100, [10, 500, 500]) == [10, 45, 45]
    assert shares(100, [10, 20]) == [10, 20]
    assert sum(shares(4000, [5000, 1, 3000])) <= 4000


def test_a_message_with_three_long_lists_keeps_all_three() -> None:
    lists = [Part(["y" * 100] * 60, more) for _ in range(3)]
    text = fit_message(lambda names: "A: {}\nB: {}\nC: {}".format(*names), lists)
    assert visible_length(text) <= LIMIT
    assert text.count("weitere") == 3 and text.count("y" * 100) > 30
