"""The matching engine: hard rules, explanations, and optimality against brute force."""

from __future__ import annotations

import contextlib
import math
import random
from functools import cache
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.companies import normalize_company
from core.matching import (
    Constraints,
    MatchResult,
    Pair,
    Person,
    Reason,
    Weights,
    broken_pairs,
    employer_of,
    greedy,
    hard_violations,
    match,
    score_pair,
    scoring,
    solver,
)
from core.matching.rules import _hard_violations
from core.matching.scoring import _Prepared
from core.seniority import Level, seniority_level

SALZGITTER = (52.15, 10.33)
BRAUNSCHWEIG = (52.27, 10.52)
MUNICH = (48.14, 11.58)


def person(
    pid: int,
    company: str,
    industry: str = "Bank",
    position: str = "Teamleiterin",
    topics: tuple[str, ...] = ("Feedback",),
    meeting_format: str = "both",
    languages: tuple[str, ...] = ("de",),
    capacity: int = 1,
    location: tuple[float, float] | None = None,
    employer: str = "",
) -> Person:
    return Person(
        id=pid,
        company=company,
        industry=industry,
        position=position,
        topics=frozenset(topics),
        meeting_format=meeting_format,
        languages=frozenset(languages),
        capacity=capacity,
        location=location,
        name=f"P{pid}",
        employer=employer,
    )


def codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [r.code for r in reasons]


def pairs_of(result: MatchResult) -> set[tuple[int, int]]:
    return {(p.mentor_id, p.mentee_id) for p in result.pairs}


def the_pair(result: MatchResult, mentee_id: int) -> Pair:
    (pair,) = [p for p in result.pairs if p.mentee_id == mentee_id]
    return pair


# --- the Salzgitter cohort ------------------------------------------------------------------------

MENTORS = (
    person(1, "Alstom Transport", "Bahntechnik", "Bereichsleiter", ("Feedback", "Kommunikation")),
    person(2, "Salzgitter AG", "Stahl", "Geschäftsführerin", ("Karriereplanung",), capacity=2),
    person(3, "Braunschweigische Landessparkasse", "Bank", "Abteilungsleiter", ("Feedback",)),
    person(
        4, "WIS GmbH", "Wohnungswirtschaft", "Head of Sales", ("Netzwerken",), languages=("en",)
    ),
)


def test_different_company_is_required_across_spellings() -> None:
    mentor = person(1, "ALSTOM GmbH", "Bahntechnik")
    mentee = person(10, "Alstom", "Bank")
    assert codes(hard_violations(mentor, mentee, Constraints())) == ["same_company"]
    result = match([mentor], [mentee])
    assert result.pairs == ()
    (unmatched,) = result.unmatched
    assert unmatched.reasons == (Reason("no_mentor_other_company", (("company", "Alstom"),)),)


def test_excluded_companies_are_never_paired() -> None:
    mentor = person(1, "Salzgitter AG", "Stahl")
    mentee = person(10, "WIS GmbH", "Bau")
    pair = frozenset({frozenset({normalize_company("Salzgitter AG"), normalize_company("WIS")})})
    constraints = Constraints(excluded_companies=pair)
    assert codes(hard_violations(mentor, mentee, constraints)) == ["excluded_companies"]
    result = match([mentor], [mentee], constraints)
    assert result.pairs == ()
    (reason,) = result.unmatched[0].reasons
    assert reason.code == "only_excluded_companies"
    assert reason.param("companies") == "Salzgitter AG"
    # Exclusions typed as shown in the bot are normalised too.
    typed = Constraints(excluded_companies=frozenset({frozenset({"SALZGITTER AG", "WIS GmbH"})}))
    assert match([mentor], [mentee], typed).pairs == ()


def test_one_employer_under_different_names_is_never_paired() -> None:
    """The directory's key decides: a corporate group or an alias is one employer."""
    mentor = person(1, "Salzgitter AG", "Stahl", employer="g:1")
    mentee = person(10, "Peiner Träger GmbH", "Maschinenbau", employer="g:1")
    (reason,) = hard_violations(mentor, mentee, Constraints())
    assert reason == Reason(
        "same_employer", (("mentor", "Salzgitter AG"), ("mentee", "Peiner Träger GmbH"))
    )
    result = match([mentor], [mentee])
    assert result.pairs == ()
    assert result.unmatched[0].reasons[0].code == "no_mentor_other_company"
    other = person(2, "Alstom", "Bahntechnik", employer="c:3")
    assert pairs_of(match([mentor, other], [mentee])) == {(2, 10)}
    # The same typed name is one employer whatever keys a caller passes.
    assert codes(hard_violations(person(3, "Alstom", employer="c:4"), other, Constraints())) == [
        "same_company"
    ]
    assert employer_of(person(4, "ALSTOM GmbH")) == "n:alstom"


def test_excluded_employers_hold_for_every_name_of_the_employer() -> None:
    mentor = person(1, "Salzgitter Flachstahl", "Stahl", employer="g:1")
    mentee = person(10, "Robert Bosch GmbH", "Automobil", employer="c:5")
    constraints = Constraints(excluded_employers=frozenset({frozenset({"g:1", "c:5"})}))
    assert codes(hard_violations(mentor, mentee, constraints)) == ["excluded_companies"]
    (reason,) = match([mentor], [mentee], constraints).unmatched[0].reasons
    assert reason.code == "only_excluded_companies"


def test_probable_spellings_are_not_paired_until_decided() -> None:
    """Hard until a coordinator merges or keeps them apart; an alternative is taken meanwhile."""
    vw = person(1, "Volkswagen AG", "Automobil", topics=("Feedback",), employer="c:1")
    other = person(2, "WIS", "Bau", topics=(), employer="c:2")
    plant = person(10, "Volkswagen AG, Werk Salzgitter", "Bank", employer="c:3")
    doubt = Constraints(doubtful=frozenset({frozenset({"c:1", "c:3"})}))
    assert pairs_of(match([vw, other], [plant])) == {(1, 10)}  # the better pair, undecided
    assert pairs_of(match([vw, other], [plant], doubt)) == {(2, 10)}
    assert codes(hard_violations(vw, plant, doubt)) == ["probably_same_employer"]
    (reason,) = match([vw], [plant], doubt).unmatched[0].reasons
    assert reason == Reason(
        "only_doubtful_companies", (("companies", "Volkswagen AG"), ("mentors", "1"))
    )


def test_broken_pairs_name_every_rule_a_stored_pair_breaks_now() -> None:
    mentor = person(1, "Salzgitter AG", employer="g:1", capacity=1)
    mentees = [person(10, "Peiner Träger", employer="g:1"), person(11, "WIS", employer="c:2")]
    constraints = Constraints(previous=frozenset({(1, 11)}))
    broken = broken_pairs([mentor], mentees, [(1, 10), (1, 11), (2, 11)], constraints, Weights())
    assert [(m, e, codes(r)) for m, e, r in broken] == [
        (1, 10, ["same_employer"]),
        (1, 11, ["previous", "over_capacity"]),
        (2, 11, ["not_available"]),
    ]
    assert broken_pairs([mentor], mentees, [(1, 11)], Constraints(), Weights()) == []


def test_a_shared_language_is_required() -> None:
    mentors = [
        person(1, "Alstom", languages=("fr",)),
        person(2, "Salzgitter AG", languages=("en",)),
    ]
    mentee = person(10, "WIS", languages=("de",))
    result = match(mentors, [mentee])
    assert result.pairs == ()
    (reason,) = result.unmatched[0].reasons
    assert reason == Reason("no_shared_language", (("languages", "de"), ("mentors", "2")))
    bilingual = person(11, "WIS", languages=("de", "en"))
    assert pairs_of(match(mentors, [bilingual])) == {(2, 11)}


def test_capacity_two_takes_two_mentees_and_no_more() -> None:
    mentor = person(1, "Salzgitter AG", "Stahl", "Vorstand", capacity=2)
    mentees = [person(10 + i, f"Firma {i}") for i in range(3)]
    result = match([mentor], mentees)
    assert len(result.pairs) == 2
    (unmatched,) = result.unmatched
    assert unmatched.reasons == (Reason("all_taken", (("mentors", "1"),)),)


def test_cohort_matches_everyone_across_companies() -> None:
    mentees = (
        person(10, "Alstom", "Bahntechnik", "Teamleiter", ("Feedback",)),
        person(11, "Braunschweigische Landessparkasse", "Bank", "Gruppenleiterin", ("Feedback",)),
        person(12, "Salzgitter Aktiengesellschaft", "Stahl", "Projektleiter", ("Netzwerken",)),
        person(13, "WIS", "Wohnungswirtschaft", "Teamleiterin", ("Karriereplanung",)),
    )
    result = match(MENTORS, mentees)
    assert len(result.pairs) == 4
    assert result.unmatched == ()
    people = {p.id: p for p in (*MENTORS, *mentees)}
    for pair in result.pairs:
        mentor, mentee = people[pair.mentor_id], people[pair.mentee_id]
        assert normalize_company(mentor.company) != normalize_company(mentee.company)
    assert result.total_score == pytest.approx(sum(p.score for p in result.pairs))


def test_pins_are_honoured_and_count_against_capacity() -> None:
    mentor = person(1, "Salzgitter AG", "Stahl", "Vorstand", capacity=1)
    better = person(10, "Alstom", "Bahntechnik", topics=("Feedback",))
    pinned = person(11, "WIS", "Stahl", topics=("Netzwerken",))
    result = match([mentor], [better, pinned], Constraints(must=frozenset({(1, 11)})))
    assert pairs_of(result) == {(1, 11)}
    assert the_pair(result, 11).pinned
    assert codes(result.unmatched[0].reasons) == ["all_taken"]
    assert result.problems == ()


def test_pins_that_break_rules_are_reported_and_not_made() -> None:
    mentors = [person(1, "Alstom", capacity=1), person(2, "Salzgitter AG")]
    mentees = [person(10, "ALSTOM GmbH"), person(11, "WIS"), person(12, "BLSK")]
    must = frozenset({(1, 10), (2, 11), (2, 12), (99, 11), (2, 98)})
    result = match(mentors, mentees, Constraints(must=must))
    problems = {(r.code, r.param("mentor"), r.param("mentee")) for r in result.problems}
    assert problems == {
        ("pin_rejected", "1", "10"),
        ("pin_over_capacity", "2", "12"),
        ("pin_unknown_mentor", "99", "11"),
        ("pin_unknown_mentee", "2", "98"),
    }
    rejected = next(r for r in result.problems if r.code == "pin_rejected")
    assert rejected.param("rules") == "same_company"
    assert (1, 10) not in pairs_of(result)
    assert the_pair(result, 11).pinned
    # The rejected pin's mentee is still matched normally where possible.
    assert (1, 12) in pairs_of(result)


def test_forbidden_and_previous_pairs_are_never_made() -> None:
    mentors = [person(1, "Alstom"), person(2, "Salzgitter AG")]
    mentee = person(10, "WIS")
    constraints = Constraints(forbidden=frozenset({(1, 10)}), previous=frozenset({(2, 10)}))
    result = match(mentors, [mentee], constraints)
    assert result.pairs == ()
    assert codes(result.unmatched[0].reasons) == ["only_forbidden", "only_previous"]
    assert codes(hard_violations(mentors[0], mentee, constraints)) == ["forbidden"]
    assert codes(hard_violations(mentors[1], mentee, constraints)) == ["previous"]
    only_forbidden = Constraints(forbidden=frozenset({(1, 10), (2, 10)}))
    assert match(mentors, [mentee], only_forbidden).unmatched[0].reasons == (
        Reason("only_forbidden", (("mentors", "2"),)),
    )


def test_unmatched_reasons_without_any_mentor() -> None:
    result = match([], [person(10, "WIS")])
    assert result.unmatched[0].reasons == (Reason("no_mentors"),)


def test_format_clash_is_soft_by_default_and_hard_on_request() -> None:
    mentor = person(1, "Alstom", meeting_format="in_person")
    mentee = person(10, "WIS", meeting_format="online")
    soft = match([mentor], [mentee])
    assert "format_mismatch" in codes(the_pair(soft, 10).reasons)
    hard = match([mentor], [mentee], weights=Weights(format_hard=True))
    assert hard.pairs == ()
    assert codes(hard.unmatched[0].reasons) == ["no_format_match"]


def test_optimum_beats_greedy_on_a_crossing() -> None:
    # Greedy takes the single best pair (1, 10); mentee 11 could only have had mentor 1.
    mentors = [
        person(1, "Alstom", "Bahntechnik", "Vorstand", ("A", "B")),
        person(2, "BLSK", "Bank", "Sachbearbeiter", ()),
    ]
    mentees = [
        person(10, "WIS", "Bau", "Teamleiter", ("A", "B")),
        person(11, "BLSK", "Bank", "Teamleiter", ("A",)),
    ]
    assert pairs_of(greedy(mentors, mentees)) == {(1, 10)}
    assert pairs_of(match(mentors, mentees)) == {(2, 10), (1, 11)}


# --- normalisation and seniority -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Alstom", "ALSTOM GmbH"),
        ("Salzgitter AG", "Salzgitter Aktiengesellschaft"),
        ("WIS GmbH & Co. KG", "wis"),
        ("Braunschweigische Landessparkasse", "Braunschweigische  Landessparkasse."),
        ("Deutsche Bahn AG", "DeutscheBahn"),
        ("Verein Brücke e.V.", "Verein Brücke"),
        ("ACME Ltd.", "Acme Inc"),
        ("Müller & Söhne SE", "Müller und Söhne"),
        ("SAP SE", "S.A.P."),
    ],
)
def test_normalize_company_merges_spellings(a: str, b: str) -> None:
    assert normalize_company(a) == normalize_company(b)
    assert normalize_company(normalize_company(a)) == normalize_company(a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Alstom", "Alstom Transport Deutschland GmbH"),
        ("Salzgitter AG", "Salzgitter Flachstahl GmbH"),
        ("Sparkasse Hannover", "Sparkasse Braunschweig"),
    ],
)
def test_normalize_company_keeps_different_companies_apart(a: str, b: str) -> None:
    assert normalize_company(a) != normalize_company(b)


def test_normalize_company_never_empties_a_name() -> None:
    assert normalize_company("AG") == "ag"


@pytest.mark.parametrize(
    ("position", "level"),
    [
        ("Vorstand Finanzen", Level.EXECUTIVE),
        ("Geschäftsführerin", Level.EXECUTIVE),
        ("CEO", Level.EXECUTIVE),
        ("Managing Director", Level.EXECUTIVE),
        ("Bereichsleiter Vertrieb", Level.DIVISION),
        ("Head of HR", Level.DIVISION),
        ("Director Operations", Level.DIVISION),
        ("Abteilungsleiterin Einkauf", Level.DEPARTMENT),
        ("Department head", Level.DEPARTMENT),
        ("Leiterin Personalentwicklung", Level.DEPARTMENT),
        ("Teamleiter", Level.TEAM),
        ("Team-Leiterin Fertigung", Level.TEAM),
        ("Gruppenleiter", Level.TEAM),
        ("Team lead Backend", Level.TEAM),
        ("stellv. Abteilungsleiter", Level.TEAM),
        ("Projektleiter", Level.SPECIALIST),
        ("Industriemeister", Level.SPECIALIST),
        ("Sachbearbeiterin", Level.SPECIALIST),
        ("Gärtnerin", None),
        ("", None),
    ],
)
def test_seniority_from_positions(position: str, level: Level | None) -> None:
    assert seniority_level(position) == level


# --- explanations ---------------------------------------------------------------------------------


def test_breakdown_reasons_are_readable() -> None:
    mentor = person(
        1, "Alstom", "Bahntechnik", "Bereichsleiter", ("Führung", "Work-Life-Balance", "X"),
        location=SALZGITTER,
    )  # fmt: skip
    mentee = person(
        10, "BLSK", "Bank", "Teamleiterin", ("Führung", "Work-Life-Balance", "Feedback"),
        location=BRAUNSCHWEIG,
    )  # fmt: skip
    score, reasons = score_pair(mentor, mentee, Weights())
    by_code = {r.code: r for r in reasons}
    assert by_code["different_industries"].params == (("mentor", "Bahntechnik"), ("mentee", "Bank"))
    assert by_code["shared_topics"].param("topics") == "Führung, Work-Life-Balance"
    assert by_code["shared_topics"].param("count") == "2"
    assert by_code["shared_topics"].param("of") == "3"
    assert by_code["mentor_senior"].param("mentor") == "Bereichsleiter"
    assert by_code["format_match"].param("format") == "both"
    assert 15 <= int(by_code["distance"].param("km")) <= 25
    assert 70 < score <= 100
    with pytest.raises(KeyError):
        by_code["distance"].param("nope")


def test_negative_breakdown() -> None:
    mentor = person(1, "Alstom", "Bank", "Teamleiter", ("A",), "in_person", location=MUNICH)
    mentee = person(
        10, "WIS", "bank ", "Bereichsleiterin", ("B",), "in_person", location=SALZGITTER
    )
    score, reasons = score_pair(mentor, mentee, Weights())
    assert codes(reasons) == [
        "same_industry", "no_shared_topics", "mentor_junior", "format_match", "too_far",
    ]  # fmt: skip
    assert score == pytest.approx(10 - 30)
    online = person(11, "WIS", "IT", "Teamleiter", ("A",), "online")
    _, reasons = score_pair(mentor, online, Weights())
    assert Reason("format_mismatch", (("mentor", "in_person"), ("mentee", "online"))) in reasons


def test_scores_prefer_the_better_mentor() -> None:
    mentee = person(10, "WIS", "Bank", "Teamleiter", ("Feedback", "Kommunikation"))
    good = person(1, "Alstom", "Bahntechnik", "Bereichsleiter", ("Feedback", "Kommunikation"))
    poor = person(2, "Salzgitter AG", "Bank", "Sachbearbeiter", ("Netzwerken",))
    assert score_pair(good, mentee, Weights())[0] > score_pair(poor, mentee, Weights())[0]
    assert pairs_of(match([poor, good], [mentee])) == {(1, 10)}


def test_result_is_deterministic_and_independent_of_input_order() -> None:
    rng = random.Random(7)
    mentors, mentees, constraints = random_instance(rng, 6, 7)
    first = match(mentors, mentees, constraints)
    for _ in range(5):
        shuffled_mentors = rng.sample(mentors, len(mentors))
        shuffled_mentees = rng.sample(mentees, len(mentees))
        assert match(shuffled_mentors, shuffled_mentees, constraints) == first
    assert [p.mentee_id for p in first.pairs] == sorted(p.mentee_id for p in first.pairs)
    assert [u.mentee_id for u in first.unmatched] == sorted(u.mentee_id for u in first.unmatched)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        match([person(1, "A"), person(1, "B")], [person(10, "C")])


def test_weights_round_trip_and_tolerate_unknown_or_bad_keys() -> None:
    weights = Weights(topics=50, industry=10, max_distance_km=80, format_hard=True)
    assert Weights.from_dict(weights.to_dict()) == weights
    data = {**weights.to_dict(), "new_in_v2": 3, "distance": "7.5", "seniority": "lots"}
    loaded = Weights.from_dict(data)
    assert loaded.distance == 7.5
    assert loaded.seniority == Weights().seniority
    assert Weights.from_dict({"topics": float("nan"), "format_hard": "yes"}) == Weights()
    with pytest.raises(ValueError, match="finite"):
        Weights(topics=math.inf)


# --- properties -----------------------------------------------------------------------------------

COMPANIES = ("Alstom", "ALSTOM GmbH", "Salzgitter AG", "WIS", "BLSK")
# Employer keys as the directory gives them ("" = the typed name decides): one corporate group,
# one company with aliases, and the fallback key of a name.
EMPLOYERS = ("", "", "", "g:1", "g:1", "c:7", "n:wis")
INDUSTRIES = ("Bank", "Stahl", "Bahntechnik", "")
POSITIONS = ("Vorstand", "Bereichsleiter", "Abteilungsleiterin", "Teamleiter", "Meister", "Koch")
TOPICS = ("Feedback", "Führung", "Netzwerken", "Konflikte")
FORMATS = ("in_person", "online", "both")
PLACES = (None, SALZGITTER, BRAUNSCHWEIG, MUNICH)


def random_person(rng: random.Random, pid: int, capacity: int) -> Person:
    return person(
        pid,
        rng.choice(COMPANIES),
        rng.choice(INDUSTRIES),
        rng.choice(POSITIONS),
        tuple(rng.sample(TOPICS, rng.randint(0, 3))),
        rng.choice(FORMATS),
        tuple(rng.sample(("de", "en"), rng.choice((1, 1, 1, 2, 0)))),
        capacity,
        rng.choice(PLACES),
        rng.choice(EMPLOYERS),
    )


def random_instance(
    rng: random.Random, max_mentors: int, max_mentees: int
) -> tuple[list[Person], list[Person], Constraints]:
    mentors = [random_person(rng, i, rng.randint(1, 2)) for i in range(rng.randint(0, max_mentors))]
    mentees = [random_person(rng, 100 + i, 1) for i in range(rng.randint(0, max_mentees))]
    cells = [(m.id, e.id) for m in mentors for e in mentees]
    normalized = sorted({normalize_company(c) for c in COMPANIES})
    keys = sorted({"g:1", "c:7"} | {f"n:{k}" for k in normalized})
    constraints = Constraints(
        must=frozenset(rng.sample(cells, min(len(cells), rng.choice((0, 0, 1, 2))))),
        forbidden=frozenset(c for c in cells if rng.random() < 0.1),
        previous=frozenset(c for c in cells if rng.random() < 0.1),
        excluded_companies=frozenset(
            frozenset(rng.sample(normalized, 2)) for _ in range(rng.choice((0, 0, 1)))
        ),
        excluded_employers=frozenset(
            frozenset(rng.sample(keys, 2)) for _ in range(rng.choice((0, 0, 1)))
        ),
        doubtful=frozenset(frozenset(rng.sample(keys, 2)) for _ in range(rng.choice((0, 0, 1)))),
    )
    return mentors, mentees, constraints


WEIGHTS = (
    Weights(),
    Weights(format_hard=True, max_distance_km=100),
    Weights(topics=10, industry=-5, seniority=0, format=3, distance=40, far_penalty=-5),
)


def brute_force(
    mentors: list[Person],
    mentees: list[Person],
    constraints: Constraints,
    weights: Weights,
    capacity: tuple[int, ...],
) -> tuple[int, float]:
    """Best (matched, score) over every assignment, by dynamic programming over capacities."""
    allowed = [
        [not _hard_violations(m, e, constraints, format_hard=weights.format_hard) for m in mentors]
        for e in mentees
    ]
    scores = [[score_pair(m, e, weights)[0] for m in mentors] for e in mentees]

    @cache
    def best(i: int, left: tuple[int, ...]) -> tuple[int, float]:
        if i == len(mentees):
            return 0, 0.0
        options = [best(i + 1, left)]
        for j, free in enumerate(left):
            if free and allowed[i][j]:
                count, score = best(i + 1, (*left[:j], free - 1, *left[j + 1 :]))
                options.append((count + 1, score + scores[i][j]))
        return max(options, key=lambda o: (o[0], round(o[1], 6)))

    return best(0, capacity)


def assert_valid(
    result: MatchResult, mentors: list[Person], mentees: list[Person], constraints: Constraints,
    weights: Weights,
) -> None:  # fmt: skip
    by_mentor = {m.id: m for m in mentors}
    by_mentee = {e.id: e for e in mentees}
    load: dict[int, int] = {}
    for pair in result.pairs:
        mentor, mentee = by_mentor[pair.mentor_id], by_mentee[pair.mentee_id]
        assert not _hard_violations(mentor, mentee, constraints, format_hard=weights.format_hard)
        assert pair.score == pytest.approx(score_pair(mentor, mentee, weights)[0])
        assert pair.pinned == ((pair.mentor_id, pair.mentee_id) in constraints.must)
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
    assert all(load[m] <= by_mentor[m].capacity for m in load)
    matched = [p.mentee_id for p in result.pairs]
    assert len(matched) == len(set(matched))
    unmatched = [u.mentee_id for u in result.unmatched]
    assert sorted(matched + unmatched) == sorted(by_mentee)
    assert matched == sorted(matched) and unmatched == sorted(unmatched)
    assert result.total_score == pytest.approx(sum(p.score for p in result.pairs))
    for item in result.unmatched:
        mentee = by_mentee[item.mentee_id]
        allowed = [
            m
            for m in mentors
            if not _hard_violations(m, mentee, constraints, format_hard=weights.format_hard)
        ]
        assert item.reasons
        assert (item.reasons[0].code == "all_taken") == bool(allowed)
        if allowed:  # every allowed mentor is really full
            assert all(load.get(m.id, 0) >= m.capacity for m in allowed)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    weights=st.sampled_from(WEIGHTS),
    exact=st.sampled_from([None, True, False]),
)
def test_match_is_valid_and_optimal(seed: int, weights: Weights, exact: bool | None) -> None:
    """exact=False: the candidate graph of large rounds, here complete, so still optimal."""
    mentors, mentees, constraints = random_instance(random.Random(seed), 6, 7)
    result = match(mentors, mentees, constraints, weights, exact=exact)
    assert_valid(result, mentors, mentees, constraints, weights)
    # Pins are fixed first; the rest must be the optimum of what is left.
    pinned = [p for p in result.pairs if p.pinned]
    pinned_mentees = {p.mentee_id for p in pinned}
    capacity = tuple(
        m.capacity - sum(p.mentor_id == m.id for p in pinned) for m in sorted(mentors, key=id_of)
    )
    rest = [e for e in sorted(mentees, key=id_of) if e.id not in pinned_mentees]
    count, score = brute_force(sorted(mentors, key=id_of), rest, constraints, weights, capacity)
    free_pairs = [p for p in result.pairs if not p.pinned]
    assert len(free_pairs) == count
    assert sum(p.score for p in free_pairs) == pytest.approx(score, abs=1e-6)


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), weights=st.sampled_from(WEIGHTS))
def test_greedy_is_valid_and_never_beats_the_optimum(seed: int, weights: Weights) -> None:
    mentors, mentees, constraints = random_instance(random.Random(seed), 6, 7)
    best = match(mentors, mentees, constraints, weights)
    baseline = greedy(mentors, mentees, constraints, weights)
    assert_valid(baseline, mentors, mentees, constraints, weights)
    assert (len(baseline.pairs), round(baseline.total_score, 6)) <= (
        len(best.pairs),
        round(best.total_score, 6),
    )


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_tiny_candidate_graphs_never_cost_a_tandem(seed: int) -> None:
    """One candidate per mentee: column generation must still reach the most tandems."""
    mentors, mentees, constraints = random_instance(random.Random(seed), 6, 7)
    with patch.object(solver, "_CANDIDATES", 1):
        result = match(mentors, mentees, constraints, exact=False)
    assert_valid(result, mentors, mentees, constraints, Weights())
    assert len(result.pairs) == len(match(mentors, mentees, constraints, exact=True).pairs)


def _no_dense_fallback(*args: object, **kwargs: object) -> dict[int, int]:
    raise AssertionError("the certified candidate path fell back to the dense solver")


def assert_sparse_equals_dense(
    mentors: list[Person],
    mentees: list[Person],
    constraints: Constraints,
    weights: Weights,
    **solver_settings: float,
) -> None:
    """The certified candidate path, with these solver settings and no dense fallback, finds
    as many tandems and the same total score as SciPy's dense solve."""
    dense = match(mentors, mentees, constraints, weights, exact=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(patch.object(solver, "_DENSE_CELLS", 0))
        stack.enter_context(patch.object(solver, "_solve_dense", _no_dense_fallback))
        for name, value in solver_settings.items():
            stack.enter_context(patch.object(solver, name, value))
        sparse = match(mentors, mentees, constraints, weights)
    assert_valid(sparse, mentors, mentees, constraints, weights)
    assert sparse.matched == dense.matched
    assert sparse.total_score == pytest.approx(dense.total_score, abs=1e-6)


def cohort(seed: int, size: int) -> tuple[list[Person], list[Person], Constraints]:
    rng = random.Random(seed)
    mentors = [random_person(rng, i, rng.randint(1, 2)) for i in range(size)]
    mentees = [random_person(rng, 10_000 + i, 1) for i in range(size + rng.randint(-50, 50))]
    cells = [(m.id, e.id) for m in mentors for e in mentees]
    constraints = Constraints(
        must=frozenset(rng.sample(cells, 3)),
        forbidden=frozenset(rng.sample(cells, len(cells) // 20)),
        previous=frozenset(rng.sample(cells, len(cells) // 20)),
        excluded_employers=frozenset({frozenset({"c:7", "n:wis"})}),
        doubtful=frozenset({frozenset({"g:1", "n:blsk"})}),
    )
    return mentors, mentees, constraints


@pytest.mark.parametrize(
    ("seed", "size", "candidates"),
    [(1, 200, 1), (2, 300, 2), (3, 400, 4), (4, 500, 8), (5, 600, 3), (6, 250, 64)],
)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_large_path_is_certified_optimal(
    seed: int, size: int, candidates: int, weights: Weights
) -> None:
    """Column generation from a small candidate graph proves the dense optimum, no fallback."""
    mentors, mentees, constraints = cohort(seed, size)
    assert_sparse_equals_dense(
        mentors, mentees, constraints, weights, _CANDIDATES=candidates, _POOL=candidates
    )


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    weights=st.sampled_from(WEIGHTS),
    candidates=st.sampled_from([1, 2]),
)
def test_certified_candidate_path_equals_brute_force(
    seed: int, weights: Weights, candidates: int
) -> None:
    mentors, mentees, constraints = random_instance(random.Random(seed), 6, 7)
    with (
        patch.object(solver, "_CANDIDATES", candidates),
        patch.object(solver, "_solve_dense", _no_dense_fallback),
    ):
        result = match(mentors, mentees, constraints, weights, exact=False)
    assert_valid(result, mentors, mentees, constraints, weights)
    pinned = [p for p in result.pairs if p.pinned]
    capacity = tuple(
        m.capacity - sum(p.mentor_id == m.id for p in pinned) for m in sorted(mentors, key=id_of)
    )
    rest = [e for e in sorted(mentees, key=id_of) if e.id not in {p.mentee_id for p in pinned}]
    count, score = brute_force(sorted(mentors, key=id_of), rest, constraints, weights, capacity)
    free_pairs = [p for p in result.pairs if not p.pinned]
    assert len(free_pairs) == count
    assert sum(p.score for p in free_pairs) == pytest.approx(score, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), weights=st.sampled_from(WEIGHTS))
def test_vectorised_scores_agree_with_score_pair(seed: int, weights: Weights) -> None:
    mentors, mentees, constraints = random_instance(random.Random(seed), 6, 7)
    mentors.sort(key=id_of)
    mentees.sort(key=id_of)
    prepared = _Prepared(mentors, mentees, constraints, weights)
    scores, feasible = prepared.block(np.arange(len(mentees), dtype=np.int64))
    for i, mentee in enumerate(mentees):
        for j, mentor in enumerate(mentors):
            assert scores[i, j] == pytest.approx(score_pair(mentor, mentee, weights)[0])
            broken = _hard_violations(mentor, mentee, constraints, format_hard=weights.format_hard)
            assert feasible[i, j] == (not broken)


def id_of(p: Person) -> int:
    return p.id


# --- the sparse path against SciPy's dense solve ------------------------------------------------

# Few distinct scores: many optima of equal value, so a certificate that is off by a tie shows.
TIES = Weights(topics=0, industry=1, seniority=0, format=1, distance=0, far_penalty=0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    weights=st.sampled_from((*WEIGHTS, TIES)),
    candidates=st.sampled_from([1, 2, 4]),
    row_pricing=st.sampled_from([0.0, 0.125, 2.0]),
    pool=st.sampled_from([1, 3, 64]),
)
def test_sparse_path_equals_scipy_dense(
    seed: int, weights: Weights, candidates: int, row_pricing: float, pool: int
) -> None:
    """Rules, forbidden and earlier pairs, capacities up to 3, ties: same count and total.

    ``row_pricing`` 0 prices every suspect row exactly as a whole, 2 cell by cell; a small
    ``pool`` leaves most cells to the row and column bounds, so a cell they rule out wrongly
    would cost the optimum."""
    rng = random.Random(seed)
    mentors = [random_person(rng, i, rng.randint(1, 3)) for i in range(rng.randint(1, 40))]
    mentees = [random_person(rng, 1_000 + i, 1) for i in range(rng.randint(1, 60))]
    cells = [(m.id, e.id) for m in mentors for e in mentees]
    constraints = Constraints(
        forbidden=frozenset(c for c in cells if rng.random() < 0.2),
        previous=frozenset(c for c in cells if rng.random() < 0.1),
        excluded_employers=frozenset({frozenset({"c:7", "n:wis"})}),
        doubtful=frozenset({frozenset({"g:1", "n:blsk"})}),
    )
    assert_sparse_equals_dense(
        mentors,
        mentees,
        constraints,
        weights,
        _CANDIDATES=candidates,
        _ADD_PER_ROW=candidates,
        _ROW_PRICING=row_pricing,
        _POOL=pool,
    )


def scored_instance(
    rng: random.Random, weights: Weights, most_mentors: int, rule: str
) -> tuple[list[Person], list[Person], _Prepared, np.ndarray, np.ndarray]:
    """A random cohort with a tenth of its pairs `previous` or `forbidden`, and every cell's
    score and feasibility from one block."""
    mentors = [
        random_person(rng, i, rng.randint(0, 2)) for i in range(rng.randint(1, most_mentors))
    ]
    mentees = [random_person(rng, 1_000 + i, 1) for i in range(rng.randint(1, 30))]
    pairs = frozenset((m.id, e.id) for m in mentors for e in mentees if rng.random() < 0.1)
    rules = Constraints(previous=pairs) if rule == "previous" else Constraints(forbidden=pairs)
    prepared = _Prepared(mentors, mentees, rules, weights)
    scores, feasible = prepared.block(np.arange(len(mentees), dtype=np.int64))
    return mentors, mentees, prepared, scores, feasible


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    weights=st.sampled_from((*WEIGHTS, TIES)),
    pool=st.sampled_from([1, 2, 3, 64]),
)
def test_cells_agree_with_blocks_and_the_pool_bounds_every_other_cell(
    seed: int, weights: Weights, pool: int
) -> None:
    """Single cells score as in a block; the pool holds exact scores and no cell outside it
    scores above its row's or its column's bound."""
    rng = random.Random(seed)
    mentors, mentees, prepared, scores, feasible = scored_instance(rng, weights, 12, "previous")
    rows = np.arange(len(mentees), dtype=np.int64)
    es, ms = np.divmod(np.arange(len(mentees) * len(mentors)), len(mentors))
    one_by_one, allowed = prepared.cells(es, ms)
    assert np.array_equal(one_by_one, scores.ravel())
    assert np.array_equal(allowed, feasible.ravel())

    has_room = np.array([m.capacity > 0 for m in mentors])
    with (
        patch.object(solver, "_POOL", pool),
        patch.object(solver, "_CANDIDATES", 1),
        # Blocks of 1, 3 or 10 mentees: the columns' best are merged many times.
        patch.object(scoring, "_BLOCK_CELLS", rng.choice([1, 3, 10]) * len(mentors)),
    ):
        found, graph, _, _, _ = solver._score_once(prepared, rows, has_room, 1)
    usable = feasible & has_room[None, :]
    in_pool = np.zeros(usable.size, dtype=np.bool_)
    in_pool[found.cells] = True
    assert np.all(usable.ravel()[found.cells])
    assert np.array_equal(found.score, scores.ravel()[found.cells])
    assert set(graph.tolist()) <= set(found.cells.tolist())
    outside = usable & ~in_pool.reshape(usable.shape)
    e_out, m_out = np.nonzero(outside)
    assert np.all(scores[e_out, m_out] <= found.row_bound[e_out])
    assert np.all(scores[e_out, m_out] <= found.col_bound[m_out])
    # Each row and column keeps its best cells (or all of them).
    for e in range(len(mentees)):
        assert in_pool.reshape(usable.shape)[e].sum() >= min(pool, usable[e].sum())


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    weights=st.sampled_from((*WEIGHTS, TIES)),
    pool=st.sampled_from([1, 2, 5]),
    row_pricing=st.sampled_from([0.0, 0.125, 2.0]),
    big=st.sampled_from([1e3, 1e9]),
)
def test_pricing_finds_every_cell_worth_more_than_its_prices(
    seed: int, weights: Weights, pool: int, row_pricing: float, big: float
) -> None:
    """Whatever the prices, no allowed cell above them may be skipped: pool cells, cells the
    bounds let through one by one and whole rows alike. Would fail if a bound ruled out a
    cell wrongly."""
    rng = random.Random(seed)
    mentors, mentees, prepared, scores, feasible = scored_instance(rng, weights, 30, "forbidden")
    rows = np.arange(len(mentees), dtype=np.int64)
    has_room = np.array([m.capacity > 0 for m in mentors])
    with patch.object(solver, "_POOL", pool), patch.object(solver, "_CANDIDATES", 1):
        found, graph, _, _, _ = solver._score_once(prepared, rows, has_room, 1)
    generator = np.random.default_rng(seed)
    share = generator.uniform(0, 1)
    u = share * big + generator.uniform(-60, 60, len(mentees))
    v = (1 - share) * big + generator.uniform(-60, 60, len(mentors))
    tolerance = max(1e-7, 1024 * float(np.spacing(big)))
    worth = feasible & has_room[None, :] & (scores + big - u[:, None] - v[None, :] > tolerance)
    expected = set(np.flatnonzero(worth).tolist()) - set(graph.tolist())
    with (
        patch.object(solver, "_ADD_PER_ROW", len(mentors)),
        patch.object(solver, "_ROW_PRICING", row_pricing),
    ):
        cells, score = solver._violations(
            prepared, rows, found, has_room, big, (u, v), tolerance, graph
        )
    assert set(cells.tolist()) == expected
    assert np.array_equal(score, scores.ravel()[cells])


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    keep=st.integers(1, 4),
    block=st.integers(1, 12),
    allowed=st.sampled_from([0.1, 0.4, 1.0]),
)
def test_columns_keep_their_best_cells_across_blocks(
    seed: int, keep: int, block: int, allowed: float
) -> None:
    """Each column's kept cells are its best (ties aside) and its bound is the best of the
    rest, however the rows arrive and however few of a column's cells are allowed."""
    generator = np.random.default_rng(seed)
    rows, cols = int(generator.integers(1, 40)), int(generator.integers(1, 6))
    score = generator.integers(0, 5, (rows, cols)).astype(np.float64)
    score[generator.random((rows, cols)) >= allowed] = -np.inf
    best = solver._ColumnBest(keep, cols)
    for start in range(0, rows, block):
        best.add(score[start : start + block], start)
    cells, kept_score, rank, bound = best.finish()
    for col in range(cols):
        ranked = np.sort(score[:, col])[::-1]
        mine = (cells % cols == col) & (kept_score > -np.inf)
        kept_rows = cells[mine] // cols
        assert np.array_equal(score[kept_rows, col], kept_score[mine])
        assert len(set(kept_rows.tolist())) == len(kept_rows)
        assert np.array_equal(
            np.sort(kept_score[mine])[::-1], ranked[:keep][ranked[:keep] > -np.inf]
        )
        expected = ranked[keep] if rows > keep else -np.inf
        assert bound[col] == expected
        assert np.array_equal(np.sort(rank[cells % cols == col]), np.arange(keep))
