"""Asking for, rendering and reading profile fields; shared by registration and /profile."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Safe, Translator
from core.profile import FIELDS_BY_NAME, MAX_TOPICS, FieldKind, InvalidInput

__all__ = ["FIELDS_BY_NAME"]
from handlers.callbacks import as_int, check, pack
from handlers.keyboards import button
from storage.models import Participant

SELECTED = "✅"


def topic_options(program_topics: list[str], selected: list[str]) -> list[str]:
    """The program's topics, then the user's own (typed) ones, in a stable order."""
    return program_topics + [t for t in selected if t not in program_topics]


def values_of(participant: Participant) -> dict[str, Any]:
    """A saved registration as the field values the renderers and prompts take."""
    return {name: getattr(participant, name) for name in FIELDS_BY_NAME}


def field_label(t: Translator, field: str) -> str:
    return t.plain(f"field.{field}.label")


def choice_label(t: Translator, field: str, value: str) -> str:
    return t.plain(f"choice.{field}.{value}")


def render_value(t: Translator, field: str, value: Any) -> str:
    """A field's value as escaped HTML."""
    spec = FIELDS_BY_NAME[field]
    if spec.kind is FieldKind.CHOICE:
        return t(f"choice.{field}.{value}") if value else "–"
    if spec.kind is FieldKind.TOPICS:
        return t("common.list", items=", ".join(value)) if value else "–"
    return t("common.value", value=value) if value else "–"


def render_profile(t: Translator, values: dict[str, Any]) -> str:
    lines = [
        t(
            "profile.line",
            label=field_label(t, name),
            value=Safe(render_value(t, name, values.get(name))),
        )
        for name in FIELDS_BY_NAME
    ]
    return "\n".join(lines)


def prompt(
    t: Translator, prefix: str, field: str, values: dict[str, Any], program_topics: list[str]
) -> tuple[str, InlineKeyboardMarkup | None]:
    spec = FIELDS_BY_NAME[field]
    text = t(f"field.{field}.ask")
    current = values.get(field)
    if spec.kind is FieldKind.TEXT:
        text += "\n" + t("field.limit", limit=spec.max_length)
        if current:
            text += "\n\n" + t("field.current", value=current)
        return text, None
    if spec.kind is FieldKind.CHOICE:
        buttons = [
            [button(choice_label(t, field, choice), pack(prefix, "v", field, choice))]
            for choice in spec.choices
        ]
        return text, InlineKeyboardMarkup(buttons)
    selected = list(values.get("topics") or [])
    text += "\n" + t("field.topics.hint", limit=MAX_TOPICS)
    return text, topics_keyboard(t, prefix, program_topics, selected)


def topics_keyboard(
    t: Translator, prefix: str, program_topics: list[str], selected: list[str]
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for index, topic in enumerate(topic_options(program_topics, selected)):
        mark = f"{SELECTED} " if topic in selected else ""
        rows.append([button(f"{mark}{topic}", pack(prefix, "t", index, check(topic)))])
    rows.append([button(t.plain("field.topics.done", count=len(selected)), pack(prefix, "td"))])
    return InlineKeyboardMarkup(rows)


def topic_from_callback(
    program_topics: list[str], selected: list[str], index: str, fingerprint: str
) -> str:
    options = topic_options(program_topics, selected)
    position = as_int(index)
    if position is None or position >= len(options):
        raise InvalidInput("error.stale_button")
    topic = options[position]
    if check(topic) != fingerprint:
        raise InvalidInput("error.stale_button")
    return topic


def answered(t: Translator, field: str, value: Any) -> str:
    """What a prompt message turns into once answered: the question and the answer, no buttons."""
    return t(
        "field.answered",
        question=Safe(t(f"field.{field}.ask")),
        answer=Safe(render_value(t, field, value)),
    )


def error_text(t: Translator, error: InvalidInput) -> str:
    return t(error.key, **error.params)
