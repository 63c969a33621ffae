"""Profile fields: how typed text and button presses become values, and which field comes next."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.profile import (
    DEFAULT_TOPICS,
    FIELD_ORDER,
    FIELDS,
    FIELDS_BY_NAME,
    MAX_CUSTOM_TOPIC_LENGTH,
    MAX_TOPICS,
    OPTIONAL_FIELDS,
    FieldKind,
    InvalidInput,
    MeetingFormat,
    Role,
    clean_text,
    fields_for,
    finish_languages,
    form_of,
    next_missing_field,
    parse_choice,
    parse_custom_topic,
    parse_text,
    parse_url,
    switch_language,
    toggle_topic,
)

NAME = FIELDS_BY_NAME["name"]
COMPANY = FIELDS_BY_NAME["company"]
GOALS = FIELDS_BY_NAME["goals"]
ROLE = FIELDS_BY_NAME["role"]
MEETING = FIELDS_BY_NAME["meeting_format"]
TEXT_FIELDS = [f for f in FIELDS if f.kind is FieldKind.TEXT]
PARSE_ERRORS = {"error.empty", "error.too_long", "error.looks_like_command"}


def invalid(exc: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, dict[str, object]]:
    return exc.value.key, exc.value.params


# Hypothesis runs the same examples every time: a failure here is never a fluke.
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200)

# --- the field table --------------------------------------------------------------------------


def test_fields_are_asked_in_the_documented_order() -> None:
    assert FIELD_ORDER == (
        "role",
        "name",
        "company",
        "industry",
        "position",
        "location",
        "languages",
        "topics",
        "goals",
        "meeting_format",
        "capacity",
        "profile_url",
        "form_of_address",
    )
    assert set(FIELDS_BY_NAME) == set(FIELD_ORDER)
    assert OPTIONAL_FIELDS == ("location", "languages", "capacity", "profile_url")


def test_every_text_field_has_a_positive_limit_and_choices_match_the_enums() -> None:
    assert all(f.max_length > 0 for f in TEXT_FIELDS)
    assert {f.name: f.max_length for f in TEXT_FIELDS} == {
        "name": 100,
        "company": 120,
        "industry": 80,
        "position": 120,
        "goals": 1000,
        "location": 80,
        "profile_url": 200,
    }
    assert set(ROLE.choices) == {"mentor", "mentee"}
    assert set(MEETING.choices) == {"in_person", "online", "both"}


def test_default_topics_are_unique_and_fit_the_custom_topic_limit() -> None:
    assert len(set(DEFAULT_TOPICS)) == len(DEFAULT_TOPICS)
    assert all(0 < len(t) <= MAX_CUSTOM_TOPIC_LENGTH for t in DEFAULT_TOPICS)


# --- parse_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Anna Müller", "Anna Müller"),
        ("  Anna   Müller  ", "Anna Müller"),
        ("Anna\t\tMüller", "Anna Müller"),
        ("Anna\nMüller", "Anna Müller"),  # a single-line field joins lines
        ("\n\n  Anna \r\n Müller \n", "Anna Müller"),
        ("Anna\u00a0Müller", "Anna Müller"),  # no-break space is whitespace too
    ],
)
def test_parse_text_collapses_whitespace(raw: str, expected: str) -> None:
    assert parse_text(NAME, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("An\x00na", "Anna"),
        ("Anna\x07 Müller\x1b", "Anna Müller"),
        ("\u200bAnna\u200e", "Anna"),  # zero-width space, left-to-right mark
        ("Anna\x7f", "Anna"),
    ],
)
def test_parse_text_drops_control_characters(raw: str, expected: str) -> None:
    assert parse_text(NAME, raw) == expected


def test_parse_text_normalises_to_nfc() -> None:
    decomposed = "Mu\u0308ller"
    result = parse_text(NAME, decomposed)
    assert result == "Müller"
    assert len(result) == 6


def test_parse_text_keeps_markup_characters_verbatim() -> None:
    # Escaping is the translator's job; the stored value is what the person typed.
    assert parse_text(COMPANY, "<Müller & Söhne>") == "<Müller & Söhne>"
    assert parse_text(COMPANY, 'A "B" & C\'s <b>x</b>') == 'A "B" & C\'s <b>x</b>'


@pytest.mark.parametrize("raw", ["", "   ", "\n\n", "\t \r\n", "\x00\x01", "\u200b"])
def test_parse_text_empty(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_text(NAME, raw)
    assert invalid(exc) == ("error.empty", {})


def test_parse_text_none_means_no_text_message() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_text(NAME, None)
    assert invalid(exc) == ("error.text_expected", {})


@pytest.mark.parametrize("raw", ["/start", "  /cancel", "/", "\n/help me"])
def test_parse_text_refuses_what_looks_like_a_command(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_text(NAME, raw)
    assert invalid(exc) == ("error.looks_like_command", {})


def test_parse_text_allows_a_slash_inside() -> None:
    assert parse_text(COMPANY, "Müller / Söhne") == "Müller / Söhne"


def test_parse_text_length_limit_is_inclusive() -> None:
    assert parse_text(NAME, "x" * 100) == "x" * 100
    with pytest.raises(InvalidInput) as exc:
        parse_text(NAME, "x" * 101)
    assert invalid(exc) == ("error.too_long", {"limit": 100, "length": 101})


def test_parse_text_measures_length_after_cleaning() -> None:
    # 149 characters typed, 100 after collapsing the spaces: accepted.
    assert parse_text(NAME, "x" + " " * 50 + "x" * 98) == "x " + "x" * 98
    with pytest.raises(InvalidInput) as exc:
        parse_text(NAME, "ab " * 40)  # "ab ab ... ab": 40*3-1 characters
    assert invalid(exc) == ("error.too_long", {"limit": 100, "length": 119})


def test_goals_keep_line_breaks_but_drop_blank_lines() -> None:
    raw = "  Erstens:  besser   führen \r\n\n\n\tZweitens: Netzwerk \nDrittens\n\n"
    assert parse_text(GOALS, raw) == "Erstens: besser führen\nZweitens: Netzwerk\nDrittens"


def test_goals_limit_counts_line_breaks() -> None:
    assert len(parse_text(GOALS, "x\n" * 500)) == 999
    with pytest.raises(InvalidInput) as exc:
        parse_text(GOALS, "xx\n" * 334)
    assert invalid(exc) == ("error.too_long", {"limit": 1000, "length": 1001})


@DETERMINISTIC
@given(field=st.sampled_from(TEXT_FIELDS), raw=st.text(max_size=1200))
def test_parse_text_result_is_always_clean(field, raw: str) -> None:  # type: ignore[no-untyped-def]
    try:
        result = parse_text(field, raw)
    except InvalidInput as error:
        assert error.key in PARSE_ERRORS
        if error.key == "error.too_long":
            assert error.params["limit"] == field.max_length
            assert error.params["length"] > field.max_length
        return
    assert 0 < len(result) <= field.max_length
    assert result == result.strip()
    assert not result.startswith("/")
    assert "  " not in result
    assert unicodedata.is_normalized("NFC", result)
    allowed_controls = {"\n"} if field.name == "goals" else set()
    assert all(unicodedata.category(ch)[0] != "C" or ch in allowed_controls for ch in result), (
        result
    )
    assert "\n\n" not in result
    # Cleaning is idempotent: a stored value edited without change stays the same.
    assert parse_text(field, result) == result


@DETERMINISTIC
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cf", "Cs", "Co", "Cn"])))
def test_clean_text_keeps_every_visible_character(raw: str) -> None:
    cleaned = clean_text(raw)
    visible = "".join(unicodedata.normalize("NFC", raw).split())
    assert "".join(cleaned.split()) == visible


# --- custom topics ----------------------------------------------------------------------------


def test_custom_topics_are_split_on_commas_semicolons_and_lines() -> None:
    assert parse_custom_topic(" Resilienz ,  Agiles   Arbeiten;Mentoring\nKI", []) == [
        "Resilienz",
        "Agiles Arbeiten",
        "Mentoring",
        "KI",
    ]


def test_custom_topics_are_appended_and_the_input_list_is_not_changed() -> None:
    current = ["Feedback"]
    result = parse_custom_topic("Resilienz", current)
    assert result == ["Feedback", "Resilienz"]
    assert current == ["Feedback"]


def test_custom_topics_are_deduplicated_case_insensitively() -> None:
    assert parse_custom_topic("feedback, Resilienz, RESILIENZ, resilienz", ["Feedback"]) == [
        "Feedback",
        "Resilienz",
    ]
    # Casefold, not lower: "Straße" and "STRASSE" are the same topic.
    assert parse_custom_topic("STRASSE, Weg", ["Straße"]) == ["Straße", "Weg"]


def test_only_separators_is_empty_and_only_duplicates_says_so() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_custom_topic(" , ; \n", ["Feedback"])
    assert invalid(exc) == ("error.empty", {})
    for raw in ["feedback", "FEEDBACK, Feedback"]:
        with pytest.raises(InvalidInput) as exc:
            parse_custom_topic(raw, ["Feedback"])
        assert invalid(exc) == ("error.topics_known", {})


def test_custom_topic_length_limit() -> None:
    ok = "x" * MAX_CUSTOM_TOPIC_LENGTH
    assert parse_custom_topic(ok, []) == [ok]
    with pytest.raises(InvalidInput) as exc:
        parse_custom_topic("kurz, " + "y" * (MAX_CUSTOM_TOPIC_LENGTH + 1), [])
    # The answer names the entry that is too long, since one message may carry several.
    assert invalid(exc) == (
        "error.topic_too_long",
        {
            "topic": "y" * 29 + "…",
            "limit": MAX_CUSTOM_TOPIC_LENGTH,
            "length": MAX_CUSTOM_TOPIC_LENGTH + 1,
        },
    )


def test_custom_topic_that_looks_like_a_command() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_custom_topic("Resilienz, /start", [])
    assert invalid(exc) == ("error.looks_like_command", {})


def test_custom_topics_respect_the_maximum_and_add_nothing_when_over_it() -> None:
    current = [f"T{i}" for i in range(MAX_TOPICS - 1)]
    assert parse_custom_topic("Neu", current) == [*current, "Neu"]
    with pytest.raises(InvalidInput) as exc:
        parse_custom_topic("Neu, Noch eins", current)
    assert invalid(exc) == ("error.too_many_topics", {"limit": MAX_TOPICS})
    assert len(current) == MAX_TOPICS - 1
    # A duplicate does not count against the maximum.
    full = [f"T{i}" for i in range(MAX_TOPICS)]
    with pytest.raises(InvalidInput) as exc:
        parse_custom_topic("t0", full)
    assert invalid(exc) == ("error.topics_known", {})


@DETERMINISTIC
@given(
    current=st.lists(st.text(min_size=1, max_size=20), max_size=MAX_TOPICS, unique=True),
    raw=st.text(max_size=200),
)
def test_custom_topics_never_exceed_limits(current: list[str], raw: str) -> None:
    try:
        result = parse_custom_topic(raw, current)
    except InvalidInput as error:
        assert error.key in {*PARSE_ERRORS, "error.too_many_topics"}
        return
    assert result[: len(current)] == current
    added = result[len(current) :]
    assert added
    assert len(result) <= MAX_TOPICS
    existing = {t.casefold() for t in current}
    assert all(t.casefold() not in existing for t in added)
    assert len({t.casefold() for t in added}) == len(added)
    assert all(0 < len(t) <= MAX_CUSTOM_TOPIC_LENGTH and t == t.strip() for t in added)
    assert all("," not in t and ";" not in t and "\n" not in t for t in added)


# --- toggling topics and choices --------------------------------------------------------------


def test_toggle_topic_adds_and_removes_without_mutating() -> None:
    current = ["Feedback"]
    assert toggle_topic(current, "Netzwerken") == ["Feedback", "Netzwerken"]
    assert toggle_topic(current, "Feedback") == []
    assert current == ["Feedback"]


def test_toggle_topic_maximum_blocks_adding_but_not_removing() -> None:
    full = [f"T{i}" for i in range(MAX_TOPICS)]
    with pytest.raises(InvalidInput) as exc:
        toggle_topic(full, "Neu")
    assert invalid(exc) == ("error.too_many_topics", {"limit": MAX_TOPICS})
    assert toggle_topic(full, "T3") == [t for t in full if t != "T3"]


@pytest.mark.parametrize(
    ("field", "value"),
    [(ROLE, v.value) for v in Role] + [(MEETING, v.value) for v in MeetingFormat],
)
def test_parse_choice_accepts_every_enum_value(field, value: str) -> None:  # type: ignore[no-untyped-def]
    assert parse_choice(field, value) == value


@pytest.mark.parametrize(
    ("field", "value"),
    [(ROLE, "MENTOR"), (ROLE, "online"), (ROLE, ""), (MEETING, "mentor"), (MEETING, "both ")],
)
def test_parse_choice_refuses_anything_else(field, value: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as exc:
        parse_choice(field, value)
    assert invalid(exc) == ("error.unknown_choice", {})


# --- next_missing_field -----------------------------------------------------------------------

COMPLETE = {
    "role": "mentee",
    "name": "Anna",
    "company": "Müller & Söhne",
    "industry": "Bahntechnik",
    "position": "Teamleitung",
    "topics": ["Feedback"],
    "topics_done": True,
    "goals": "Wachsen",
    "meeting_format": "online",
    "form_of_address": "f",
}


def test_next_missing_field_walks_the_order() -> None:
    draft: dict[str, object] = {}
    asked = []
    while (name := next_missing_field(draft)) is not None:
        asked.append(name)
        draft[name] = COMPLETE[name]
        if name == "topics":
            draft["topics_done"] = True
    assert asked == [f for f in FIELD_ORDER if f not in OPTIONAL_FIELDS]
    assert next_missing_field(COMPLETE) is None


def test_the_form_adds_its_optional_fields_in_place_and_the_capacity_for_mentors_only() -> None:
    form = form_of(["profile_url", "capacity", "languages", "location", "bogus"])
    assert form == ("location", "languages", "capacity", "profile_url")
    mentee = {k: v for k, v in COMPLETE.items() if k != "topics_done"}
    assert next_missing_field(mentee, form) == "location"
    mentee["location"] = None  # skipped: not asked again
    assert next_missing_field(mentee, form) == "languages"
    mentee["languages"] = ["de"]
    assert next_missing_field(mentee, form) == "topics"
    mentee["topics_done"] = True
    assert next_missing_field(mentee, form) == "profile_url"  # no capacity for a mentee
    assert next_missing_field({**mentee, "role": "mentor"}, form) == "capacity"
    assert next_missing_field({**mentee, "profile_url": None}, form) is None
    assert "capacity" not in fields_for(form, "mentee")
    assert fields_for((), "mentor") == tuple(f for f in FIELD_ORDER if f not in OPTIONAL_FIELDS)


@pytest.mark.parametrize(
    "raw",
    ["https://www.linkedin.com/in/anna-muster", "https://xing.com/p/A_M?x=1", " https://a.de "],
)
def test_a_profile_link_is_one_https_address(raw: str) -> None:
    assert parse_url(raw) == raw.strip()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("http://www.linkedin.com/in/anna", "error.url_https"),
        ("linkedin.com/in/anna", "error.url_https"),
        ("https://localhost", "error.url_https"),
        ("javascript:alert(1)", "error.url_https"),
        ("", "error.empty"),
        ("https://a.de/" + "x" * 200, "error.too_long"),
    ],
)
def test_a_profile_link_that_is_not_one_is_refused(raw: str, key: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_url(raw)
    assert exc.value.key == key


def test_languages_toggle_in_a_fixed_order_and_need_one() -> None:
    assert switch_language(["en"], "de") == ["de", "en"]
    assert switch_language(["de", "en"], "de") == ["en"]
    with pytest.raises(InvalidInput):
        switch_language([], "xx")
    with pytest.raises(InvalidInput):
        finish_languages([])


def test_topics_are_missing_until_done_is_pressed() -> None:
    draft = {k: v for k, v in COMPLETE.items() if k != "topics_done"}
    assert next_missing_field(draft) == "topics"
    draft["topics_done"] = False
    assert next_missing_field(draft) == "topics"


def test_an_earlier_gap_comes_first_and_empty_values_count_as_missing() -> None:
    assert next_missing_field({**COMPLETE, "company": ""}) == "company"
    assert next_missing_field({**COMPLETE, "name": None, "goals": ""}) == "name"
    assert next_missing_field({**COMPLETE, "meeting_format": ""}) == "meeting_format"
