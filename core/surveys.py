"""Program surveys: the mid-term review ("Zwischenbilanz") and the final evaluation.

Pure rules, no I/O. A survey's questions are plain dicts (stored as JSON on the survey row) so
that coordinators can edit them without a migration; `parse_questions` turns them into typed
`Question`s and drops anything malformed, so a hand-edited row never breaks a questionnaire.

A default question carries no text: its wording lives in the translation catalogs under
`sv.q.<id>`, so each participant reads it in their language. A question a coordinator wrote or
rewrote carries its `text` and is shown as written, to everyone.

The defaults are the questions programs ask today (see docs/architecture.md, "Surveys"): how
satisfied with the tandem (1-10), does the experience fit the goals (1-5), can we speak openly
(1-5), do we meet as often as agreed, how many meetings so far, progress on the goals (1-5),
value of the accompanying program (1-4), support or a new match wanted, what went well, what
could be better; the final evaluation adds "would you recommend the program" and "will you stay
in contact".
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SurveyKind(StrEnum):
    MIDTERM = "midterm"
    FINAL = "final"


class SurveyStatus(StrEnum):
    DRAFT = "draft"  # being prepared; questions can change
    SCHEDULED = "scheduled"  # goes out at send_at (or went: "open" once send_at has passed)
    CLOSED = "closed"  # no more answers


class QuestionType(StrEnum):
    SCALE = "scale"  # buttons min..max
    CHOICE = "choice"  # one of a few fixed options
    NUMBER = "number"  # a typed whole number
    TEXT = "text"  # typed, may be skipped


class Flag(StrEnum):
    """What the support question's answers ask of the program team."""

    SUPPORT = "support"
    REMATCH = "rematch"


# Options a choice question may offer; their labels are catalog keys `sv.opt.<option>`.
OPTIONS = ("yes", "partly", "no", "maybe", "none", "support", "rematch")
FLAG_QUESTION = "support"  # the question whose answer flags a participant; never removed
MAX_QUESTIONS = 20
MAX_QUESTION_TEXT = 300
MAX_TEXT_ANSWER = 1000
MAX_NUMBER = 999
MAX_SCALE = 10
REMIND_AFTER_DAYS = 7  # one reminder, a week after the survey went out
ROLES = ("mentor", "mentee")
SKIPPED = None  # the stored answer of a skipped optional question


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    low: int = 1  # scale only
    high: int = 5  # scale: the top of the scale; number: the largest accepted
    options: tuple[str, ...] = ()
    text: str | None = None  # None: the catalog's wording `sv.q.<id>`
    optional: bool = False

    @property
    def locked(self) -> bool:
        """The support question drives the flags coordinators act on: it cannot be removed."""
        return self.id == FLAG_QUESTION

    @property
    def typed(self) -> bool:
        """Answered by typing, not by a button."""
        return self.type in (QuestionType.NUMBER, QuestionType.TEXT)

    def as_dict(self) -> dict[str, Any]:
        raw: dict[str, Any] = {"id": self.id, "type": self.type.value}
        if self.type is QuestionType.SCALE:
            raw["min"], raw["max"] = self.low, self.high
        if self.type is QuestionType.NUMBER:
            raw["max"] = self.high
        if self.type is QuestionType.CHOICE:
            raw["options"] = list(self.options)
        if self.text is not None:
            raw["text"] = self.text
        if self.optional:
            raw["optional"] = True
        return raw


def _scale(qid: str, high: int) -> Question:
    return Question(qid, QuestionType.SCALE, 1, high)


def _choice(qid: str, *options: str) -> Question:
    return Question(qid, QuestionType.CHOICE, options=options)


def _text(qid: str) -> Question:
    return Question(qid, QuestionType.TEXT, optional=True)


_MIDTERM = (
    _scale("satisfaction", 10),
    _scale("fit", 5),
    _scale("openness", 5),
    _choice("as_agreed", "yes", "partly", "no"),
    Question("meetings", QuestionType.NUMBER, 0, 50),
    _scale("progress", 5),
    _scale("framework", 4),
    _choice(FLAG_QUESTION, "none", "support", "rematch"),
    _text("went_well"),
    _text("improve"),
)
_FINAL_EXTRA = (
    _choice("recommend", "yes", "maybe", "no"),
    _choice("stay_in_contact", "yes", "maybe", "no"),
)


def default_questions(kind: SurveyKind) -> list[dict[str, Any]]:
    questions = list(_MIDTERM)
    if kind is SurveyKind.FINAL:
        # Before the open questions, which close every questionnaire.
        questions[-2:-2] = _FINAL_EXTRA
    return [q.as_dict() for q in questions]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _parse_one(raw: Any) -> Question | None:
    if not isinstance(raw, Mapping):
        return None
    qid, kind, text = raw.get("id"), raw.get("type"), raw.get("text")
    if not isinstance(qid, str) or not re.fullmatch(r"[a-z0-9_]{1,20}", qid):
        return None
    # Strings only: a list or object here (a hand-edited row) is not hashable, let alone a type.
    if not isinstance(kind, str) or kind not in set(QuestionType):
        return None
    if text is not None and not isinstance(text, str):
        return None
    optional = raw.get("optional") is True
    if kind == QuestionType.SCALE:
        low, high = _int(raw.get("min")), _int(raw.get("max"))
        if low is None or high is None or not 0 <= low < high <= MAX_SCALE:
            return None
        return Question(qid, QuestionType.SCALE, low, high, text=text, optional=optional)
    if kind == QuestionType.CHOICE:
        options = raw.get("options")
        if (
            not isinstance(options, list)
            or not 2 <= len(options) <= len(OPTIONS)
            or any(o not in OPTIONS for o in options)
            or len(set(options)) != len(options)
        ):
            return None
        return Question(qid, QuestionType.CHOICE, options=tuple(options), text=text)
    if kind == QuestionType.NUMBER:
        high = _int(raw.get("max"))
        if high is None or not 0 < high <= MAX_NUMBER:
            return None
        return Question(qid, QuestionType.NUMBER, 0, high, text=text, optional=optional)
    return Question(qid, QuestionType.TEXT, text=text, optional=optional)


def parse_questions(raw: Any) -> list[Question]:
    """The usable questions of a stored list, in order; duplicates after the first are dropped."""
    found: list[Question] = []
    seen: set[str] = set()
    for item in raw if isinstance(raw, list) else []:
        question = _parse_one(item)
        if question is not None and question.id not in seen:
            seen.add(question.id)
            found.append(question)
    return found[:MAX_QUESTIONS]


# --- answering ---------------------------------------------------------------------------------


class AnswerProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    EMPTY = "empty"
    TOO_LONG = "too_long"


def button_answer(question: Question, value: str) -> int | str | None:
    """The answer a pressed button stands for, or None if the button cannot be this question's
    (forged or from an edited questionnaire)."""
    if question.type is QuestionType.SCALE:
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else None
        return number if number is not None and question.low <= number <= question.high else None
    if question.type is QuestionType.CHOICE:
        return value if value in question.options else None
    return None


def typed_answer(question: Question, text: str) -> int | str | AnswerProblem:
    text = text.strip()
    if question.type is QuestionType.NUMBER:
        # ASCII digits only, like the buttons; any length, so that 12345 is "too large".
        match = re.fullmatch(r"([0-9]{1,12})(?:[.,]0*)?", text)
        if not match:
            return AnswerProblem.NOT_A_NUMBER if text else AnswerProblem.EMPTY
        number = int(match.group(1))
        return number if number <= question.high else AnswerProblem.OUT_OF_RANGE
    if question.type is QuestionType.TEXT:
        if not text:
            return AnswerProblem.EMPTY
        return text if len(text) <= MAX_TEXT_ANSWER else AnswerProblem.TOO_LONG
    return AnswerProblem.EMPTY  # a button question: typing is no answer


def next_open(questions: Sequence[Question], answers: Mapping[str, Any]) -> int | None:
    """The index of the first question not answered (or skipped) yet; None when done."""
    for index, question in enumerate(questions):
        if question.id not in answers:
            return index
    return None


def flags(questions: Sequence[Question], answers: Mapping[str, Any]) -> set[Flag]:
    if not any(q.id == FLAG_QUESTION for q in questions):
        return set()
    value = answers.get(FLAG_QUESTION)
    return {Flag(value)} if isinstance(value, str) and value in set(Flag) else set()


# --- editing -----------------------------------------------------------------------------------


class AddType(StrEnum):
    """What a coordinator can add: the kinds of question the defaults use."""

    SCALE5 = "s5"
    SCALE10 = "s10"
    YES_NO = "yn"
    TEXT = "tx"


def new_question(questions: Sequence[Question], kind: AddType, text: str) -> Question:
    taken = {q.id for q in questions}
    number = 1
    while f"c{number}" in taken:
        number += 1
    qid = f"c{number}"
    if kind is AddType.SCALE5:
        return Question(qid, QuestionType.SCALE, 1, 5, text=text)
    if kind is AddType.SCALE10:
        return Question(qid, QuestionType.SCALE, 1, 10, text=text)
    if kind is AddType.YES_NO:
        return Question(qid, QuestionType.CHOICE, options=("yes", "no"), text=text)
    return Question(qid, QuestionType.TEXT, text=text, optional=True)


def clean_question_text(text: str) -> str | None:
    """One line of at most MAX_QUESTION_TEXT characters, or None if empty or too long."""
    cleaned = " ".join(text.split())
    return cleaned if 0 < len(cleaned) <= MAX_QUESTION_TEXT else None


def with_text(questions: Sequence[Question], index: int, text: str) -> list[Question]:
    items = list(questions)
    old = items[index]
    items[index] = Question(old.id, old.type, old.low, old.high, old.options, text, old.optional)
    return items


def removed(questions: Sequence[Question], index: int) -> list[Question]:
    if questions[index].locked:
        raise ValueError("the support question cannot be removed")
    return [q for i, q in enumerate(questions) if i != index]


def moved_up(questions: Sequence[Question], index: int) -> list[Question]:
    items = list(questions)
    if index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    return items


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One question's answers from one group (everyone, or one role)."""

    answered: int = 0
    mean: float | None = None  # scale and number questions
    counts: Mapping[str, int] = field(default_factory=dict)  # choice: option -> how many
    texts: tuple[str, ...] = ()  # text questions


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    everyone: Figures
    by_role: Mapping[str, Figures]


def _figures(question: Question, values: Sequence[Any]) -> Figures:
    given = [v for v in values if v is not SKIPPED]
    if question.type in (QuestionType.SCALE, QuestionType.NUMBER):
        numbers = [v for v in given if isinstance(v, int) and not isinstance(v, bool)]
        mean = statistics.fmean(numbers) if numbers else None
        return Figures(len(numbers), mean)
    if question.type is QuestionType.CHOICE:
        counted = Counter(v for v in given if v in question.options)
        return Figures(sum(counted.values()), None, {o: counted[o] for o in question.options})
    texts = tuple(v for v in given if isinstance(v, str))
    return Figures(len(texts), None, {}, texts)


def aggregate(
    questions: Sequence[Question], responses: Sequence[tuple[str, Mapping[str, Any]]]
) -> list[QuestionResult]:
    """Per question, everyone's and each role's figures over the given (role, answers)."""
    results: list[QuestionResult] = []
    for question in questions:
        values = [
            (role, answers[question.id]) for role, answers in responses if question.id in answers
        ]
        results.append(
            QuestionResult(
                question,
                _figures(question, [v for _, v in values]),
                {role: _figures(question, [v for r, v in values if r == role]) for role in ROLES},
            )
        )
    return results
