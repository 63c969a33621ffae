"""The participant profile: its fields, their limits and how typed text becomes a value.

Registration and /profile editing share these definitions, so a field validated once is validated
the same way everywhere.
"""

from __future__ import annotations

import hashlib
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
    IN_PERSON = "in_person"
    ONLINE = "online"
    BOTH = "both"


class FieldKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    TOPICS = "topics"


@dataclass(frozen=True)
class ProfileField:
    name: str
    kind: FieldKind
    max_length: int = 0
    choices: tuple[str, ...] = ()


FIELDS: tuple[ProfileField, ...] = (
    ProfileField("role", FieldKind.CHOICE, choices=tuple(Role)),
    ProfileField("name", FieldKind.TEXT, max_length=100),
    ProfileField("company", FieldKind.TEXT, max_length=120),
    ProfileField("industry", FieldKind.TEXT, max_length=80),
    ProfileField("position", FieldKind.TEXT, max_length=120),
    ProfileField("topics", FieldKind.TOPICS),
    ProfileField("goals", FieldKind.TEXT, max_length=1000),
    ProfileField("meeting_format", FieldKind.CHOICE, choices=tuple(MeetingFormat)),
    # Asked last, apart from the fields above: how the bot writes about the person.
    ProfileField("form_of_address", FieldKind.CHOICE, choices=tuple(FormOfAddress)),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
FIELD_ORDER = tuple(f.name for f in FIELDS)


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


def parse_typed(field: ProfileField, raw: str | None, topics: list[str]) -> str | list[str]:
    """A typed answer for any field: text fields take it, topic lists grow by it, and choices
    are made with buttons only (a typed "Mentor" could be a name)."""
    if field.kind is FieldKind.CHOICE:
        raise InvalidInput("error.use_buttons")
    if field.kind is FieldKind.TOPICS:
        if raw is None:
            raise InvalidInput("error.text_expected")
        return parse_custom_topic(raw, topics)
    return parse_text(field, raw)


def parse_choice(field: ProfileField, value: str) -> str:
    if value not in field.choices:
        raise InvalidInput("error.unknown_choice")
    return value


def next_missing_field(draft: dict[str, object]) -> str | None:
    """The registration asks the fields in order; the first one without a value is next."""
    for name in FIELD_ORDER:
        if name == "topics":
            if not draft.get("topics_done"):
                return name
        elif not draft.get(name):
            return name
    return None
