"""Asking for, rendering and reading profile fields; shared by registration and /profile.

Both flows show the same field prompts, each with buttons of its own prefix (`rg`, `pf`): the
button shapes are declared here once, and each flow declares its kinds of them (`FieldButtons`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from core.address import FormOfAddress, form_of
from core.profile import (
    DEFAULT_TOPICS,
    FIELDS_BY_NAME,
    LANGUAGES,
    MAX_CUSTOM_TOPIC_LENGTH,
    MAX_TOPICS,
    FieldKind,
    InvalidInput,
    fingerprint,
    topic_options,
)
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views.address import role_noun
from services.profile import values_of

if TYPE_CHECKING:
    from bot.context import Ctx
    from services.company_choice import Offer
    from services.profile import Prompt

__all__ = ["FIELDS_BY_NAME", "values_of"]

SELECTED = "✅"


@dataclass(frozen=True)
class Choice(Button):
    """`<prefix>:v:<field>:<value>`: a choice field's answer (the value is checked on press)."""

    field: str
    value: str


@dataclass(frozen=True)
class Topic(Button):
    """`<prefix>:t:<place>:<fingerprint>`: a topic of the list toggled."""

    index: int
    check: str


@dataclass(frozen=True)
class TopicsDone(Button):
    """`<prefix>:td`: the topics list closed."""


@dataclass(frozen=True)
class Company(Button):
    """`<prefix>:co:<company id>`: a company offered by "Meinten Sie …?"."""

    company: int


@dataclass(frozen=True)
class OwnSpelling(Button):
    """`<prefix>:cn`: "Meinten Sie …?" answered with the name as typed."""


@dataclass(frozen=True)
class Language(Button):
    """`<prefix>:l:<code>`: a language spoken toggled (the code is checked on press)."""

    code: str


@dataclass(frozen=True)
class LanguagesDone(Button):
    """`<prefix>:ld`: the languages list closed."""


@dataclass(frozen=True)
class Skip(Button):
    """`<prefix>:sk:<field>`: an optional question left empty."""

    field: str


@dataclass(frozen=True)
class FieldButtons:
    """One flow's kinds of the field buttons, under its own prefix."""

    choice: type[Choice]
    topic: type[Topic]
    done: type[TopicsDone]
    company: type[Company]
    own: type[OwnSpelling]
    language: type[Language]
    languages_done: type[LanguagesDone]
    skip: type[Skip]


def field_buttons(prefix: str, module: str) -> FieldButtons:
    """Declare the field buttons of the flow `module` under `prefix` (each flow has its own, so
    a press reaches the flow that asked; the wire format is the same for both)."""
    B = TypeVar("B", bound=Button)

    def kind(action: str, shape: type[B]) -> type[B]:
        name = prefix.capitalize() + shape.__name__
        declared: type[B] = button(prefix, action)(type(name, (shape,), {"__module__": module}))
        return declared

    return FieldButtons(
        kind("v", Choice),
        kind("t", Topic),
        kind("td", TopicsDone),
        kind("co", Company),
        kind("cn", OwnSpelling),
        kind("l", Language),
        kind("ld", LanguagesDone),
        kind("sk", Skip),
    )


def field_label(t: Translator, field: str) -> str:
    return t.plain(f"field.{field}.label")


def choice_label(t: Translator, field: str, value: str) -> str:
    return t.plain(f"choice.{field}.{value}")


def language_names(t: Translator, codes: list[str]) -> str:
    return ", ".join(t.plain(f"spoken.{code}") for code in codes if code in LANGUAGES)


def topic_name(t: Translator, topic: str) -> str:
    """A topic in the reader's language. Topics are stored as written (the default list in
    German, a program's or a person's own in their words): a default topic is shown from the
    catalog by its place in `DEFAULT_TOPICS`, its stable id; any other keeps its wording."""
    if topic in DEFAULT_TOPICS:
        return t.plain(f"topic.{DEFAULT_TOPICS.index(topic)}")
    return topic


def topic_names(t: Translator, topics: list[str]) -> str:
    return ", ".join(topic_name(t, topic) for topic in topics)


def render_value(t: Translator, field: str, value: Any) -> str:
    """A field's value as escaped HTML."""
    spec = FIELDS_BY_NAME[field]
    if spec.kind is FieldKind.LANGUAGES:
        return t("common.value", value=language_names(t, list(value))) if value else "–"
    if spec.kind is FieldKind.CHOICE and field != "capacity":
        return t(f"choice.{field}.{value}") if value else "–"
    if spec.kind is FieldKind.TOPICS:
        return t("common.list", items=topic_names(t, list(value))) if value else "–"
    return t("common.value", value=value) if value else "–"


def _profile_value(t: Translator, name: str, values: dict[str, Any]) -> str:
    """As `render_value`; the role in the form of address chosen ("Mentorin", not "Mentorin
    oder Mentor", on Petra's own profile), once both are known."""
    form = values.get("form_of_address")
    if name == "role" and values.get("role") and form_of(form) is not FormOfAddress.NEUTRAL:
        return t("common.value", value=role_noun(t, values["role"], form))
    return render_value(t, name, values.get(name))


def render_profile(t: Translator, values: dict[str, Any]) -> str:
    lines = [
        t(
            "profile.line",
            label=field_label(t, name),
            value=Safe(_profile_value(t, name, values)),
        )
        for name in FIELDS_BY_NAME
        if name in values or not FIELDS_BY_NAME[name].optional
    ]
    return "\n".join(lines)


def prompt(
    t: Translator,
    kinds: FieldButtons,
    field: str,
    values: dict[str, Any],
    program_topics: list[str],
) -> tuple[str, InlineKeyboardMarkup | None]:
    spec = FIELDS_BY_NAME[field]
    text = t(f"field.{field}.ask")
    current = values.get(field)
    if spec.kind is FieldKind.TEXT:
        text += "\n" + t("field.limit", limit=spec.max_length)
        if current:
            text += "\n\n" + t("field.current", value=current)
        skip = [[key(t.plain("field.skip"), kinds.skip(field))]] if spec.skippable else None
        return text, InlineKeyboardMarkup(skip) if skip else None
    if spec.kind is FieldKind.LANGUAGES:
        return text, languages_keyboard(t, kinds, list(current or []))
    if spec.kind is FieldKind.CHOICE:
        buttons = [
            [key(choice_label(t, field, choice), kinds.choice(field, choice))]
            for choice in spec.choices
        ]
        return text, InlineKeyboardMarkup(buttons)
    selected = list(values.get("topics") or [])
    text += "\n" + t("field.topics.hint", limit=MAX_TOPICS, length=MAX_CUSTOM_TOPIC_LENGTH)
    return text, topics_keyboard(t, kinds, program_topics, selected)


def topics_keyboard(
    t: Translator, kinds: FieldButtons, program_topics: list[str], selected: list[str]
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for index, topic in enumerate(topic_options(program_topics, selected)):
        mark = f"{SELECTED} " if topic in selected else ""
        rows.append([key(f"{mark}{topic_name(t, topic)}", kinds.topic(index, fingerprint(topic)))])
    rows.append([key(t.plain("field.topics.done", count=len(selected)), kinds.done())])
    return InlineKeyboardMarkup(rows)


def languages_keyboard(
    t: Translator, kinds: FieldButtons, selected: list[str]
) -> InlineKeyboardMarkup:
    buttons = [
        key(f"{SELECTED} " * (code in selected) + t.plain(f"spoken.{code}"), kinds.language(code))
        for code in LANGUAGES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([key(t.plain("field.topics.done", count=len(selected)), kinds.languages_done())])
    return InlineKeyboardMarkup(rows)


def question(t: Translator, kinds: FieldButtons, offer: Offer) -> tuple[str, InlineKeyboardMarkup]:
    """ "Meinten Sie …?": one button per company still known, and one for their own spelling."""
    buttons = [key(company.name, kinds.company(company.id)) for company in offer.companies]
    buttons.append(key(t.plain("reg.company.keep"), kinds.own()))
    return t("reg.company.did_you_mean", typed=offer.typed), column(buttons)


def answered(t: Translator, field: str, value: Any) -> str:
    """What a prompt message turns into once answered: the question and the answer, no buttons."""
    return t(
        "field.answered",
        question=Safe(t(f"field.{field}.ask")),
        answer=Safe(render_value(t, field, value)),
    )


def company_picked(ctx: Ctx, stale: bool, company: str | None) -> None:
    """The "did you mean" message once pressed. A stale press (forged, or the company merged
    away since) is told so and loses the buttons, as the typed name is asked about again below;
    otherwise the message shows the company taken, when one was."""
    if stale:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        ctx.edit(None)
    elif company is not None:
        ctx.edit(answered(ctx.t, "company", company))


def error_text(t: Translator, error: InvalidInput) -> str:
    return t(error.key, **error.params)


def before(t: Translator, prompt: Prompt) -> list[str]:
    """What is said before a field is asked (again): why the answer was not taken, or that the
    typed topics joined the list."""
    if prompt.error is not None:
        return [error_text(t, prompt.error)]
    return [t("field.topics.added")] if prompt.added else []


H = TypeVar("H", bound=Callable[..., Awaitable[None]])


def input_alerts(handler: H) -> H:
    """A press whose answer cannot be taken (an unknown choice, too many topics, none at all)
    is told why in an alert; nothing was changed."""

    @functools.wraps(handler)
    async def pressed(ctx: Ctx, *args: Any) -> None:
        try:
            await handler(ctx, *args)
        except InvalidInput as error:
            ctx.answer(ctx.t.plain(error.key, **error.params), alert=True)

    return pressed  # type: ignore[return-value]
