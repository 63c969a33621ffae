"""The survey invitation counts in the reader's language and counts what is left: a reminder to
someone who answered one question of ten says nine, not ten (wording guide: never count wrong)."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from core.surveys import SurveyKind, default_questions
from handlers.views.surveys import invitation
from storage.models import Program, Survey, SurveyResponse


def _survey() -> Survey:
    return Survey(
        id=7, kind=SurveyKind.MIDTERM.value, questions=default_questions(SurveyKind.MIDTERM)
    )


def test_a_reminder_counts_the_questions_left() -> None:
    survey = _survey()
    total = len(default_questions(SurveyKind.MIDTERM))
    first = default_questions(SurveyKind.MIDTERM)[0]["id"]
    program = Program(name="Salzgitter 2027")
    fresh, _ = invitation(translator("de"), survey, program, None, again=True)
    assert f"{total} kurze Fragen" in fresh
    partly = SurveyResponse(answers={first: 4})
    text, markup = invitation(translator("de"), survey, program, partly, again=True)
    assert f"{total - 1} kurze Fragen" in text
    assert "Weiter beantworten" in markup.inline_keyboard[0][0].text


@pytest.mark.parametrize(
    ("language", "expected"), [("de", "1 kurze Frage, etwa 2 Minuten"), ("en", "1 short question,")]
)
def test_one_question_left_is_singular(language: str, expected: str) -> None:
    survey = _survey()
    questions = default_questions(SurveyKind.MIDTERM)
    answered = SurveyResponse(answers={q["id"]: 1 for q in questions[:-1]})
    text, _ = invitation(translator(language), survey, Program(name="P"), answered, again=True)
    assert expected in text
