"""The program-survey rules (core/surveys.py) and the survey's place in the schedule.

Pure functions: the default questionnaires, reading stored (possibly hand-edited) questions,
what a pressed button or a typed message answers, editing a draft and the figures of the results.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.reminders import Kind, plan_survey
from core.surveys import (
    FLAG_QUESTION,
    MAX_QUESTIONS,
    MAX_TEXT_ANSWER,
    OPTIONS,
    SKIPPED,
    AddType,
    AnswerProblem,
    Flag,
    Question,
    QuestionType,
    SurveyKind,
    aggregate,
    button_answer,
    default_questions,
    flags,
    moved_up,
    new_question,
    next_open,
    parse_questions,
    removed,
    typed_answer,
    with_text,
)

MIDTERM_IDS = [
    "satisfaction",
    "fit",
    "openness",
    "as_agreed",
    "meetings",
    "progress",
    "framework",
    "support",
    "went_well",
    "improve",
]

SCALE10 = Question("s", QuestionType.SCALE, 1, 10)
CHOICE = Question("c", QuestionType.CHOICE, options=("yes", "partly", "no"))
NUMBER = Question("n", QuestionType.NUMBER, 0, 50)
TEXT = Question("t", QuestionType.TEXT, optional=True)
SUPPORT = Question(FLAG_QUESTION, QuestionType.CHOICE, options=("none", "support", "rematch"))

FIRST = {"id": "first", "type": "text"}
LAST = {"id": "last", "type": "number", "max": 9}


# --- the defaults ------------------------------------------------------------------------------


def test_midterm_defaults_are_the_ten_questions_programs_ask() -> None:
    raw = default_questions(SurveyKind.MIDTERM)
    assert [q["id"] for q in raw] == MIDTERM_IDS
    assert raw[0] == {"id": "satisfaction", "type": "scale", "min": 1, "max": 10}
    assert raw[4] == {"id": "meetings", "type": "number", "max": 50}
    assert raw[7] == {"id": "support", "type": "choice", "options": ["none", "support", "rematch"]}
    assert raw[-1] == {"id": "improve", "type": "text", "optional": True}
    assert all("text" not in q for q in raw), "default wording comes from the catalogs"


def test_final_adds_recommend_and_stay_in_contact_before_the_open_questions() -> None:
    final = default_questions(SurveyKind.FINAL)
    assert [q["id"] for q in final] == [
        *MIDTERM_IDS[:-2],
        "recommend",
        "stay_in_contact",
        "went_well",
        "improve",
    ]
    assert final[-4] == {"id": "recommend", "type": "choice", "options": ["yes", "maybe", "no"]}
    # Each call is a fresh list: editing one draft's questions never touches another's.
    final[0]["max"] = 3
    assert default_questions(SurveyKind.FINAL)[0]["max"] == 10


@pytest.mark.parametrize("kind", list(SurveyKind))
def test_defaults_parse_back_unchanged_and_only_support_is_locked(kind: SurveyKind) -> None:
    raw = default_questions(kind)
    parsed = parse_questions(raw)
    assert [q.as_dict() for q in parsed] == raw
    assert [q.id for q in parsed if q.locked] == [FLAG_QUESTION]
    assert [q.id for q in parsed if q.typed] == ["meetings", "went_well", "improve"]
    assert [q.id for q in parsed if q.optional] == ["went_well", "improve"]
    scales = {q.id: (q.low, q.high) for q in parsed if q.type is QuestionType.SCALE}
    assert scales == {
        "satisfaction": (1, 10),
        "fit": (1, 5),
        "openness": (1, 5),
        "progress": (1, 5),
        "framework": (1, 4),
    }


# --- parsing stored questions ------------------------------------------------------------------


MALFORMED: dict[str, list[Any]] = {
    "id": [
        {"id": "Bad", "type": "text"},
        {"id": "a-b", "type": "text"},
        {"id": "", "type": "text"},
        {"id": "x" * 21, "type": "text"},
        {"id": 7, "type": "text"},
        {"type": "text"},
    ],
    "type": [
        {"id": "q", "type": "slider"},
        {"id": "q", "type": None},
        {"id": "q"},
        {"id": "q", "type": "text", "text": 42},
    ],
    "scale": [
        {"id": "q", "type": "scale", "min": 5, "max": 5},
        {"id": "q", "type": "scale", "min": 6, "max": 5},
        {"id": "q", "type": "scale", "min": 1, "max": 11},
        {"id": "q", "type": "scale", "min": -1, "max": 5},
        {"id": "q", "type": "scale", "min": True, "max": 5},
        {"id": "q", "type": "scale", "min": 1, "max": "5"},
        {"id": "q", "type": "scale", "max": 5},
    ],
    "choice": [
        {"id": "q", "type": "choice", "options": ["yes", "perhaps"]},
        {"id": "q", "type": "choice", "options": ["yes", "yes"]},
        {"id": "q", "type": "choice", "options": ["yes"]},
        {"id": "q", "type": "choice", "options": "yes,no"},
        {"id": "q", "type": "choice"},
    ],
    "number": [
        {"id": "q", "type": "number", "max": 0},
        {"id": "q", "type": "number", "max": 1000},
        {"id": "q", "type": "number", "max": 5.0},
        {"id": "q", "type": "number"},
    ],
    "not-a-mapping": ["text", None, 3, ["id", "q"]],
}


@pytest.mark.parametrize("what", list(MALFORMED))
def test_a_malformed_entry_is_dropped_and_the_rest_keep_their_order(what: str) -> None:
    expected = [Question("first", QuestionType.TEXT), Question("last", QuestionType.NUMBER, 0, 9)]
    for bad in MALFORMED[what]:
        assert parse_questions([FIRST, bad, LAST]) == expected, bad
    assert parse_questions([FIRST, *MALFORMED[what], LAST]) == expected


def test_an_unhashable_type_is_dropped_too() -> None:
    """Found by these tests: a list as the type raised TypeError instead of being dropped."""
    assert [q.id for q in parse_questions([FIRST, {"id": "q", "type": ["scale"]}])] == ["first"]
    assert [q.id for q in parse_questions([FIRST, {"id": "q", "type": {"a": 1}}])] == ["first"]


def test_input_that_is_not_a_list_has_no_questions() -> None:
    for raw in (None, {"id": "q", "type": "text"}, '[{"id": "q", "type": "text"}]', 3):
        assert parse_questions(raw) == [], raw


def test_duplicates_after_the_first_are_dropped_and_at_most_twenty_are_kept() -> None:
    raw = [
        {"id": "b", "type": "text"},
        {"id": "a", "type": "scale", "min": 0, "max": 10, "optional": True, "text": "Wie?"},
        {"id": "b", "type": "number", "max": 5},
        {"id": "c", "type": "choice", "options": ["no", "yes"], "optional": True},
    ]
    parsed = parse_questions(raw)
    assert parsed == [
        Question("b", QuestionType.TEXT),
        Question("a", QuestionType.SCALE, 0, 10, text="Wie?", optional=True),
        Question("c", QuestionType.CHOICE, options=("no", "yes")),  # a choice is never optional
    ]
    many = [{"id": f"q{i}", "type": "text"} for i in range(MAX_QUESTIONS + 5)]
    assert [q.id for q in parse_questions(many)] == [f"q{i}" for i in range(MAX_QUESTIONS)]


# --- answering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [
        (SCALE10, "1", 1),
        (SCALE10, "10", 10),
        (SCALE10, "0", None),
        (SCALE10, "11", None),
        (SCALE10, "-1", None),
        (SCALE10, "٣", None),  # an Arabic-Indic three: isdigit(), but no button of ours
        (SCALE10, "1e3", None),
        (CHOICE, "partly", "partly"),
        (CHOICE, "maybe", None),  # a known option, but not one this question offers
        (NUMBER, "3", None),  # a typed question has no buttons
    ],
)
def test_button_answer(question: Question, value: str, expected: object) -> None:
    assert button_answer(question, value) == expected


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        (NUMBER, "4", 4),
        (NUMBER, " 4 ", 4),
        (NUMBER, "4,0", 4),
        (NUMBER, "4.", 4),
        (NUMBER, "50", 50),
        (NUMBER, "51", AnswerProblem.OUT_OF_RANGE),
        (NUMBER, "4,5", AnswerProblem.NOT_A_NUMBER),
        (NUMBER, "vier", AnswerProblem.NOT_A_NUMBER),
        (NUMBER, "", AnswerProblem.EMPTY),
        (TEXT, " \n ", AnswerProblem.EMPTY),
        (TEXT, "x" * 10_000, AnswerProblem.TOO_LONG),
        (TEXT, "x" * MAX_TEXT_ANSWER, "x" * MAX_TEXT_ANSWER),
        (TEXT, "  " + "y" * MAX_TEXT_ANSWER + "\n", "y" * MAX_TEXT_ANSWER),  # counted stripped
        (SCALE10, "3", AnswerProblem.EMPTY),  # typing is no answer to a button question
    ],
)
def test_typed_answer(question: Question, text: str, expected: object) -> None:
    assert typed_answer(question, text) == expected


def test_next_open_treats_a_skipped_answer_as_given() -> None:
    questions = [SCALE10, TEXT, NUMBER]
    assert next_open(questions, {}) == 0
    assert next_open(questions, {"t": SKIPPED}) == 0
    assert next_open(questions, {"s": 7, "t": SKIPPED}) == 2
    assert next_open(questions, {"s": 7, "t": SKIPPED, "n": 0}) is None
    assert next_open([], {}) is None


def test_flags_come_from_the_support_question() -> None:
    assert flags([CHOICE, SUPPORT], {FLAG_QUESTION: "support"}) == {Flag.SUPPORT}
    assert flags([SUPPORT], {FLAG_QUESTION: "rematch"}) == {Flag.REMATCH}
    assert flags([SUPPORT], {FLAG_QUESTION: "none"}) == set()
    assert flags([SUPPORT], {FLAG_QUESTION: SKIPPED}) == set()
    assert flags([SUPPORT], {}) == set()
    assert flags([CHOICE], {FLAG_QUESTION: "rematch"}) == set(), "no support question, no flag"


# --- editing -----------------------------------------------------------------------------------


def test_new_questions_are_numbered_c1_c2_skipping_taken_ids() -> None:
    questions = parse_questions(default_questions(SurveyKind.MIDTERM))
    first = new_question(questions, AddType.YES_NO, "Vertrag unterschrieben?")
    assert first == Question(
        "c1", QuestionType.CHOICE, options=("yes", "no"), text="Vertrag unterschrieben?"
    )
    second = new_question([*questions, first], AddType.SCALE10, "Wie zufrieden?")
    assert second == Question("c2", QuestionType.SCALE, 1, 10, text="Wie zufrieden?")
    taken = [Question("c1", QuestionType.TEXT), Question("c2", QuestionType.TEXT)]
    assert new_question(taken, AddType.SCALE5, "x") == Question(
        "c3", QuestionType.SCALE, 1, 5, text="x"
    )
    assert new_question([Question("c2", QuestionType.TEXT)], AddType.TEXT, "y") == Question(
        "c1", QuestionType.TEXT, text="y", optional=True
    )
    # What was added survives being stored and read back.
    assert parse_questions([q.as_dict() for q in [*questions, first, second]])[-2:] == [
        first,
        second,
    ]


def test_with_text_rewords_one_question_and_keeps_the_rest() -> None:
    questions = parse_questions(default_questions(SurveyKind.MIDTERM))
    edited = with_text(questions, 7, "Brauchst du Hilfe?")
    assert edited[7] == Question(
        FLAG_QUESTION,
        QuestionType.CHOICE,
        options=("none", "support", "rematch"),
        text="Brauchst du Hilfe?",
    )
    assert edited[7].locked
    assert edited[:7] == questions[:7] and edited[8:] == questions[8:]
    assert questions[7].text is None, "the original list is not changed"


def test_removed_refuses_the_locked_question() -> None:
    questions = parse_questions(default_questions(SurveyKind.MIDTERM))
    locked = [q.id for q in questions].index(FLAG_QUESTION)
    with pytest.raises(ValueError, match="cannot be removed"):
        removed(questions, locked)
    assert [q.id for q in removed(questions, 1)] == [i for i in MIDTERM_IDS if i != "fit"]
    assert len(questions) == len(MIDTERM_IDS)


def test_moved_up_swaps_with_the_one_before_and_is_a_no_op_at_the_top() -> None:
    questions = [SCALE10, CHOICE, TEXT]
    assert moved_up(questions, 0) == questions
    assert moved_up(questions, 0) is not questions
    assert moved_up(questions, 2) == [SCALE10, TEXT, CHOICE]
    assert moved_up(questions, 1) == [CHOICE, SCALE10, TEXT]
    assert questions == [SCALE10, CHOICE, TEXT]


# --- results -----------------------------------------------------------------------------------


RESPONSES: list[tuple[str, dict[str, Any]]] = [
    ("mentor", {"s": 9, "n": 4, "c": "yes", "t": "Offene Gespräche"}),
    ("mentor", {"s": 6, "n": SKIPPED, "c": "yes", "t": SKIPPED}),
    ("mentee", {"s": 3, "n": 2, "c": "maybe", "t": "Mehr Zeit"}),  # "maybe": not offered
    ("mentee", {"s": SKIPPED, "c": "no"}),
    ("mentee", {}),  # started, answered nothing
]


def _results() -> dict[str, Any]:
    return {r.question.id: r for r in aggregate([SCALE10, NUMBER, CHOICE, TEXT], RESPONSES)}


def test_aggregate_means_per_role_without_skipped_answers() -> None:
    results = _results()
    scale, number = results["s"], results["n"]
    assert scale.everyone.answered == 3 and scale.everyone.mean == pytest.approx(6.0)
    assert scale.by_role["mentor"].answered == 2 and scale.by_role["mentor"].mean == 7.5
    assert scale.by_role["mentee"].answered == 1 and scale.by_role["mentee"].mean == 3.0
    assert number.everyone.answered == 2 and number.everyone.mean == 3.0
    assert number.by_role["mentor"].mean == 4.0
    assert set(scale.by_role) == {"mentor", "mentee"}


def test_aggregate_counts_choices_with_zeros_and_ignores_unknown_options() -> None:
    choice = _results()["c"]
    assert choice.everyone.counts == {"yes": 2, "partly": 0, "no": 1}
    assert list(choice.everyone.counts) == ["yes", "partly", "no"], "in the question's order"
    assert choice.everyone.answered == 3
    assert choice.everyone.mean is None
    assert choice.by_role["mentee"].counts == {"yes": 0, "partly": 0, "no": 1}
    assert choice.by_role["mentor"].counts == {"yes": 2, "partly": 0, "no": 0}


def test_aggregate_collects_texts_and_handles_no_answers() -> None:
    text = _results()["t"]
    assert text.everyone.texts == ("Offene Gespräche", "Mehr Zeit")
    assert text.everyone.answered == 2
    assert text.by_role["mentor"].texts == ("Offene Gespräche",)
    [empty] = aggregate([SCALE10], [])
    assert empty.everyone.answered == 0 and empty.everyone.mean is None
    assert empty.by_role["mentee"].answered == 0


# --- the schedule ------------------------------------------------------------------------------


def test_plan_survey_sends_at_send_at_and_reminds_a_week_later() -> None:
    send_at = dt.datetime(2027, 9, 1, 8, 0, tzinfo=dt.UTC)
    planned = plan_survey(survey_id=12, send_at=send_at, user_ids=[501, 502])
    assert [(p.kind, p.due_at, p.user_id, p.key) for p in planned] == [
        (Kind.SURVEY, send_at, 501, "sv12.u501"),
        (Kind.SURVEY_AGAIN, send_at + dt.timedelta(days=7), 501, "sv12.again.u501"),
        (Kind.SURVEY, send_at, 502, "sv12.u502"),
        (Kind.SURVEY_AGAIN, send_at + dt.timedelta(days=7), 502, "sv12.again.u502"),
    ]
    assert plan_survey(survey_id=12, send_at=send_at, user_ids=[]) == []


# --- round trip --------------------------------------------------------------------------------


ids = st.one_of(
    st.sampled_from(["a", "b", "c1", "q_2"]), st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True)
)
texts = st.one_of(st.none(), st.text(max_size=40))
flags_ = st.booleans()


@st.composite
def valid_question(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(QuestionType)))
    raw: dict[str, Any] = {"id": draw(ids), "type": kind.value}
    if kind is QuestionType.SCALE:
        low = draw(st.integers(0, 9))
        raw["min"], raw["max"] = low, draw(st.integers(low + 1, 10))
    elif kind is QuestionType.CHOICE:
        raw["options"] = draw(st.lists(st.sampled_from(OPTIONS), min_size=2, unique=True))
    elif kind is QuestionType.NUMBER:
        raw["max"] = draw(st.integers(1, 999))
    text = draw(texts)
    if text is not None:
        raw["text"] = text
    if draw(flags_):
        raw["optional"] = True
    return raw


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(valid_question(), max_size=MAX_QUESTIONS + 5))
def test_stored_questions_round_trip(raw: list[dict[str, Any]]) -> None:
    parsed = parse_questions(raw)
    assert parse_questions([q.as_dict() for q in parsed]) == parsed
    unique_ids = list(dict.fromkeys(q["id"] for q in raw))
    assert [q.id for q in parsed] == unique_ids[:MAX_QUESTIONS], "valid entries are all kept"


def test_typed_numbers_are_ascii_and_large_ones_out_of_range() -> None:
    number = Question("n", QuestionType.NUMBER, 0, 50)
    assert typed_answer(number, "٣") == AnswerProblem.NOT_A_NUMBER  # like the buttons
    assert typed_answer(number, "12345") == AnswerProblem.OUT_OF_RANGE
    assert typed_answer(number, "50") == 50


def test_an_unhashable_support_answer_flags_nothing() -> None:
    support = Question(FLAG_QUESTION, QuestionType.CHOICE, options=("none", "support", "rematch"))
    assert flags([support], {FLAG_QUESTION: ["rematch"]}) == set()
