"""A program's settings card, the prompt for one value, and what is wrong with a typed value;
the dialog of the program team's contact (name, e-mail, phone) that the card opens.

Durations are shown in a form the coordinator can type back ("24 h, 1 h", "14 Tage"), so the
card doubles as an example. The button that opens the card lives here too: the program card
(handlers/programs.py) shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.buttons import Button
from bot.i18n import Safe, Translator
from core.certificates import Issuer
from core.contact import PHONE_DIGITS, ContactField
from core.profile import OPTIONAL_FIELDS, form_of
from core.reminders import DAY_MINUTES, Policy
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views import programs as program_views  # a cycle: used at call time only
from handlers.views.contact import contact_of, joined
from handlers.views.fields import SELECTED, field_label
from services.program_settings import (
    ISSUER,
    MAX_AGREEMENT,
    MAX_FEEDBACK_DELAY,
    MAX_OFFSETS,
    NUDGE_WEEK_RANGE,
    Setting,
    offset_limit,
)
from services.program_values import Invalid

if TYPE_CHECKING:
    from storage.models import Program


class OnProgram(Button, prefix="ps", coordinator=True):
    """Every settings button: `ps:<action>:<program>:...`, the coordinators' alone."""

    program: int


class OnSetting(OnProgram, prefix="ps", coordinator=True):
    """A press on one of the card's settings: `ps:<action>:<program>:<setting>`."""

    setting: Setting


class OnContact(OnProgram, prefix="ps", coordinator=True):
    """A press on one field of the team's contact: `ps:<action>:<program>:<field>`."""

    field: ContactField


class ShowSettings(OnProgram, action="v"): ...


class EditSetting(OnSetting, action="e"): ...


class ResetSetting(OnSetting, action="d"): ...


class EditContact(OnContact, action="c"):
    """Opens the contact dialog at a field (the settings card's row: at the name)."""


class SkipContact(OnContact, action="cs"):
    """Leaves the field as it is and asks the next one."""


class ShowForm(OnProgram, action="fm"):
    """The registration form's optional questions, each switched on or off by its button."""


class ToggleFormField(OnProgram, action="ff"):
    field: str


# --- showing values -------------------------------------------------------------------------


def duration_text(t: Translator, minutes: int, *, days_from: int = 2 * DAY_MINUTES) -> str:
    """Whole days, hours or minutes. Meetings are thought of in hours ("24 h before"),
    program events in days (`days_from` one day)."""
    if minutes >= days_from and minutes % DAY_MINUTES == 0:
        return t.plain("ps.unit.days", count=minutes // DAY_MINUTES)
    if minutes and minutes % 60 == 0:
        return t.plain("ps.unit.hours", n=minutes // 60)
    return t.plain("ps.unit.minutes", n=minutes)


def offsets_text(t: Translator, offsets: tuple[int, ...], *, days_from: int) -> str:
    if not offsets:
        return t.plain("ps.none")
    return ", ".join(duration_text(t, m, days_from=days_from) for m in offsets)


def meeting_offsets(t: Translator, policy: Policy) -> str:
    return offsets_text(t, policy.before_meeting, days_from=2 * DAY_MINUTES)


def event_offsets(t: Translator, policy: Policy) -> str:
    return offsets_text(t, policy.before_event, days_from=DAY_MINUTES)


def nudge_text(t: Translator, policy: Policy) -> str:
    if policy.nudge_after_days == 0:
        return t.plain("ps.none")
    return t.plain("ps.weeks", count=max(1, round(policy.nudge_after_days / 7)))


def custom_agreement(program: Program) -> str | None:
    text = (program.settings or {}).get("agreement")
    return text if isinstance(text, str) and text.strip() else None


def agreement_text(t: Translator, program: Program) -> str:
    """HTML: the program's own text (escaped) or a note that the default applies."""
    custom = custom_agreement(program)
    if custom is None:
        return t("ps.agreement_default")
    return t("ps.agreement_custom", text=custom)


def issuer_text(t: Translator, program: Program) -> str:
    """HTML: the organisations and the signature as the certificates will print them."""
    issuer = Issuer.from_settings(program.settings)
    return t(
        "ps.card.certificate",
        organisations=issuer.organisations or t.plain("ps.not_set"),
        signature=", ".join(issuer.signature(t.plain("ct.pdf.signature"))),
    )


def card(t: Translator, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    policy = Policy.from_settings(program.settings)
    text = t(
        "ps.card",
        program=program.name,
        before_meeting=meeting_offsets(t, policy),
        feedback_delay=duration_text(t, policy.feedback_delay),
        nudge=nudge_text(t, policy),
        before_event=event_offsets(t, policy),
        agreement=Safe(agreement_text(t, program)),
    )
    # A block of its own: the note above (on when changes apply) is about the timings only.
    text += "\n\n" + issuer_text(t, program) + "\n" + contact_card_line(t, program)
    text += "\n" + t("ps.card.form", fields=form_text(t, program))
    labels = (
        (Setting.BEFORE_MEETING, t.plain("ps.edit.bm")),
        (Setting.FEEDBACK_DELAY, t.plain("ps.edit.fd")),
        (Setting.NUDGE_WEEKS, t.plain("ps.edit.nw")),
        (Setting.BEFORE_EVENT, t.plain("ps.edit.be")),
        (Setting.AGREEMENT, t.plain("ps.edit.ag")),
        (Setting.ORGANISATIONS, t.plain("ps.edit.og")),
        (Setting.SIGNER_NAME, t.plain("ps.edit.sn")),
        (Setting.SIGNER_FUNCTION, t.plain("ps.edit.sf")),
    )
    return text, column(
        [
            *(key(label, EditSetting(program.id, setting)) for setting, label in labels),
            key(t.plain("ps.edit.ct"), EditContact(program.id, ContactField.NAME)),
            key(t.plain("ps.edit.form"), ShowForm(program.id)),
            # The program card's button belongs to the programs flow (prefix "pg").
            key(t.plain("ps.to_program"), program_views.ProgramButton(program.id)),
        ]
    )


def form_text(t: Translator, program: Program) -> str:
    chosen = form_of(program.form_fields)
    return ", ".join(field_label(t, f) for f in chosen) if chosen else t.plain("ps.none")


def form_card(t: Translator, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    """The optional questions, ✅ when registration asks them."""
    chosen = form_of(program.form_fields)
    return t("ps.form", program=program.name), column(
        [
            *(
                key(
                    f"{SELECTED if f in chosen else '▫️'} {field_label(t, f)}",
                    ToggleFormField(program.id, f),
                )
                for f in OPTIONAL_FIELDS
            ),
            key(t.plain("common.back"), ShowSettings(program.id)),
        ]
    )


def prompt_text(t: Translator, program: Program, setting: Setting) -> str:
    policy = Policy.from_settings(program.settings)
    if setting is Setting.BEFORE_MEETING:
        return t("ps.ask.bm", current=meeting_offsets(t, policy))
    if setting is Setting.FEEDBACK_DELAY:
        return t("ps.ask.fd", current=duration_text(t, policy.feedback_delay))
    if setting is Setting.NUDGE_WEEKS:
        return t("ps.ask.nw", current=nudge_text(t, policy))
    if setting is Setting.BEFORE_EVENT:
        return t("ps.ask.be", current=event_offsets(t, policy))
    if setting in ISSUER:
        issuer = Issuer.from_settings(program.settings)
        field, limit = ISSUER[setting]
        current = getattr(issuer, field) or t.plain("ps.not_set")
        if setting is Setting.ORGANISATIONS:
            return t("ps.ask.og", current=current, limit=limit)
        if setting is Setting.SIGNER_NAME:
            fallback = t.plain("ct.pdf.signature")
            return t("ps.ask.sn", current=current, limit=limit, fallback=fallback)
        return t("ps.ask.sf", current=current, limit=limit)
    custom = custom_agreement(program)
    shown = t("ps.agreement_custom", text=custom) if custom else t("agreement.default")
    return t("ps.ask.ag", current=Safe(shown), limit=MAX_AGREEMENT)


def prompt(t: Translator, program: Program, setting: Setting) -> tuple[str, InlineKeyboardMarkup]:
    return prompt_text(t, program, setting), column(
        [
            key(t.plain("ps.reset"), ResetSetting(program.id, setting)),
            key(t.plain("common.back"), ShowSettings(program.id)),
        ]
    )


def problem(t: Translator, invalid: Invalid[Setting] | Invalid[ContactField]) -> str:
    """What is wrong with a typed value, with the limits it must keep."""
    setting = invalid.asked
    if isinstance(setting, ContactField):
        return _contact_problem(t, setting, invalid)
    if invalid.problem == "too_long":
        limit = ISSUER[setting][1] if setting in ISSUER else MAX_AGREEMENT
        return t("error.too_long", limit=limit, length=invalid.length)
    if setting in (Setting.BEFORE_MEETING, Setting.BEFORE_EVENT):
        return t(
            "ps.bad.bm" if setting is Setting.BEFORE_MEETING else "ps.bad.be",
            most=MAX_OFFSETS,
            limit=duration_text(t, offset_limit(setting)),
        )
    if setting is Setting.FEEDBACK_DELAY:
        return t("ps.bad.fd", limit=duration_text(t, MAX_FEEDBACK_DELAY))
    if setting is Setting.NUDGE_WEEKS:
        return t("ps.bad.nw", low=NUDGE_WEEK_RANGE[0], high=NUDGE_WEEK_RANGE[-1])
    if setting in ISSUER:
        return t("ps.bad.empty")
    return t("ps.bad.ag_empty")


# --- the program team's contact (core.contact) ----------------------------------------------


def ask_again(
    t: Translator, invalid: Invalid[Setting] | Invalid[ContactField]
) -> tuple[str, InlineKeyboardMarkup]:
    """The prompt of the setting or contact field whose typed value did not fit."""
    if isinstance(invalid.asked, ContactField):
        return contact_prompt(t, invalid.program, invalid.asked)
    return prompt(t, invalid.program, invalid.asked)


def contact_card_line(t: Translator, program: Program) -> str:
    """HTML: the contact as the settings card shows it."""
    contact = contact_of(program)
    return t("ps.card.contact", contact=joined(contact) if contact else t.plain("ps.not_set"))


def contact_prompt(
    t: Translator, program: Program, field: ContactField
) -> tuple[str, InlineKeyboardMarkup]:
    current = getattr(contact_of(program), _ATTRIBUTE[field]) or t.plain("ps.not_set")
    text = t(f"ps.ask.ct.{field.value}", current=current, limit=field.limit)
    return text, column(
        [
            key(t.plain("ps.contact.skip"), SkipContact(program.id, field)),
            key(t.plain("common.back"), ShowSettings(program.id)),
        ]
    )


def _contact_problem(
    t: Translator, field: ContactField, invalid: Invalid[Setting] | Invalid[ContactField]
) -> str:
    if invalid.problem == "too_long":
        return t("error.too_long", limit=field.limit, length=invalid.length)
    if invalid.problem == "empty":
        return t("ps.bad.empty")
    if field is ContactField.EMAIL:
        return t("ps.bad.ct.e")
    return t("ps.bad.ct.p", low=PHONE_DIGITS[0], high=PHONE_DIGITS[-1])


_ATTRIBUTE = {ContactField.NAME: "name", ContactField.EMAIL: "email", ContactField.PHONE: "phone"}
