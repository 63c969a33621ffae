"""/match: the coordinators' matching round, from proposal to approved tandems.

The use cases are in services/matching.py, the screens in handlers/views/proposals.py; here a
press or a message becomes one use case and its answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot import buttons
from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import TextHandler, dialog
from core.programs import parse_date
from handlers import introductions
from handlers.keyboards import button, column, reply_below
from handlers.views import proposals as view
from handlers.views.proposals import OnProposal
from services import conversation
from services import matching as service
from services.conversation import State
from services.errors import Stale
from services.matching import Board, Broken, Change, Closed

if TYPE_CHECKING:
    from storage.models import Program

REVEAL_FLOW = "reveal"
EXCLUDE_FLOW = "exclude"
MAX_COMPANY = 200
TIME = re.compile(r"^(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:\s*uhr)?$", re.IGNORECASE)

P = TypeVar("P", bound=OnProposal)


class RevealState(State):
    """When to introduce the tandems of an approved proposal: asked after "later"."""

    proposal: int
    version: int


class ExcludeState(State):
    """Two companies never to pair in the program: asked after "exclude companies"."""

    proposal: int
    program: int


D = TypeVar("D", RevealState, ExcludeState)


def parse_datetime(raw: str, zone: ZoneInfo) -> dt.datetime | None:
    """`11.03.2027 18:00` (or a date alone, meaning 09:00) in the program's zone, as UTC."""
    parts = raw.strip().split()
    if not parts or len(parts) > 3:
        return None
    day = parse_date(parts[0])
    if day is None:
        return None
    hour, minute = 9, 0
    if len(parts) > 1:
        match = TIME.match(" ".join(parts[1:]))
        if match is None:
            return None
        hour, minute = int(match["h"]), int(match["m"])
        if hour > 23 or minute > 59:
            return None
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return local.astimezone(dt.UTC)


def _language(ctx: Ctx) -> str:
    return ctx.services.settings.default_language


def _render(ctx: Ctx, board: Board, page: int = 0) -> tuple[str, InlineKeyboardMarkup]:
    return view.render(ctx.t, board, page, directory=ctx.coordinates(None))


# --- entry --------------------------------------------------------------------------------


async def match_command(ctx: Ctx) -> None:
    items = await service.programs_to_match(ctx.uow)
    if not items:
        ctx.reply(ctx.t("pg.none"))
    elif len(items) == 1:
        ctx.reply(
            *_opened(ctx, items[0], await service.open_program(ctx.uow, items[0], _language(ctx)))
        )
    else:
        ctx.reply(*_chooser(ctx, items))


def _chooser(ctx: Ctx, items: list[Program]) -> tuple[str, InlineKeyboardMarkup]:
    return ctx.t("mt.choose_program"), column([button(p.name, view.OpenRound(p.id)) for p in items])


@buttons.button("mg", "p", coordinator=True)
class ChooseRound(buttons.Button):
    """Back from a program's matching to the choice of programs (/match)."""


@on(ChooseRound)
async def on_choose(ctx: Ctx, _: ChooseRound) -> None:
    ctx.edit(*_chooser(ctx, await service.programs_to_match(ctx.uow)))


@on(view.OpenRound)
async def on_open(ctx: Ctx, pressed: view.OpenRound) -> None:
    program, board = await service.open_round(ctx.uow, pressed.program, _language(ctx))
    text, markup = _opened(ctx, program, board)
    # Shown in place of the choice of programs: the way back to it.
    back = [button(ctx.t.plain("ek.other_program"), ChooseRound())]
    ctx.edit(text, InlineKeyboardMarkup([*(markup.inline_keyboard if markup else ()), back]))


def _opened(
    ctx: Ctx, program: Program, board: Board | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    if board is None:
        return ctx.t("mt.nobody", program=program.name), None
    return _render(ctx, board)


# --- presses on a proposal ----------------------------------------------------------------


def on_proposal(
    kind: type[P],
) -> Callable[[Callable[[Ctx, Board, P], Awaitable[None]]], Callable[[Ctx, P], Awaitable[None]]]:
    """Register a handler that runs only on the current version of a draft: a press on an
    approved or discarded proposal, or on an older rendering, is answered here."""

    def register(
        fn: Callable[[Ctx, Board, P], Awaitable[None]],
    ) -> Callable[[Ctx, P], Awaitable[None]]:
        async def handle(ctx: Ctx, pressed: P) -> None:
            proposal = await service.pressed(ctx.uow, pressed.proposal, pressed.version)
            if isinstance(proposal, Closed):
                ctx.answer(ctx.t.plain(f"mt.already.{proposal.status}"), alert=True)
                ctx.edit(None)
            elif not proposal.current:
                ctx.answer(ctx.t.plain("mt.changed"), alert=True)
                ctx.edit(*_render(ctx, proposal.board))
            else:
                await fn(ctx, proposal.board, pressed)

        handle.__wrapped__ = fn  # type: ignore[attr-defined]  # the map follows both
        on(kind)(handle)
        return handle

    return register


def _refused(ctx: Ctx, broken: tuple[Broken, ...], *, approving: bool = False) -> None:
    ctx.answer(ctx.t.plain("mt.refused_short"), alert=True)
    ctx.reply(view.refused(ctx.t, broken, approving=approving))


def _changed(ctx: Ctx, change: Change) -> None:
    if change.refused:
        _refused(ctx, change.refused)
    elif change.saved:
        ctx.answer(ctx.t.plain("mt.updated"))
    else:
        ctx.answer(ctx.t.plain("mt.changed"), alert=True)
    ctx.edit(*_render(ctx, change.board))


def _refuse_empty(ctx: Ctx) -> None:
    """A forged or stale approve press on a proposal that forms no tandem."""
    ctx.answer(ctx.t.plain("mt.nothing_to_approve"), alert=True)


@on_proposal(view.Page)
async def on_page(ctx: Ctx, board: Board, pressed: view.Page) -> None:
    ctx.edit(*_render(ctx, board, pressed.page))


@on_proposal(view.ShowPair)
async def on_pair(ctx: Ctx, board: Board, pressed: view.ShowPair) -> None:
    ctx.edit(*_shown(view.pair(ctx.t, board, pressed.mentee)))


@on_proposal(view.ChooseSwap)
async def on_choose_swap(ctx: Ctx, board: Board, pressed: view.ChooseSwap) -> None:
    ctx.edit(*_shown(view.swap(ctx.t, board, pressed.mentee)))


def _shown(screen: tuple[str, InlineKeyboardMarkup] | None) -> tuple[str, InlineKeyboardMarkup]:
    if screen is None:
        raise Stale("not a pair of this proposal")
    return screen


@on_proposal(view.Pin)
async def on_pin(ctx: Ctx, board: Board, pressed: view.Pin) -> None:
    _changed(ctx, await service.toggle_pin(ctx.uow, board, pressed.mentee, _language(ctx)))


@on_proposal(view.Exclude)
async def on_exclude(ctx: Ctx, board: Board, pressed: view.Exclude) -> None:
    _changed(ctx, await service.exclude(ctx.uow, board, pressed.mentee, _language(ctx)))


@on_proposal(view.Swap)
async def on_swap(ctx: Ctx, board: Board, pressed: view.Swap) -> None:
    change = await service.swap(ctx.uow, board, pressed.mentee, pressed.other, _language(ctx))
    _changed(ctx, change)


@on_proposal(view.Merge)
async def on_merge(ctx: Ctx, board: Board, pressed: view.Merge) -> None:
    await _decide(ctx, board, pressed, merge=True)


@on_proposal(view.KeepApart)
async def on_keep_apart(ctx: Ctx, board: Board, pressed: view.KeepApart) -> None:
    await _decide(ctx, board, pressed, merge=False)


async def _decide(
    ctx: Ctx, board: Board, pressed: view.Merge | view.KeepApart, *, merge: bool
) -> None:
    language = _language(ctx)
    change = await service.decide(
        ctx.uow, board, pressed.source, pressed.target, merge=merge, language=language
    )
    _changed(ctx, change)


@on_proposal(view.Rerun)
async def on_rerun(ctx: Ctx, board: Board, pressed: view.Rerun) -> None:
    _changed(ctx, await service.rerun(ctx.uow, board, _language(ctx)))


@on_proposal(view.Weights)
async def on_weights(ctx: Ctx, board: Board, pressed: view.Weights) -> None:
    ctx.edit(*view.weights(ctx.t, board))


async def _tune(ctx: Ctx, board: Board, weight: int | None, step: int) -> None:
    change = await service.tune(ctx.uow, board, weight, step, _language(ctx))
    if change.saved:
        ctx.answer(ctx.t.plain("mt.updated"))
    ctx.edit(*view.weights(ctx.t, change.board))


@on_proposal(view.WeightUp)
async def on_weight_up(ctx: Ctx, board: Board, pressed: view.WeightUp) -> None:
    await _tune(ctx, board, pressed.weight, +1)


@on_proposal(view.WeightDown)
async def on_weight_down(ctx: Ctx, board: Board, pressed: view.WeightDown) -> None:
    await _tune(ctx, board, pressed.weight, -1)


@on_proposal(view.FormatHard)
async def on_format_hard(ctx: Ctx, board: Board, pressed: view.FormatHard) -> None:
    await _tune(ctx, board, None, 0)


@on_proposal(view.Approve)
async def on_approve(ctx: Ctx, board: Board, pressed: view.Approve) -> None:
    if not board.pairs:
        _refuse_empty(ctx)
    else:
        ctx.edit(*view.reveal_ask(ctx.t, board))


@on_proposal(view.RevealNow)
async def on_reveal_now(ctx: Ctx, board: Board, pressed: view.RevealNow) -> None:
    await _approve(ctx, board, board.proposal.version, None)


@on_proposal(view.RevealLater)
async def on_reveal_later(ctx: Ctx, board: Board, pressed: view.RevealLater) -> None:
    if not board.pairs:
        _refuse_empty(ctx)
        return
    state = RevealState(proposal=board.proposal.id, version=board.proposal.version)
    await conversation.save(ctx.uow, REVEAL_FLOW, "when", state)
    reply_below(ctx, ctx.t("mt.reveal_when", zone=board.program.timezone))


@on_proposal(view.ExcludeCompanies)
async def on_exclude_companies(ctx: Ctx, board: Board, pressed: view.ExcludeCompanies) -> None:
    state = ExcludeState(proposal=board.proposal.id, program=board.program.id)
    await conversation.save(ctx.uow, EXCLUDE_FLOW, "companies", state)
    ctx.reply(ctx.t("mt.exclude_ask"))


@on_proposal(view.Discard)
async def on_discard(ctx: Ctx, board: Board, pressed: view.Discard) -> None:
    await service.discard(ctx.uow, board)
    ctx.edit(ctx.t("mt.discarded"))


async def _approve(ctx: Ctx, board: Board, version: int, reveal_at: dt.datetime | None) -> None:
    approval = await service.approve(ctx.uow, board, version, reveal_at, _language(ctx))
    if approval.empty:
        _refuse_empty(ctx)
        if ctx.update.callback_query is None:
            ctx.reply(ctx.t("mt.nothing_to_approve"))
    elif approval.refused:
        _refused(ctx, approval.refused, approving=True)
        reply_below(ctx, *_render(ctx, approval.board))
    elif not approval.tandems:  # another coordinator approved or changed it first
        ctx.answer(ctx.t.plain("mt.changed"), alert=True)
        ctx.reply(ctx.t("mt.approve_failed"))
    elif reveal_at is None:
        program = board.program
        ctx.edit(ctx.t("mt.approved_now", count=len(approval.tandems), program=program.name))
        ids = [t.id for t in approval.tandems]
        services = ctx.services
        ctx.after_commit.append(lambda: introductions.introduce(services, ids))
    else:
        zone = ZoneInfo(board.program.timezone)
        when = ctx.t.moment(reveal_at.astimezone(zone))
        reply_below(ctx, ctx.t("mt.approved_later", count=len(approval.tandems), when=when))


# --- dialogs: reveal time, company exclusions -----------------------------------------------


def on_draft_text(
    flow: str, kind: type[D]
) -> Callable[[Callable[[Ctx, Board, D, str], Awaitable[None]]], TextHandler[D]]:
    """Register a coordinator's dialog about a proposal: the typed answer (white space folded)
    reaches the handler only while the proposal is still a draft; else the dialog ends, and
    says so."""

    def register(fn: Callable[[Ctx, Board, D, str], Awaitable[None]]) -> TextHandler[D]:
        async def typed(ctx: Ctx, step: str, state: D, text: str | None) -> None:
            board = await service.draft(ctx.uow, state.proposal)
            if board is None:
                await conversation.clear(ctx.uow)
                ctx.reply(ctx.t("mt.approve_failed"))
                return
            await fn(ctx, board, state, " ".join((text or "").split()))

        typed.__wrapped__ = fn  # type: ignore[attr-defined]  # the map follows both
        dialog(flow, kind, coordinator=True)(typed)
        return typed

    return register


@on_draft_text(REVEAL_FLOW, RevealState)
async def on_reveal_text(ctx: Ctx, board: Board, state: RevealState, raw: str) -> None:
    when = parse_datetime(raw, ZoneInfo(board.program.timezone))
    if when is None or when <= ctx.now:
        ctx.reply(ctx.t("mt.reveal_bad", zone=board.program.timezone))
        return
    await conversation.clear(ctx.uow)
    await _approve(ctx, board, state.version, when)


@on_draft_text(EXCLUDE_FLOW, ExcludeState)
async def on_exclude_text(ctx: Ctx, board: Board, state: ExcludeState, raw: str) -> None:
    names = [part.strip() for part in raw.replace(";", "/").split("/") if part.strip()]
    if len(names) != 2 or any(len(n) > MAX_COMPANY for n in names):
        ctx.reply(ctx.t("mt.exclude_bad"))
        return
    await conversation.clear(ctx.uow)
    added, board = await service.exclude_companies(
        ctx.uow, board, names[0], names[1], _language(ctx)
    )
    ctx.reply(ctx.t("mt.exclude_done" if added else "mt.exclude_known", a=names[0], b=names[1]))
    ctx.reply(*_render(ctx, board))
