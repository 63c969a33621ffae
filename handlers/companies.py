"""/companies: the installation's company directory, as coordinators read and keep it.

The use cases (who may change what, merges, aliases, groups, exclusions) are
`services.companies`, the screens and their buttons `handlers.views.companies`; this module turns
presses and typed names into use cases and shows what comes back. A company that is gone (merged
away meanwhile, or a forged id) is said, and the directory shown afresh.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from handlers.views import companies as views
from handlers.views.companies import (
    AddAlias,
    ChooseGroup,
    Lift,
    Merge,
    MergeInto,
    MergeYes,
    NewGroup,
    OpenDirectory,
    OtherCompanies,
    Page,
    Reviewed,
    SetGroup,
    ShowCard,
    ShowExclusions,
)
from services import companies
from services.companies import Asked, Gone, Step
from services.errors import Stale

PREFIX = views.PREFIX
FLOW = "companies"  # the dialog, as `services.companies` saves it; /cancel says cancel.companies
P = TypeVar("P")


def _show(ctx: Ctx, screen: views.Screen, *, edit: bool) -> None:
    if edit:
        ctx.edit(*screen)
    else:
        ctx.reply(*screen)


async def companies_command(ctx: Ctx) -> None:
    _show(ctx, views.directory(ctx.t, await companies.directory(ctx.uow), 0), edit=False)


def or_gone(fn: Callable[[Ctx, P], Awaitable[None]]) -> Callable[[Ctx, P], Awaitable[None]]:
    """A company merged away meanwhile (or a forged id): said, and the directory shown afresh."""

    @functools.wraps(fn)
    async def run(ctx: Ctx, arg: P) -> None:
        try:
            await fn(ctx, arg)
        except Gone:
            if ctx.update.callback_query is not None:
                ctx.answer(ctx.t.plain("companies.gone"), alert=True)
            else:
                ctx.reply(ctx.t("companies.gone"))
            await companies_command(ctx)

    return run


@on(OtherCompanies)
async def on_other(ctx: Ctx, pressed: OtherCompanies) -> None:
    raise Stale(PREFIX)


@on(Page)
async def on_page(ctx: Ctx, pressed: Page) -> None:
    entries = await companies.directory(ctx.uow)
    _show(ctx, views.directory(ctx.t, entries, pressed.page), edit=True)


@on(OpenDirectory)
async def on_open(ctx: Ctx, _: OpenDirectory) -> None:
    _show(ctx, views.directory(ctx.t, await companies.directory(ctx.uow), 0), edit=False)


@on(ShowCard)
@or_gone
async def on_card(ctx: Ctx, pressed: ShowCard) -> None:
    # Back to the card ends a question for a typed name (merge target, alias, group).
    found = await companies.card(ctx.uow, pressed.company, leave_dialog=True)
    _show(ctx, views.card(ctx.t, found), edit=True)


# --- merging --------------------------------------------------------------------------------


@on(Merge)
@or_gone
async def on_merge(ctx: Ctx, pressed: Merge) -> None:
    choices = await companies.start_merge(ctx.uow, pressed.company)
    ctx.edit(None)
    source = choices.source
    question = "companies.merge.ask" if choices.targets else "companies.merge.ask_typed"
    ctx.reply(
        ctx.t(question, name=source.name), views.merge_keyboard(ctx.t, source, choices.targets)
    )


@on(MergeInto)
@or_gone
async def on_merge_into(ctx: Ctx, pressed: MergeInto) -> None:
    found = await companies.preview_merge(ctx.uow, pressed.source, pressed.target)
    source, target, t = found.source, found.target, ctx.t
    ctx.edit(
        t(
            "companies.merge.confirm",
            source=source.name,
            target=target.name,
            people=views.people(t, found.people),
        ),
        views.merge_confirm(t, source, target),
    )


@on(MergeYes)
@or_gone
async def on_merge_yes(ctx: Ctx, pressed: MergeYes) -> None:
    merged = await companies.merge(ctx.uow, pressed.source, pressed.target)
    target = merged.card.entry.company
    ctx.edit(ctx.t("companies.merged", source=merged.source_name, target=target.name))
    _show(ctx, views.card(ctx.t, merged.card), edit=False)


# --- exclusions -----------------------------------------------------------------------------


@on(ShowExclusions)
async def on_exclusions(ctx: Ctx, pressed: ShowExclusions) -> None:
    _show(ctx, views.exclusions(ctx.t, await companies.exclusions(ctx.uow)), edit=True)


@on(Lift)
async def on_lift(ctx: Ctx, pressed: Lift) -> None:
    """Gone meanwhile or another program's: an alert, and the list as it is now."""
    if await companies.lift(ctx.uow, pressed.exclusion):
        ctx.answer(ctx.t.plain("companies.exclusions.lifted"))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
    await on_exclusions(ctx, ShowExclusions())


# --- aliases, groups, reviewed ----------------------------------------------------------------


async def _ask(ctx: Ctx, company_id: int, step: Step) -> None:
    company = await companies.ask(ctx.uow, company_id, step)
    ctx.edit(None)
    question = "companies.alias.ask" if step is Step.ALIAS else "companies.group.ask"
    ctx.reply(ctx.t(question, name=company.name))


@on(AddAlias)
@or_gone
async def on_alias(ctx: Ctx, pressed: AddAlias) -> None:
    await _ask(ctx, pressed.company, Step.ALIAS)


@on(NewGroup)
@or_gone
async def on_new_group(ctx: Ctx, pressed: NewGroup) -> None:
    await _ask(ctx, pressed.company, Step.GROUP)


@on(ChooseGroup)
@or_gone
async def on_groups(ctx: Ctx, pressed: ChooseGroup) -> None:
    _show(
        ctx, views.groups(ctx.t, await companies.group_choices(ctx.uow, pressed.company)), edit=True
    )


@on(SetGroup)
@or_gone
async def on_set_group(ctx: Ctx, pressed: SetGroup) -> None:
    found = await companies.set_group(ctx.uow, pressed.company, pressed.group or None)
    if isinstance(found, companies.Card):
        _show(ctx, views.card(ctx.t, found), edit=True)
    else:  # the group is gone: choose again
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        _show(ctx, views.groups(ctx.t, found), edit=True)


@on(Reviewed)
@or_gone
async def on_reviewed(ctx: Ctx, pressed: Reviewed) -> None:
    found = await companies.mark_reviewed(ctx.uow, pressed.company)
    _show(ctx, views.card(ctx.t, found), edit=True)


# --- typed names ----------------------------------------------------------------------------


@dialog(FLOW, Asked, coordinator=True)
async def on_text(ctx: Ctx, step: str, asked: Asked, text: str | None) -> None:
    await _on_typed(ctx, (step, asked, text))


@or_gone
async def _on_typed(ctx: Ctx, typed: tuple[str, Asked, str | None]) -> None:
    """A typed name: a merge target to search for, an alias, or a new group."""
    t, found = ctx.t, await companies.typed(ctx.uow, *typed)
    if isinstance(found, companies.MergeChoices):
        source = found.source
        ctx.reply(
            t("companies.merge.pick", name=source.name),
            views.merge_keyboard(t, source, found.targets),
        )
    elif isinstance(found, companies.NoMatch):
        ctx.reply(t("companies.merge.none", typed=found.typed))
    elif isinstance(found, companies.AliasTaken):
        ctx.reply(
            t("companies.alias.taken", alias=found.typed, other=found.other.name),
            views.alias_taken(t, found.other, found.company),
        )
    elif isinstance(found, companies.AliasAdded):
        added = "companies.alias.added" if found.added else "companies.alias.already"
        ctx.reply(t(added, alias=found.typed, name=found.card.entry.company.name))
        _show(ctx, views.card(t, found.card), edit=False)
    elif isinstance(found, companies.GroupSet):
        company = found.card.entry.company
        ctx.reply(t("companies.group.set", name=company.name, group=found.group))
        _show(ctx, views.card(t, found.card), edit=False)
    elif found is companies.Unread.EMPTY:
        ctx.reply(t("companies.typed_empty"))
    else:
        ctx.reply(t("error.no_dialog"))
