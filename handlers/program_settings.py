"""A program's settings, edited by coordinators in the chat: when reminders and feedback questions
go out, when a quiet tandem is nudged, and the text of the mentoring agreement.

Every program runs a little differently, so the defaults from practice (reminders a day and an
hour before a meeting, feedback an hour after it, a nudge after five weeks, event reminders two
weeks and two days ahead) are a starting point. Values are stored through `core.reminders.Policy`
so that a hand-edited or half-written setting can never stop the reminders.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe, Translator
from core.certificates import MAX_ORGANISATIONS, MAX_SIGNER, Issuer
from core.profile import clean_text
from core.reminders import DAY_MINUTES, Policy
from core.when import parse_duration, parse_offsets
from handlers.callbacks import pack
from handlers.guard import coordinated, pressed_program, require_coordinator
from handlers.keyboards import button, column
from storage import dialogs, housekeeping, programs
from storage.models import Dialog, Program

FLOW = "settings"
PREFIX = "ps"
BEFORE_MEETING = "bm"
FEEDBACK_DELAY = "fd"
NUDGE_WEEKS = "nw"
BEFORE_EVENT = "be"
AGREEMENT = "ag"
# Printed on the certificates of participation (core.certificates.Issuer).
ORGANISATIONS = "og"
SIGNER_NAME = "sn"
SIGNER_FUNCTION = "sf"
ISSUER = {
    ORGANISATIONS: ("organisations", MAX_ORGANISATIONS),
    SIGNER_NAME: ("signer_name", MAX_SIGNER),
    SIGNER_FUNCTION: ("signer_function", MAX_SIGNER),
}
SETTINGS = (BEFORE_MEETING, FEEDBACK_DELAY, NUDGE_WEEKS, BEFORE_EVENT, AGREEMENT, *ISSUER)
MAX_OFFSETS = 4
MAX_BEFORE_MEETING = 7 * DAY_MINUTES
MAX_BEFORE_EVENT = 60 * DAY_MINUTES
MAX_FEEDBACK_DELAY = 2 * DAY_MINUTES
NUDGE_WEEK_RANGE = range(1, 27)
MAX_AGREEMENT = 2000
RESET = "-"


# --- showing values -------------------------------------------------------------------------


def duration_text(t: Translator, minutes: int, *, days_from: int = 2 * DAY_MINUTES) -> str:
    """Whole days, hours or minutes, in a form the coordinator can type back. Meetings are
    thought of in hours ("24 h before"), program events in days (`days_from` one day)."""
    if minutes >= days_from and minutes % DAY_MINUTES == 0:
        days = minutes // DAY_MINUTES
        return t.plain("ps.unit.day" if days == 1 else "ps.unit.days", n=days)
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
    weeks = max(1, round(policy.nudge_after_days / 7))
    return t.plain("ps.week" if weeks == 1 else "ps.weeks", n=weeks)


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


def _card(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    policy = Policy.from_settings(program.settings)
    text = ctx.t(
        "ps.card",
        program=program.name,
        before_meeting=meeting_offsets(ctx.t, policy),
        feedback_delay=duration_text(ctx.t, policy.feedback_delay),
        nudge=nudge_text(ctx.t, policy),
        before_event=event_offsets(ctx.t, policy),
        agreement=Safe(agreement_text(ctx.t, program)),
    )
    text += "\n" + issuer_text(ctx.t, program)
    return text, column(
        [
            button(ctx.t.plain("ps.edit.bm"), pack(PREFIX, "e", program.id, BEFORE_MEETING)),
            button(ctx.t.plain("ps.edit.fd"), pack(PREFIX, "e", program.id, FEEDBACK_DELAY)),
            button(ctx.t.plain("ps.edit.nw"), pack(PREFIX, "e", program.id, NUDGE_WEEKS)),
            button(ctx.t.plain("ps.edit.be"), pack(PREFIX, "e", program.id, BEFORE_EVENT)),
            button(ctx.t.plain("ps.edit.ag"), pack(PREFIX, "e", program.id, AGREEMENT)),
            button(ctx.t.plain("ps.edit.og"), pack(PREFIX, "e", program.id, ORGANISATIONS)),
            button(ctx.t.plain("ps.edit.sn"), pack(PREFIX, "e", program.id, SIGNER_NAME)),
            button(ctx.t.plain("ps.edit.sf"), pack(PREFIX, "e", program.id, SIGNER_FUNCTION)),
            button(ctx.t.plain("ps.to_program"), pack("pg", "v", program.id)),
        ]
    )


def _prompt_text(ctx: Ctx, program: Program, setting: str) -> str:
    policy = Policy.from_settings(program.settings)
    if setting == BEFORE_MEETING:
        return ctx.t("ps.ask.bm", current=meeting_offsets(ctx.t, policy))
    if setting == FEEDBACK_DELAY:
        return ctx.t("ps.ask.fd", current=duration_text(ctx.t, policy.feedback_delay))
    if setting == NUDGE_WEEKS:
        return ctx.t("ps.ask.nw", current=nudge_text(ctx.t, policy))
    if setting == BEFORE_EVENT:
        return ctx.t("ps.ask.be", current=event_offsets(ctx.t, policy))
    if setting in ISSUER:
        issuer = Issuer.from_settings(program.settings)
        field, limit = ISSUER[setting]
        current = getattr(issuer, field) or ctx.t.plain("ps.not_set")
        if setting == ORGANISATIONS:
            return ctx.t("ps.ask.og", current=current, limit=limit)
        if setting == SIGNER_NAME:
            fallback = ctx.t.plain("ct.pdf.signature")
            return ctx.t("ps.ask.sn", current=current, limit=limit, fallback=fallback)
        return ctx.t("ps.ask.sf", current=current, limit=limit)
    current = custom_agreement(program)
    shown = ctx.t("ps.agreement_custom", text=current) if current else ctx.t("agreement.default")
    return ctx.t("ps.ask.ag", current=Safe(shown), limit=MAX_AGREEMENT)


def _prompt(ctx: Ctx, program: Program, setting: str) -> tuple[str, InlineKeyboardMarkup]:
    return _prompt_text(ctx, program, setting), column(
        [
            button(ctx.t.plain("ps.reset"), pack(PREFIX, "d", program.id, setting)),
            button(ctx.t.plain("common.back"), pack(PREFIX, "v", program.id)),
        ]
    )


# --- buttons --------------------------------------------------------------------------------


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "ps:" + ":".join(parts)):
        return
    action, args = parts[0], parts[1:]
    program = await pressed_program(ctx, args[0] if args else None)
    if program is None:
        return
    setting = args[1] if len(args) == 2 and args[1] in SETTINGS else None
    if action == "v" and len(args) == 1:
        await _close_dialog(ctx)
        ctx.edit(*_card(ctx, program))
    elif action == "e" and setting is not None:
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=FLOW,
            step=setting,
            data={"program_id": program.id},
            now=ctx.now,
        )
        ctx.reply(*_prompt(ctx, program, setting))
    elif action == "d" and setting is not None:
        await _close_dialog(ctx)
        program = await _store(ctx, program.id, setting, None)
        if program is not None:
            ctx.answer(ctx.t.plain("ps.reset_done"))
            ctx.edit(*_card(ctx, program))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _close_dialog(ctx: Ctx) -> None:
    """Leaving the prompt by a button ends the settings dialog, so a later text is not taken
    as a new value."""
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW:
        await dialogs.clear(ctx.session, ctx.user_id)


# --- typed values ---------------------------------------------------------------------------


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    if not require_coordinator(ctx, "settings_dialog"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    program_id = dialog.data.get("program_id")
    program = await coordinated(ctx, program_id) if isinstance(program_id, int) else None
    if program is None or dialog.step not in SETTINGS:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))
        return
    raw = clean_text(text or "")
    value = _parse(ctx, dialog.step, raw)
    if value is None:
        ctx.reply(*_prompt(ctx, program, dialog.step))
        return  # the problem was explained; the dialog stays open for another try
    saved = await _store(ctx, program.id, dialog.step, None if raw == RESET else value)
    await dialogs.clear(ctx.session, ctx.user_id)
    if saved is not None:
        ctx.reply(ctx.t("ps.saved"))
        ctx.reply(*_card(ctx, saved))


def _parse(ctx: Ctx, setting: str, raw: str) -> Any:
    """The new value, RESET's marker, or None after telling the coordinator what is wrong."""
    if raw == RESET:
        return RESET
    if setting in (BEFORE_MEETING, BEFORE_EVENT):
        return _parse_offsets(ctx, setting, raw)
    if setting == FEEDBACK_DELAY:
        return _parse_delay(ctx, raw)
    if setting == NUDGE_WEEKS:
        return _parse_weeks(ctx, raw)
    if setting in ISSUER:
        return _parse_issuer(ctx, raw, ISSUER[setting][1])
    return _parse_agreement(ctx, raw)


def _parse_offsets(ctx: Ctx, setting: str, raw: str) -> tuple[int, ...] | None:
    limit = MAX_BEFORE_MEETING if setting == BEFORE_MEETING else MAX_BEFORE_EVENT
    offsets = parse_offsets(raw) if raw else None  # [] for "keine": none at all
    if offsets is None or len(offsets) > MAX_OFFSETS or not all(0 < m <= limit for m in offsets):
        ctx.reply(
            ctx.t(
                "ps.bad.bm" if setting == BEFORE_MEETING else "ps.bad.be",
                most=MAX_OFFSETS,
                limit=duration_text(ctx.t, limit),
            )
        )
        return None
    return tuple(sorted(set(offsets), reverse=True))


def _parse_delay(ctx: Ctx, raw: str) -> int | None:
    minutes = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
    if minutes is None and raw:
        minutes = parse_duration(raw)
    if minutes is None and raw:  # longer than a meeting lasts: "1 Tag"
        single = parse_offsets(raw)
        minutes = single[0] if single and len(single) == 1 else None
    if minutes is None or not 0 <= minutes <= MAX_FEEDBACK_DELAY:
        ctx.reply(ctx.t("ps.bad.fd", limit=duration_text(ctx.t, MAX_FEEDBACK_DELAY)))
        return None
    return minutes


def _parse_weeks(ctx: Ctx, raw: str) -> int | None:
    weeks = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else None
    if weeks is None or weeks not in NUDGE_WEEK_RANGE:
        ctx.reply(ctx.t("ps.bad.nw", low=NUDGE_WEEK_RANGE[0], high=NUDGE_WEEK_RANGE[-1]))
        return None
    return weeks


def _parse_issuer(ctx: Ctx, raw: str, limit: int) -> str | None:
    text = " ".join(raw.split())  # one line on the certificate
    if not text:
        ctx.reply(ctx.t("ps.bad.empty"))
        return None
    if len(text) > limit:
        ctx.reply(ctx.t("error.too_long", limit=limit, length=len(text)))
        return None
    return text


def _parse_agreement(ctx: Ctx, raw: str) -> str | None:
    if not raw:
        ctx.reply(ctx.t("ps.bad.ag_empty"))
        return None
    if len(raw) > MAX_AGREEMENT:
        ctx.reply(ctx.t("error.too_long", limit=MAX_AGREEMENT, length=len(raw)))
        return None
    return raw


def _apply(settings: dict[str, Any], setting: str, value: Any) -> dict[str, Any]:
    """A new settings dict with one value changed (None: back to the default)."""
    result = dict(settings)
    if setting in ISSUER:
        key = ISSUER[setting][0]
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
        return result
    if setting == AGREEMENT:
        if value is None:
            result.pop("agreement", None)
        else:
            result["agreement"] = value
        return result
    current, default = Policy.from_settings(settings), Policy()
    if setting == BEFORE_MEETING:
        offsets = default.before_meeting if value is None else value
        policy = dataclasses.replace(current, before_meeting=offsets)
    elif setting == BEFORE_EVENT:
        offsets = default.before_event if value is None else value
        policy = dataclasses.replace(current, before_event=offsets)
    elif setting == FEEDBACK_DELAY:
        delay = default.feedback_delay if value is None else value
        policy = dataclasses.replace(current, feedback_delay=delay)
    else:
        days = default.nudge_after_days if value is None else value * 7
        policy = dataclasses.replace(current, nudge_after_days=days)
    result["reminders"] = policy.to_settings()
    return result


async def _store(ctx: Ctx, program_id: int, setting: str, value: Any) -> Program | None:
    """Read, change and write under the row lock, so two coordinators changing different
    settings at once both keep their change."""
    program = await programs.get_for_update(ctx.session, program_id)
    if program is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return None
    await programs.update_settings(
        ctx.session, program.id, _apply(program.settings or {}, setting, value)
    )
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="program_settings",
        now=ctx.now,
        program=program.id,
        setting=setting,
    )
    return program
