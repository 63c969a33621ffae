"""The participant profile: its fields, their limits and how typed text becomes a value.

Registration and /profile editing share these definitions, so a field validated once is validated
the same way everywhere.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from core.address import FormOfAddress

DEFAULT_TOPICS: tuple[str, ...] = (
    "Führung und Führungsrolle",
    "Vom Kollegen zur Führungskraft",
    "Kommunikation",
    "Konfliktmanagement",
    "Feedback",
    "Selbstmarketing und Sichtbarkeit",
    "Karriereplanung",
    "Work-Life-Balance und Stressmanagement",
    "Netzwerken",
    "Generationen im Team",
    "Unternehmenskultur und Perspektivwechsel",
    "Personalentwicklung",
)

MAX_TOPICS = 8
MAX_CUSTOM_TOPIC_LENGTH = 60
TOPIC_SHOWN = 30  # how much of a too-long topic the error quotes


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class MeetingFormat(StrEnum):
    """How a participant wants to meet: IN_PERSON and ONLINE rule each other out in matching,
    BOTH fits a partner of either (core.matching.rules, the format table)."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    BOTH = "both"


class FieldKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    TOPICS = "topics"
    LANGUAGES = "languages"  # toggle buttons of `LANGUAGES`, closed with "done"


# The languages a program may ask the participants to speak (ISO 639-1), in the order the buttons
# show them; matching pairs only people with a language in common.
LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "pl", "ru", "uk", "fr", "es", "it", "ar")
MAX_PROFILE_URL = 200
MAX_LOCATION = 80
CAPACITIES: tuple[str, ...] = ("1", "2", "3")


@dataclass(frozen=True)
class ProfileField:
    name: str
    kind: FieldKind
    max_length: int = 0
    choices: tuple[str, ...] = ()
    # Asked only when the program's registration form has it (coordinators choose).
    optional: bool = False
    # May be answered with "skip" (kept empty).
    skippable: bool = False


FIELDS: tuple[ProfileField, ...] = (
    ProfileField("role", FieldKind.CHOICE, choices=tuple(Role)),
    ProfileField("name", FieldKind.TEXT, max_length=100),
    ProfileField("company", FieldKind.TEXT, max_length=120),
    ProfileField("industry", FieldKind.TEXT, max_length=80),
    ProfileField("position", FieldKind.TEXT, max_length=120),
    ProfileField("location", FieldKind.TEXT, MAX_LOCATION, optional=True, skippable=True),
    ProfileField("languages", FieldKind.LANGUAGES, choices=LANGUAGES, optional=True),
    ProfileField("topics", FieldKind.TOPICS),
    ProfileField("goals", FieldKind.TEXT, max_length=1000),
    ProfileField("meeting_format", FieldKind.CHOICE, choices=tuple(MeetingFormat)),
    # Mentors only: how many mentees they take on.
    ProfileField("capacity", FieldKind.CHOICE, choices=CAPACITIES, optional=True),
    ProfileField("profile_url", FieldKind.TEXT, MAX_PROFILE_URL, optional=True, skippable=True),
    # Asked last, apart from the fields above: how the bot writes about the person.
    ProfileField("form_of_address", FieldKind.CHOICE, choices=tuple(FormOfAddress)),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
FIELD_ORDER = tuple(f.name for f in FIELDS)
OPTIONAL_FIELDS = tuple(f.name for f in FIELDS if f.optional)


def form_of(chosen: object) -> tuple[str, ...]:
    """The optional fields a program's form asks, from its stored list (unknown names dropped)."""
    names = set(chosen) if isinstance(chosen, list | tuple) else set()
    return tuple(name for name in OPTIONAL_FIELDS if name in names)


def fields_for(form: tuple[str, ...] | list[str], role: object) -> tuple[str, ...]:
    """The fields a person is asked, in order: every standard one, the optional ones the form
    has; the mentor capacity only of mentors."""
    return tuple(
        f.name
        for f in FIELDS
        if not f.optional or (f.name in form and (f.name != "capacity" or role == Role.MENTOR))
    )


class InvalidInput(ValueError):
    """A user's answer that cannot be taken; `key` names the catalog message explaining why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def clean_text(raw: str) -> str:
    """Collapse whitespace and drop control characters; people paste from everywhere."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def parse_text(field: ProfileField, raw: str | None) -> str:
    if raw is None:
        raise InvalidInput("error.text_expected")
    text = clean_text(raw)
    if field.name != "goals":
        text = " ".join(text.split())
    if not text:
        raise InvalidInput("error.empty")
    if text.startswith("/"):
        raise InvalidInput("error.looks_like_command")
    if len(text) > field.max_length:
        raise InvalidInput("error.too_long", limit=field.max_length, length=len(text))
    return text


def parse_custom_topic(raw: str, current: list[str]) -> list[str]:
    """Typed topics are added to the selection; several may be given separated by commas."""
    new = list(current)
    typed = False
    for part in clean_text(raw).replace(";", ",").replace("\n", ",").split(","):
        topic = " ".join(part.split())
        if not topic:
            continue
        typed = True
        if topic.startswith("/"):
            raise InvalidInput("error.looks_like_command")
        if len(topic) > MAX_CUSTOM_TOPIC_LENGTH:
            # Several topics may come in one message: the answer names the one to shorten.
            raise InvalidInput(
                "error.topic_too_long",
                topic=topic[: TOPIC_SHOWN - 1].rstrip() + "…",
                limit=MAX_CUSTOM_TOPIC_LENGTH,
                length=len(topic),
            )
        if topic.casefold() in (t.casefold() for t in new):
            continue
        if len(new) >= MAX_TOPICS:
            raise InvalidInput("error.too_many_topics", limit=MAX_TOPICS)
        new.append(topic)
    if new == current:
        raise InvalidInput("error.topics_known" if typed else "error.empty")
    return new


def toggle_topic(current: list[str], topic: str) -> list[str]:
    if topic in current:
        return [t for t in current if t != topic]
    if len(current) >= MAX_TOPICS:
        raise InvalidInput("error.too_many_topics", limit=MAX_TOPICS)
    return [*current, topic]


def topic_options(program_topics: list[str], selected: list[str]) -> list[str]:
    """The program's topics, then the user's own (typed) ones, in a stable order: a topic
    button names its place in this list."""
    return program_topics + [t for t in selected if t not in program_topics]


def fingerprint(topic: str) -> str:
    """A short fingerprint of a topic, carried by its button next to the place, so an old
    keyboard cannot toggle a topic that has shifted into that place since."""
    return hashlib.sha256(topic.encode()).hexdigest()[:6]


def finish_topics(selected: list[str]) -> list[str]:
    """The topics list is closed with "done", and only with at least one topic in it."""
    if not selected:
        raise InvalidInput("error.no_topics")
    return list(selected)


def parse_url(raw: str | None) -> str:
    """A profile link (LinkedIn, Xing, a homepage): one https address, nothing else."""
    text = "".join(clean_text(raw or "").split())
    if not text:
        raise InvalidInput("error.empty")
    if len(text) > MAX_PROFILE_URL:
        raise InvalidInput("error.too_long", limit=MAX_PROFILE_URL, length=len(text))
    if not re.fullmatch(r"https://[^\s/?#<>\"]+\.[^\s/?#<>\"]+([/?#][^\s<>\"]*)?", text):
        raise InvalidInput("error.url_https")
    return text


def switch_language(current: list[str], code: str) -> list[str]:
    if code not in LANGUAGES:
        raise InvalidInput("error.unknown_choice")
    if code in current:
        return [c for c in current if c != code]
    return [c for c in LANGUAGES if c in current or c == code]


def finish_languages(selected: list[str]) -> list[str]:
    if not selected:
        raise InvalidInput("error.no_languages")
    return list(selected)


def parse_typed(field: ProfileField, raw: str | None, topics: list[str]) -> str | list[str]:
    """A typed answer for any field: text fields take it, topic lists grow by it, and choices
    are made with buttons only (a typed "Mentor" could be a name)."""
    if field.kind in (FieldKind.CHOICE, FieldKind.LANGUAGES):
        raise InvalidInput("error.use_buttons")
    if field.name == "profile_url":
        return parse_url(raw)
    if field.kind is FieldKind.TOPICS:
        if raw is None:
            raise InvalidInput("error.text_expected")
        return parse_custom_topic(raw, topics)
    return parse_text(field, raw)


def parse_choice(field: ProfileField, value: str) -> str:
    if value not in field.choices:
        raise InvalidInput("error.unknown_choice")
    return value


def next_missing_field(draft: dict[str, object], form: tuple[str, ...] = ()) -> str | None:
    """The registration asks the fields in order; the first one without a value is next (a
    skipped one is in the draft as None)."""
    for name in fields_for(form, draft.get("role")):
        if name == "topics":
            if not draft.get("topics_done"):
                return name
        elif FIELDS_BY_NAME[name].skippable:
            if name not in draft:
                return name
        elif not draft.get(name):
            return name
    return None
