"""Certificates of participation at the end of a program (`/certificates`).

The coordinators see who has met the program's minimum of held meetings, issue the
certificates with one confirmation (before the program's end, only after a question naming the
end date), and get a list of who received one, who could not be reached, and who did not
qualify. The rules and the rows are services/certificates.py; the PDFs are rendered and sent
here, after the commit that issued them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button, on
from bot.context import Ctx, Services
from bot.dialogs import dialog
from bot.i18n import Safe, Translator
from bot.messenger import Outcome
from core.address import form_of, role_of
from core.certificates import (
    MAX_MIN_MEETINGS,
    CertificateText,
    Issuer,
    join_names,
    long_date,
    render_pdf,
)
from core.export_tables import slug
from core.fit import Part, escaped, fit_message
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from services import certificates
from services.certificates import FLOW, Issue, MinimumState, Overview, Screen
from services.unit import Actor, UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Certificate, Participant, Program

PREFIX = "ct"


class _OnProgram(Button, prefix=PREFIX, coordinator=True):
    """The certificate buttons, each a press on one program's certificates:
    `ct:<action>:<program>`, the coordinators' alone."""

    program: int


class ShowCertificates(_OnProgram, action="v"): ...


@button(PREFIX, "p", coordinator=True)
class ChooseProgram(Button):
    """Back from a program's certificates to the choice of programs (/certificates)."""


class AskIssue(_OnProgram, action="i"): ...


class IssueNow(_OnProgram, action="iy"): ...


class IssueEarly(_OnProgram, action="ie"):
    """The answer to the question that names the program's end date."""


class Redeliver(_OnProgram, action="r"): ...


class AskMinimum(_OnProgram, action="m"): ...


def meetings(t: Translator, count: int) -> Safe:
    """ "4 Treffen" / "1 meeting": the minimum for a certificate, inside a sentence."""
    return Safe(t("ct.meetings", count=count))


def _names(t: Translator, names: Sequence[str]) -> Part:
    return Part(escaped(names), lambda rest: t("rp.more", count=rest))


def overview_text(t: Translator, program: Program, view: Overview) -> str:
    """Every list of the overview shares one message: as many names as fit, then how many more."""
    undelivered = view.undelivered

    def render(names: Sequence[Safe]) -> str:
        issued = t("ct.issued", count=len(view.issued), names=names[1])
        if undelivered:
            issued += "\n" + t("ct.undelivered", count=len(undelivered), names=names[2])
        return "\n\n".join(
            [
                t("ct.title", program=program.name, meetings=meetings(t, view.minimum)),
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
    def render(names: Sequence[Safe]) -> str:
        # A group with nobody in it is left out: "not delivered (0)" with its explanation of
        # what to do would only raise a question.
        parts = [
            t("ct.report", program=program.name),
            t("ct.report_delivered", count=len(delivered), names=names[0]),
        ]
        if missed:
            parts.append(t("ct.report_missed", count=len(missed), names=names[1]))
        if short:
            needed = meetings(t, minimum)
            parts.append(t("ct.report_short", count=len(short), meetings=needed, names=names[2]))
        return "\n\n".join(parts)

    return fit_message(
        render,
        [
            _names(t, delivered),
            _names(t, missed),
            _names(t, [f"{name} ({n}/{minimum})" for name, n in short]),
        ],
    )


def _overview_message(ctx: Ctx, shown: Screen) -> tuple[str, InlineKeyboardMarkup]:
    t, program, view = ctx.t, shown.program, shown.view
    keyboard: list[list[InlineKeyboardButton]] = []
    if view.due:
        keyboard.append([key(t.plain("ct.issue", count=len(view.due)), AskIssue(program.id))])
    if view.undelivered:
        keyboard.append(
            [key(t.plain("ct.redeliver", count=len(view.undelivered)), Redeliver(program.id))]
        )
    keyboard.append([key(t.plain("ct.set_minimum"), AskMinimum(program.id))])
    keyboard.append(
        [
            key(t.plain("ek.refresh"), ShowCertificates(program.id)),
            key(t.plain("ek.other_program"), ChooseProgram()),
        ]
    )
    return overview_text(t, program, view), InlineKeyboardMarkup(keyboard)


# --- /certificates -----------------------------------------------------------------------------


async def certificates_command(ctx: Ctx) -> None:
    found = await certificates.opening(ctx.uow)
    if isinstance(found, Screen):
        ctx.reply(*_overview_message(ctx, found))
    elif not found:
        ctx.reply(ctx.t("pg.none"))
    else:
        _choose(ctx, found, edit=False)


@on(ChooseProgram)
async def on_choose_program(ctx: Ctx, _: ChooseProgram) -> None:
    found = await certificates.choosable(ctx.uow)
    if not found:
        ctx.reply(ctx.t("pg.none"))
    else:
        _choose(ctx, found, edit=True)


def _choose(ctx: Ctx, found: Sequence[Program], *, edit: bool) -> None:
    (ctx.edit if edit else ctx.reply)(
        ctx.t("ct.choose_program"),
        column([key(p.name, ShowCertificates(p.id)) for p in found]),
    )


@on(ShowCertificates)
async def on_show(ctx: Ctx, pressed: ShowCertificates) -> None:
    shown = await certificates.screen(ctx.uow, pressed.program)
    ctx.edit(*_overview_message(ctx, shown))


@on(AskIssue)
async def on_ask_issue(ctx: Ctx, pressed: AskIssue) -> None:
    shown = await certificates.screen(ctx.uow, pressed.program)
    if not shown.view.due:
        ctx.answer(ctx.t.plain("ct.nothing_due"), alert=True)
        ctx.edit(*_overview_message(ctx, shown))
        return
    _issue_question(ctx, shown)


def _issue_question(ctx: Ctx, shown: Screen) -> None:
    """Ask before issuing; before the program's end the question names the end date and its
    button is another one ("ie"), so that no old or forged "yes" issues early."""
    program, count = shown.program, len(shown.view.due)
    if shown.ended:
        text = ctx.t("ct.confirm", count=count, program=program.name)
        yes = key(ctx.t.plain("ct.confirm_yes"), IssueNow(program.id))
    else:
        text = ctx.t("ct.confirm_early", count=count, program=program.name, end=_end(ctx, program))
        yes = key(ctx.t.plain("ct.confirm_early_yes"), IssueEarly(program.id))
    ctx.edit(text, rows([yes], [key(ctx.t.plain("common.back"), ShowCertificates(program.id))]))


def _end(ctx: Ctx, program: Program) -> str:
    return long_date(program.ends_on, ctx.t.language)


@on(IssueNow)
@on(IssueEarly)
async def on_issue(ctx: Ctx, pressed: IssueNow | IssueEarly) -> None:
    issued = await certificates.issue(
        ctx.uow, pressed.program, early_confirmed=isinstance(pressed, IssueEarly)
    )
    shown = issued.screen
    if issued.outcome is Issue.ASK:
        ctx.answer(ctx.t.plain("ct.not_ended", end=_end(ctx, shown.program)), alert=True)
        _issue_question(ctx, shown)
    elif issued.outcome is Issue.NOTHING:
        ctx.answer(ctx.t.plain("ct.nothing_due"), alert=True)
        ctx.edit(*_overview_message(ctx, shown))
    else:
        ctx.edit(ctx.t("ct.sending", count=len(issued.new)))
        short = [(p.name, n) for p, n in shown.view.short]
        _deliver_after_commit(ctx, shown, issued.new, short)


@on(Redeliver)
async def on_redeliver(ctx: Ctx, pressed: Redeliver) -> None:
    shown = await certificates.screen(ctx.uow, pressed.program)
    undelivered = [p.id for p in shown.view.undelivered]
    if not undelivered:
        ctx.answer(ctx.t.plain("ct.nothing_due"), alert=True)
        ctx.edit(*_overview_message(ctx, shown))
        return
    ctx.edit(ctx.t("ct.sending", count=len(undelivered)))
    _deliver_after_commit(ctx, shown, undelivered, [])


def _deliver_after_commit(
    ctx: Ctx, shown: Screen, participant_ids: list[int], short: list[tuple[str, int]]
) -> None:
    services, coordinator = ctx.services, ctx.user_id
    program_id, minimum = shown.program.id, shown.view.minimum

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
    role, form = role_of(person.role), form_of(person.form_of_address).value
    issuer = Issuer.from_settings(program.settings)
    role_sentence = t.plain(
        f"ct.pdf.role.{role}.{form}",
        program=program.name,
        start=t.date(program.starts_on),
        end=t.date(program.ends_on),
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
        place_date=t.plain("ct.pdf.issued_on", date=t.date(certificate.issued_at)),
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
        found = await certificates.delivery(_unit(services, session, coordinator_id), program_id)
    if found is None:
        return
    program = found.program
    for item in found.items(participant_ids):
        person, certificate = item.person, item.certificate
        t = services.translator_for(person.user)
        pdf = await asyncio.to_thread(
            render_pdf,
            certificate_text(t, program, person, certificate, item.partners),
            certificate.issued_at,
        )
        filename = f"{t.plain('ct.pdf.filename')}-{slug(person.name, str(person.id))}.pdf"
        _, outcome = await services.messenger.send_document(
            item.user_id, filename, pdf, caption=t("ct.caption", program=program.name)
        )
        if outcome is Outcome.SENT:
            delivered.append(person.name)
            async with services.db.session() as session:
                await certificates.delivered(
                    _unit(services, session, coordinator_id), certificate.id
                )
        else:
            missed.append(person.name)
    t = services.translator_for(found.coordinator)
    report = report_text(t, program, delivered, missed, short, minimum)
    await services.messenger.send(
        coordinator_id, report, column([key(t.plain("ct.open"), ShowCertificates(program_id))])
    )


def _unit(services: Services, session: AsyncSession, coordinator_id: int) -> UnitOfWork:
    """A unit of work outside any update: the delivery runs after the issuing one committed."""
    return services.unit(session, Actor(coordinator_id, is_coordinator=True))


# --- the minimum -------------------------------------------------------------------------------


@on(AskMinimum)
async def on_ask_minimum(ctx: Ctx, pressed: AskMinimum) -> None:
    shown = await certificates.ask_minimum(ctx.uow, pressed.program)
    ctx.reply(ctx.t("ct.ask_minimum", current=shown.view.minimum, limit=MAX_MIN_MEETINGS))


@dialog(FLOW, MinimumState, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: MinimumState, text: str | None) -> None:
    result = await certificates.set_minimum(ctx.uow, state, text or "")
    if result is None:
        ctx.reply(ctx.t("error.no_dialog"))
    elif result.screen is None or result.value is None:
        ctx.reply(ctx.t("ct.bad_minimum", limit=MAX_MIN_MEETINGS))
    else:
        ctx.reply(ctx.t("ct.minimum_set", meetings=meetings(ctx.t, result.value)))
        ctx.reply(*_overview_message(ctx, result.screen))
