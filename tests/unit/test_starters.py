"""Conversation starters in an introduction: from shared topics first, two or three of them."""

from __future__ import annotations

from bot.i18n import translator
from handlers.views.introduction import starters

T = translator("de")


def test_shared_topics_come_first_then_the_others() -> None:
    lines = starters(T, ["Feedback", "Netzwerken"], ["Netzwerken", "Karriereplanung"])
    assert len(lines) == 3
    assert lines[0] == T("starter.8")  # Netzwerken, the shared one
    assert lines[1] == T("starter.6")  # then the partner's Karriereplanung
    assert lines[2] == T("starter.4")  # then my Feedback


def test_own_topics_get_a_generic_question_and_escaping() -> None:
    lines = starters(T, ["<Lean> & Agile"], ["<Lean> & Agile"])
    assert lines == [T("starter.generic", topic="<Lean> & Agile")]
    assert "&lt;Lean&gt; &amp; Agile" in lines[0]


def test_never_more_than_three_and_no_duplicates() -> None:
    topics = ["Feedback", "Netzwerken", "Kommunikation", "Karriereplanung"]
    lines = starters(T, topics, list(reversed(topics)))
    assert len(lines) == 3 and len(set(lines)) == 3
    assert starters(T, [], []) == []
