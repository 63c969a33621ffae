"""The coordinators' program screens: the list, a program's card, its participants by status,
and a participant's card. Other screens of a program (settings, events) link back to its card
with `ProgramButton`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.context import Ctx
from bot.i18n import Safe
from core.programs import ParticipantStatus, ProgramStatus
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views import program_settings as settings_views  # a cycle: used at call time
from handlers.views.address import chat_link, role_label
from handlers.views.companies import OpenDirectory
from handlers.views.events import ShowEvents
from handlers.views.notify import (
    AskGrant,
    CycleCapacity,
    ParticipantButton,
    SetStatus,
    profile_block,
)
from handlers.views.registrations import EditParticipant, approve_all_button
from handlers.views.survey_admin import ListSurveys

if TYPE_CHECKING:
    from services.programs import ParticipantCard, ParticipantPage, ProgramCard
    from storage.models import Program


@button("pg", "all", coordinator=True)
class AllPrograms(Button):
    pass


@button("pg", "v", coordinator=True)
class ProgramButton(Button):
    program: int


@button("pg", "l", coordinator=True)
class ParticipantsButton(Button):
    program: int
    status: ParticipantStatus
    page: int


@button("pg", "s", coordinator=True)
class SetProgramStatus(Button):
    program: int
    status: ProgramStatus


def invite_link(ctx: Ctx, program: Program) -> str:
    return f"https://t.me/{ctx.services.bot_username}?start={program.invite_code}"


def program_list(ctx: Ctx, cards: list[ProgramCard]) -> tuple[str, InlineKeyboardMarkup | None]:
    if not cards:
        return ctx.t("pg.none"), None
    return ctx.t("pg.list"), column(_list_item(ctx, card) for card in cards)


def _list_item(ctx: Ctx, card: ProgramCard) -> InlineKeyboardButton:
    program = card.program
    label = ctx.t.plain(
        "pg.list_item",
        program=program.name,
        status=ctx.t.plain(f"pg.status.{program.status}"),
        pending=card.count(ParticipantStatus.PENDING),
    )
    return key(label, ProgramButton(program.id))


def program_card(ctx: Ctx, card: ProgramCard) -> tuple[str, InlineKeyboardMarkup]:
    program = card.program
    text = ctx.t(
        "pg.card",
        program=program.name,
        start=ctx.t.date(program.starts_on),
        end=ctx.t.date(program.ends_on),
        timezone=program.timezone,
        status=Safe(ctx.t(f"pg.status.{program.status}")),
        link=invite_link(ctx, program),
        code=program.invite_code,
        pending=card.count(ParticipantStatus.PENDING),
        active=card.count(ParticipantStatus.ACTIVE),
        paused=card.count(ParticipantStatus.PAUSED),
        left=card.count(ParticipantStatus.LEFT),
        rejected=card.count(ParticipantStatus.REJECTED),
    )
    by_status = [
        key(
            ctx.t.plain(f"pg.filter.{status}", count=card.count(status)),
            ParticipantsButton(program.id, status, 0),
        )
        for status in ParticipantStatus
    ]
    toggle = ProgramStatus.CLOSED if program.status == ProgramStatus.OPEN else ProgramStatus.OPEN
    # The program's other screens belong to their flows (settings, events, surveys, companies).
    return text, InlineKeyboardMarkup(
        [
            *column(by_status, per_row=2).inline_keyboard,
            *approve_all_button(ctx, program.id, card.count(ParticipantStatus.PENDING)),
            [key(ctx.t.plain(f"pg.set.{toggle}"), SetProgramStatus(program.id, toggle))],
            [
                key(ctx.t.plain("ps.open"), settings_views.ShowSettings(program.id)),
                key(ctx.t.plain("ek.open"), ShowEvents(program.id)),
            ],
            [
                key(ctx.t.plain("sk.open"), ListSurveys(program.id)),
                key(ctx.t.plain("companies.open"), OpenDirectory()),
            ],
            [key(ctx.t.plain("pg.back_to_list"), AllPrograms())],
        ]
    )


def participant_list(ctx: Ctx, page: ParticipantPage) -> tuple[str, InlineKeyboardMarkup]:
    program, status = page.program, page.status
    keyboard = [
        [
            key(
                ctx.t.plain(
                    "pp.list_item", name=p.name, role=role_label(ctx.t, p), company=p.company
                ),
                ParticipantButton(p.id),
            )
        ]
        for p in page.people
    ]
    nav = []
    if page.page > 0:
        nav.append(key("«", ParticipantsButton(program.id, status, page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(key("»", ParticipantsButton(program.id, status, page.page + 1)))
    if nav:
        keyboard.append(nav)
    pending = page.total if status == ParticipantStatus.PENDING else 0
    keyboard.extend(approve_all_button(ctx, program.id, pending))
    keyboard.append([key(ctx.t.plain("common.back"), ProgramButton(program.id))])
    text = ctx.t(
        "pg.participants",
        program=program.name,
        status=Safe(ctx.t(f"status.{status}")),
        count=page.total,
        page=page.page + 1,
        pages=page.pages,
    )
    if not page.total:
        text += "\n\n" + ctx.t("pg.participants.none")
    return text, InlineKeyboardMarkup(keyboard)


def participant_card(ctx: Ctx, card: ParticipantCard) -> tuple[str, InlineKeyboardMarkup]:
    participant, program, contact = card.participant, card.program, card.contact
    registered = participant.created_at.astimezone(ctx.services.settings.zone).date()
    # A link that opens the person's chat (a bare Telegram id, shown before, reached nobody).
    link = chat_link(participant.user_id, participant.name, contact.username if contact else None)
    text = ctx.t(
        "pp.card",
        program=program.name,
        status=Safe(ctx.t(f"status.{participant.status}")),
        contact=link,
        registered=ctx.t.date(registered),
        profile=Safe(profile_block(ctx.t, participant)),
    )
    keyboard = [
        [key(ctx.t.plain(f"pp.to.{target}"), SetStatus(participant.id, target))]
        for target in card.transitions
    ]
    keyboard.append([key(ctx.t.plain("pp.edit"), EditParticipant(participant.id))])
    if participant.role == "mentor":
        capacity = ctx.t.plain("pp.capacity", count=participant.capacity)
        keyboard.append([key(capacity, CycleCapacity(participant.id))])
    if not card.is_coordinator:
        keyboard.append([key(ctx.t.plain("pp.make_coordinator"), AskGrant(participant.id))])
    back = ParticipantsButton(program.id, ParticipantStatus(participant.status), 0)
    keyboard.append([key(ctx.t.plain("common.back"), back)])
    return text, InlineKeyboardMarkup(keyboard)
