"""Certificates of participation at the end of a program (`/certificates`).

The coordinators see who has met the program's minimum of held meetings (default 6, changeable
here), issue the certificates with one confirmation, and get a list of who received one, who
could not be reached, and who did not qualify. Issuing writes one row per participant first
(idempotent); the PDFs are rendered and sent after the commit, and each row records its delivery,
so a certificate that did not arrive (the participant blocked the bot, a crash mid-way) can be
delivered again without ever issuing a second one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx, Services
from bot.i18n import Safe, Translator
from bot.messenger import Outcome
from core.address import form_of, role_of
from core.certificates import (
    MAX_MIN_MEETINGS,
    CertificateText,
    Issuer,
    eligible,
    join_names,
    long_date,
    may_issue,
    min_meetings,
    parse_min_meetings,
    render_pdf,
)
from core.stats import slug
from handlers.callbacks import pack
from handlers.guard import coordinated, pressed_program, require_coordinator, visible_programs
from handlers.keyboards import button, column, rows
from handlers.views.fit import Part, escaped, fit_message
from storage import certificates as store
from storage import dialogs, housekeeping, programs, users
from storage.models import Certificate, Dialog, Participant, Program

PREFIX = "ct"
FLOW = "certificates"


@dataclass(frozen=True)
class Overview:
    minimum: int
    due: list[tuple[Participant, int]]  # qualified, no certificate yet
    issued: list[tuple[Participant, Certificate]]
    short: list[tuple[Participant, int]]  # not (yet) qualified


async def _overview(ctx: Ctx, program: Program) -> Overview:
    minimum = min_meetings(program.settings)
    held = await store.meetings_held(ctx.session, program.id, ctx.now)
    given = await store.issued(ctx.session, program.id)
    result = Overview(minimum, [], [], [])
    for person in await store.candidates(ctx.session, program.id):
        if person.id in given:
            result.issued.append((person, given[person.id]))
        elif eligible(held[person.id], minimum):
            result.due.append((person, held[person.id]))
        else:
            result.short.append((person, held[person.id]))
    return result


def _names(t: Translator, names: Sequence[str]) -> Part:
    return Part(escaped(names), lambda rest: t("rp.more", count=rest))


def overview_text(t: Translator, program: Program, view: Overview) -> str:
    """Every list of the overview shares one message: as many names as fit, then how many more."""
    undelivered = [p for p, c in view.issued if c.delivered_at is None]

    def render(names: Sequence[Safe]) -> str:
        issued = t("ct.issued", count=len(view.issued), names=names[1])
        if undelivered:
            issued += "\n" + t("ct.undelivered", count=len(undelivered), names=names[2])
        return "\n\n".join(
            [
                t("ct.title", program=program.name, minimum=view.minimum),
                t("ct.due", count=len(view.due), names=names[0]),
                issued,
                t("ct.short", count=len(view.short), names=names[3]),
            ]
        )

    return fit_message(
        render,
        [
            _names(t, [f"{p.name} ({n})" for p, n in view.due]),
            _names(t, [p.name for p, _ in view.issued]),
            _names(t, [p.name for p in undelivered]),
            _names(t, [f"{p.name} ({n}/{view.minimum})" for p, n in view.short]),
        ],
    )


def report_text(
    t: Translator,
    program: Program,
    delivered: Sequence[str],
    missed: Sequence[str],
    short: Sequence[tuple[str, int]],
    minimum: int,
) -> str:
    return fit_message(
        lambda names: "\n\n".join(
            [
                t("ct.report", program=program.name),
                t("ct.report_delivered", count=len(delivered), names=names[0]),
                t("ct.report_missed", count=len(missed), names=names[1]),
                t("ct.report_short", count=len(short), minimum=minimum, names=names[2]),
            ]
        ),
        [
            _names(t, delivered),
            _names(t, missed),
            _names(t, [f"{name} ({n}/{minimum})" for name, n in short]),
        ],
    )


def _overview_message(
    ctx: Ctx, program: Program, view: Overview
) -> tuple[str, InlineKeyboardMarkup]:
    t = ctx.t
    undelivered = [p for p, c in view.issued if c.delivered_at is None]
    text = overview_text(t, program, view)
    keyboard: list[list[InlineKeyboardButton]] = []
    if view.due:
        keyboard.append(
            [button(t.plain("ct.issue", count=len(view.due)), pack(PREFIX, "i", program.id))]
        )
    if undelivered:
        keyboard.append(
            [button(t.plain("ct.redeliver", count=len(undelivered)), pack(PREFIX, "r", program.id))]
        )
    keyboard.append([button(t.plain("ct.set_minimum"), pack(PREFIX, "m", program.id))])
    keyboard.append([button(t.plain("ek.refresh"), pack(PREFIX, "v", program.id))])
    return text, InlineKeyboardMarkup(keyboard)


# --- /certificates -----------------------------------------------------------------------------


async def certificates_command(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "certificates"):
        return
    items = await visible_programs(ctx)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    if len(items) == 1:
        ctx.reply(*_overview_message(ctx, items[0], await _overview(ctx, items[0])))
        return
    ctx.reply(
        ctx.t("ct.choose_program"),
        column([button(p.name, pack(PREFIX, "v", p.id)) for p in items]),
    )


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "ct:" + ":".join(parts)):
        return
    action = parts[0]
    program = await pressed_program(ctx, parts[1] if len(parts) == 2 else None)
    if program is None:
        return
    if action not in ("v", "i", "iy", "ie", "r", "m"):
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    view = await _overview(ctx, program)
    if action == "v":
        ctx.answer()
        ctx.edit(*_overview_message(ctx, program, view))
    elif action == "i":
        await _confirm_issue(ctx, program, view)
    elif action in ("iy", "ie"):
        early = not may_issue(program.ends_on, _today(ctx, program), confirmed_early=action == "ie")
        if early and view.due:
            # A plain "yes" before the end (an old screen, a forged button): ask the question
            # that names the end date instead.
            ctx.answer(ctx.t.plain("ct.not_ended", end=_end(ctx, program)), alert=True)
            await _confirm_issue(ctx, program, view, answered=True)
            return
        await _issue(ctx, program, view)
    elif action == "r":
        await _redeliver(ctx, program, view)
    else:
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=FLOW,
            step="minimum",
            data={"program_id": program.id},
            now=ctx.now,
        )
        ctx.answer()
        ctx.reply(ctx.t("ct.ask_minimum", current=view.minimum, limit=MAX_MIN_MEETINGS))


def _today(ctx: Ctx, program: Program) -> dt.date:
    return ctx.now.astimezone(ctx.services.zone_of(program)).date()


def _end(ctx: Ctx, program: Program) -> str:
    return long_date(program.ends_on, ctx.t.language)


async def _confirm_issue(
    ctx: Ctx, program: Program, view: Overview, *, answered: bool = False
) -> None:
    """Ask before issuing; before the program's end the question names the end date and its
    button is another one ("ie"), so that no old or forged "yes" issues early."""
    if not view.due:
        if not answered:
            ctx.answer(ctx.t.plain("ct.nothing_due"), alert=True)
        ctx.edit(*_overview_message(ctx, program, view))
        return
    if not answered:
        ctx.answer()
    if may_issue(program.ends_on, _today(ctx, program), confirmed_early=False):
        text = ctx.t("ct.confirm", count=len(view.due), program=program.name)
        yes = button(ctx.t.plain("ct.confirm_yes"), pack(PREFIX, "iy", program.id))
    else:
        text = ctx.t(
            "ct.confirm_early", count=len(view.due), program=program.name, end=_end(ctx, program)
        )
        yes = button(ctx.t.plain("ct.confirm_early_yes"), pack(PREFIX, "ie", program.id))
    ctx.edit(text, rows([yes], [button(ctx.t.plain("common.back"), pack(PREFIX, "v", program.id))]))


async def _issue(ctx: Ctx, program: Program, view: Overview) -> None:
    new: list[int] = []
    for person, held in view.due:
        if await store.issue(
            ctx.session,
            program_id=program.id,
            participant_id=person.id,
            meetings=held,
            issued_by=ctx.user_id,
            now=ctx.now,
        ):
            new.append(person.id)
    if not new:  # a double press, or another coordinator was quicker
        ctx.answer(ctx.t.plain("ct.nothing_due"), alert=True)
        ctx.edit(*_overview_message(ctx, program, await _overview(ctx, program)))
        return
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="certificates_issued",
        now=ctx.now,
        program=program.id,
        count=len(new),
    )
    ctx.answer()
    ctx.edit(ctx.t("ct.sending", count=len(new)))
    short = [(p.name, n) for p, n in view.short]
    _deliver_after_commit(ctx, program.id, new, short, view.minimum)


async def _redeliver(ctx: Ctx, program: Program, view: Overview) -> None:
    undelivered = [p.id for p, c in view.issued if c.delivered_at is None]
    if not undelivered:
        ctx.answer(ctx.t.plain("ct.nothing_due"), alert=True)
        ctx.edit(*_overview_message(ctx, program, view))
        return
    ctx.answer()
    ctx.edit(ctx.t("ct.sending", count=len(undelivered)))
    _deliver_after_commit(ctx, program.id, undelivered, [], view.minimum)


def _deliver_after_commit(
    ctx: Ctx,
    program_id: int,
    participant_ids: list[int],
    short: list[tuple[str, int]],
    minimum: int,
) -> None:
    services, coordinator = ctx.services, ctx.user_id

    async def deliver() -> None:
        await deliver_certificates(
            services, coordinator, program_id, participant_ids, short, minimum
        )

    ctx.after_commit.append(deliver)


# --- rendering and delivery --------------------------------------------------------------------


def certificate_text(
    t: Translator,
    program: Program,
    person: Participant,
    certificate: Certificate,
    partners: list[str],
) -> CertificateText:
    """The wording for one person: "Frau Petra Schulz … als Mentorin", or the name alone and a
    neutral role phrase; every tandem that met is named (a mentor with two mentees gets one
    certificate naming both); the program's organisations and signer from its settings."""
    date_format = t.plain("ct.pdf.date_format")
    role, form = role_of(person.role), form_of(person.form_of_address).value
    issuer = Issuer.from_settings(program.settings)
    role_sentence = t.plain(
        f"ct.pdf.role.{role}.{form}",
        program=program.name,
        start=program.starts_on.strftime(date_format),
        end=program.ends_on.strftime(date_format),
    )
    if partners:
        met = t.plain(
            f"ct.pdf.tandems.{'one' if len(partners) == 1 else 'many'}",
            partners=join_names(partners, t.language),
            meetings=certificate.meetings,
        )
    else:  # the partners' tandems held no meeting the storage still knows of
        met = t.plain("ct.pdf.tandems.none", meetings=certificate.meetings)
    return CertificateText(
        title=t.plain("ct.pdf.title"),
        intro=t.plain("ct.pdf.intro"),
        name=t.plain(f"ct.pdf.name.{form}", name=person.name),
        company=person.company,
        body=f"{role_sentence} {met}",
        focus=t.plain("ct.pdf.focus"),
        place_date=t.plain("ct.pdf.issued_on", date=certificate.issued_at.strftime(date_format)),
        signature=issuer.signature(t.plain("ct.pdf.signature")),
        footer=t.plain(
            "ct.pdf.footer", program=program.name, number=f"{program.id}-{certificate.id}"
        ),
        organisations=(
            t.plain("ct.pdf.organisations", organisations=issuer.organisations)
            if issuer.organisations
            else ""
        ),
    )


async def deliver_certificates(
    services: Services,
    coordinator_id: int,
    program_id: int,
    participant_ids: list[int],
    short: list[tuple[str, int]],
    minimum: int,
) -> None:
    """Render and send each certificate, record its delivery, then report to the coordinator.
    Runs after the commit that issued them, one at a time (a PDF takes about 0.1 s of CPU, off
    the event loop)."""
    delivered: list[str] = []
    missed: list[str] = []
    async with services.db.session() as session:
        program = await programs.get(session, program_id)
        given = await store.issued(session, program_id)
        people = {p.id: p for p in await store.candidates(session, program_id)}
        tandems = await store.partners(session, program_id, services.clock.now())
        coordinator = await users.get(session, coordinator_id)
    if program is None:
        return
    for participant_id in participant_ids:
        person, certificate = people.get(participant_id), given.get(participant_id)
        if person is None or certificate is None or person.user_id is None:
            continue  # left the program since
        t = services.translator_for(person.user)
        pdf = await asyncio.to_thread(
            render_pdf,
            certificate_text(t, program, person, certificate, tandems.get(participant_id, [])),
            certificate.issued_at,
        )
        filename = f"{t.plain('ct.pdf.filename')}-{slug(person.name, str(person.id))}.pdf"
        _, outcome = await services.messenger.send_document(
            person.user_id, filename, pdf, caption=t("ct.caption", program=program.name)
        )
        if outcome is Outcome.SENT:
            delivered.append(person.name)
            async with services.db.session() as session:
                await store.mark_delivered(session, certificate.id, services.clock.now())
        else:
            missed.append(person.name)
    t = services.translator_for(coordinator)
    report = report_text(t, program, delivered, missed, short, minimum)
    await services.messenger.send(
        coordinator_id, report, column([button(t.plain("ct.open"), pack(PREFIX, "v", program_id))])
    )


# --- the minimum -------------------------------------------------------------------------------


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    if not require_coordinator(ctx, "certificates_dialog"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    program_id = dialog.data.get("program_id")
    program = await coordinated(ctx, program_id) if isinstance(program_id, int) else None
    if program is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))
        return
    value = parse_min_meetings(text or "")
    if value is None:
        ctx.reply(ctx.t("ct.bad_minimum", limit=MAX_MIN_MEETINGS))
        return
    locked = await programs.get_for_update(ctx.session, program.id)
    assert locked is not None
    await programs.update_settings(
        ctx.session, program.id, {**locked.settings, "min_meetings": value}
    )
    await dialogs.clear(ctx.session, ctx.user_id)
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="min_meetings_set",
        now=ctx.now,
        program=program.id,
        value=value,
    )
    ctx.reply(ctx.t("ct.minimum_set", minimum=value))
    ctx.reply(*_overview_message(ctx, locked, await _overview(ctx, locked)))
