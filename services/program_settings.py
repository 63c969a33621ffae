"""A program's settings, changed by its coordinators: reminder and feedback timing, the nudge,
the mentoring agreement and what the certificates print.

Every value is checked here before it is stored, and stored through `core.reminders.Policy` (or
as the plain text the certificates and the agreement read back), so a value a coordinator typed
can never stop the reminders. A value that does not fit comes back as `Invalid`, saying what is
wrong in numbers, for the view to explain; the dialog then stays open for another try.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.certificates import MAX_ORGANISATIONS, MAX_SIGNER
from core.profile import OPTIONAL_FIELDS, clean_text, form_of
from core.reminders import DAY_MINUTES, Policy
from core.when import parse_duration, parse_offsets
from services import conversation, program_contact
from services.access import coordinated, pressed_program
from services.conversation import State
from services.errors import Stale
from services.program_values import Invalid, Problem, Saved
from services.unit import UnitOfWork
from storage import programs

if TYPE_CHECKING:
    from storage.models import Program

FLOW = "settings"


class Setting(StrEnum):
    """What a coordinator can change; the value is the code in buttons and the dialog step."""

    BEFORE_MEETING = "bm"
    FEEDBACK_DELAY = "fd"
    NUDGE_WEEKS = "nw"
    BEFORE_EVENT = "be"
    AGREEMENT = "ag"
    # Printed on the certificates of participation (core.certificates.Issuer).
    ORGANISATIONS = "og"
    SIGNER_NAME = "sn"
    SIGNER_FUNCTION = "sf"


# The certificate settings: the key in the program's settings and the longest text allowed.
ISSUER = {
    Setting.ORGANISATIONS: ("organisations", MAX_ORGANISATIONS),
    Setting.SIGNER_NAME: ("signer_name", MAX_SIGNER),
    Setting.SIGNER_FUNCTION: ("signer_function", MAX_SIGNER),
}
MAX_OFFSETS = 4
MAX_BEFORE_MEETING = 7 * DAY_MINUTES
MAX_BEFORE_EVENT = 60 * DAY_MINUTES
MAX_FEEDBACK_DELAY = 2 * DAY_MINUTES
NUDGE_WEEK_RANGE = range(1, 27)
MAX_AGREEMENT = 2000
RESET = "-"  # typed instead of a value: back to the default


class SettingsState(State):
    """The dialog's stored data: which program's setting is being typed (the step names which)."""

    program_id: int


async def show(uow: UnitOfWork, program_id: int) -> Program:
    """The settings card. Leaving a prompt by its button ends the settings dialog, so a later
    text is not taken as a new value."""
    program = await pressed_program(uow, program_id)
    await _close_dialog(uow)
    return program


async def edit(uow: UnitOfWork, program_id: int, setting: Setting) -> Program:
    """Open the dialog that takes the setting's new value as text."""
    program = await pressed_program(uow, program_id)
    await conversation.save(uow, FLOW, setting.value, SettingsState(program_id=program.id))
    return program


async def reset(uow: UnitOfWork, program_id: int, setting: Setting) -> Program | None:
    """Back to the default value (the reset button on a prompt); None if the program is gone."""
    program = await pressed_program(uow, program_id)
    await _close_dialog(uow)
    return await _store(uow, program.id, setting, None)


async def submit(
    uow: UnitOfWork, step: str, program_id: int, text: str
) -> Saved | Invalid[Setting] | None:
    """A value typed in the dialog. None: the dialog no longer leads anywhere (the program is
    gone or not this coordinator's, or an unknown step); it is closed."""
    program = await coordinated(uow, program_id)
    setting = next((s for s in Setting if s.value == step), None)
    if program is None or setting is None:
        await conversation.clear(uow)
        return None
    raw = clean_text(text)
    value = parse(setting, raw)
    if isinstance(value, _Wrong):
        return Invalid(program, setting, value.problem, value.length)
    saved = await _store(uow, program.id, setting, None if raw == RESET else value)
    await conversation.clear(uow)
    return Saved(saved) if saved is not None else None


async def toggle_form_field(uow: UnitOfWork, program_id: int, field: str) -> Program:
    """An optional question of the registration form switched on or off. Registrations under
    way keep the form they began with; /profile offers the new questions at once."""
    await pressed_program(uow, program_id)
    if field not in OPTIONAL_FIELDS:
        raise Stale("form field")
    program = await programs.get_for_update(uow.session, program_id)
    if program is None:
        raise Stale("program", alert=True)
    form = form_of(program.form_fields)
    chosen = [f for f in form if f != field] if field in form else [*form, field]
    await programs.set_form_fields(uow.session, program, list(form_of(chosen)))
    uow.audit("program_form", program=program.id, field=field, on=field not in form)
    return program


async def _close_dialog(uow: UnitOfWork) -> None:
    where = await conversation.current(uow)
    if where is not None and where[0] in (FLOW, program_contact.FLOW):
        await conversation.clear(uow)


# --- checking typed values ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Wrong:
    problem: Problem
    length: int = 0


def parse(setting: Setting, raw: str) -> Any:
    """The new value, RESET, or a `_Wrong` saying what does not fit."""
    if raw == RESET:
        return RESET
    if setting in (Setting.BEFORE_MEETING, Setting.BEFORE_EVENT):
        return _offsets(raw, offset_limit(setting))
    if setting is Setting.FEEDBACK_DELAY:
        return _delay(raw)
    if setting is Setting.NUDGE_WEEKS:
        weeks = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else None
        return weeks if weeks is not None and weeks in NUDGE_WEEK_RANGE else _Wrong("bad")
    if setting in ISSUER:
        text = " ".join(raw.split())  # one line on the certificate
        return _text(text, ISSUER[setting][1])
    return _text(raw, MAX_AGREEMENT)


def offset_limit(setting: Setting) -> int:
    return MAX_BEFORE_MEETING if setting is Setting.BEFORE_MEETING else MAX_BEFORE_EVENT


def _offsets(raw: str, limit: int) -> tuple[int, ...] | _Wrong:
    offsets = parse_offsets(raw) if raw else None  # [] for "keine": none at all
    if offsets is None or len(offsets) > MAX_OFFSETS or not all(0 < m <= limit for m in offsets):
        return _Wrong("bad")
    return tuple(sorted(set(offsets), reverse=True))


def _delay(raw: str) -> int | _Wrong:
    minutes = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
    if minutes is None and raw:
        minutes = parse_duration(raw)
    if minutes is None and raw:  # longer than a meeting lasts: "1 Tag"
        single = parse_offsets(raw)
        minutes = single[0] if single and len(single) == 1 else None
    if minutes is None or not 0 <= minutes <= MAX_FEEDBACK_DELAY:
        return _Wrong("bad")
    return minutes


def _text(text: str, limit: int) -> str | _Wrong:
    if not text:
        return _Wrong("empty")
    if len(text) > limit:
        return _Wrong("too_long", len(text))
    return text


# --- storing ------------------------------------------------------------------------------------


def apply(settings: dict[str, Any], setting: Setting, value: Any) -> dict[str, Any]:
    """A new settings dict with one value changed (None: back to the default)."""
    result = dict(settings)
    if setting in ISSUER or setting is Setting.AGREEMENT:
        key = ISSUER[setting][0] if setting in ISSUER else "agreement"
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
        return result
    current, default = Policy.from_settings(settings), Policy()
    if setting is Setting.BEFORE_MEETING:
        offsets = default.before_meeting if value is None else value
        policy = dataclasses.replace(current, before_meeting=offsets)
    elif setting is Setting.BEFORE_EVENT:
        offsets = default.before_event if value is None else value
        policy = dataclasses.replace(current, before_event=offsets)
    elif setting is Setting.FEEDBACK_DELAY:
        delay = default.feedback_delay if value is None else value
        policy = dataclasses.replace(current, feedback_delay=delay)
    else:
        days = default.nudge_after_days if value is None else value * 7
        policy = dataclasses.replace(current, nudge_after_days=days)
    result["reminders"] = policy.to_settings()
    return result


async def _store(uow: UnitOfWork, program_id: int, setting: Setting, value: Any) -> Program | None:
    """Read, change and write under the row lock, so two coordinators changing different
    settings at once both keep their change."""
    program = await programs.get_for_update(uow.session, program_id)
    if program is None:
        return None
    await programs.update_settings(
        uow.session, program.id, apply(program.settings or {}, setting, value)
    )
    uow.audit("program_settings", program=program.id, setting=setting.value)
    return program
