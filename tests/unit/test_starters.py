"""Conversation starters in an introduction: from shared topics first, two or three of them, and
phrased for the reader's role (a mentee asks about experience, a mentor about where the mentee
stands now)."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from core.profile import DEFAULT_TOPICS, Role
from handlers.views.fields import topic_name, topic_names
from handlers.views.introduction import starters

T = translator("de")


def test_shared_topics_come_first_then_the_others() -> None:
    lines = starters(T, ["Feedback", "Netzwerken"], ["Netzwerken", "Karriereplanung"], "mentee")
    assert len(lines) == 3
    assert lines[0] == T("starter.8.mentee")  # Netzwerken, the shared one
    assert lines[1] == T("starter.6.mentee")  # then the partner's Karriereplanung
    assert lines[2] == T("starter.4.mentee")  # then my Feedback


def test_a_mentor_is_not_asked_about_a_first_leadership_role() -> None:
    topic = ["Führung und Führungsrolle"]
    assert starters(T, topic, topic, "mentee") == [
        "Was hat Sie in Ihrer ersten Führungsrolle am meisten überrascht?"
    ]
    (for_mentor,) = starters(T, topic, topic, "mentor")
    assert "ersten Führungsrolle" not in for_mentor
    assert for_mentor == "Was überrascht Sie in Ihrer Führungsrolle bisher am meisten?"


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_default_topic_has_a_starter_for_each_role(language: str) -> None:
    t = translator(language)
    for index in range(len(DEFAULT_TOPICS)):
        for role in Role:
            assert t.has(f"starter.{index}.{role}"), (language, index, role)
    differing = [
        i
        for i in range(len(DEFAULT_TOPICS))
        if t(f"starter.{i}.mentee") != t(f"starter.{i}.mentor")
    ]
    assert len(differing) >= 8  # most questions really change with the reader


def test_own_topics_get_a_generic_question_and_escaping() -> None:
    lines = starters(T, ["<Lean> & Agile"], ["<Lean> & Agile"], "mentor")
    assert lines == [T("starter.generic", topic="<Lean> & Agile")]
    assert "&lt;Lean&gt; &amp; Agile" in lines[0]


def test_never_more_than_three_and_no_duplicates() -> None:
    topics = ["Feedback", "Netzwerken", "Kommunikation", "Karriereplanung"]
    lines = starters(T, topics, list(reversed(topics)), "mentee")
    assert len(lines) == 3 and len(set(lines)) == 3
    assert starters(T, [], [], "mentor") == []


def test_default_topics_are_shown_in_the_readers_language_own_ones_as_written() -> None:
    en = translator("en")
    assert topic_name(en, "Konfliktmanagement") == "Conflict management"
    assert topic_name(T, "Konfliktmanagement") == "Konfliktmanagement"
    assert topic_name(en, "Agile <Führung>") == "Agile <Führung>"  # a program's or a person's own
    assert topic_names(en, ["Netzwerken", "Agile Führung"]) == "Networking, Agile Führung"
    for index in range(len(DEFAULT_TOPICS)):
        assert en.has(f"topic.{index}") and T(f"topic.{index}") == DEFAULT_TOPICS[index]
