"""/companies: the installation's company directory as coordinators keep it.

New names (typed at registration, nobody looked at them yet) come first. A coordinator of all
programs merges a name into another company, adds aliases, puts companies into a corporate group
and marks names as reviewed: the directory is shared by every program, so a coordinator of one
program may look but not change it. Company-pair exclusions are per program; each coordinator
sees and lifts those of their own programs.

Participants are never told: their company text stays as they typed it, only the employer it
stands for changes, and with it the matching's "different employer" rule.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Translator
from core.companies import AliasOutcome
from handlers.callbacks import as_int, pack
from handlers.guard import coordinated, require_all_programs, visible_programs
from handlers.keyboards import button, column, rows
from storage import companies, dialogs
from storage.companies import Entry
from storage.models import Company, Dialog

PREFIX = "cy"
FLOW = "companies"
# Telegram allows 4,096 characters; the rest of a page (title, legend) fits in what is left.
PAGE_BUDGET = 3300
PAGE_ITEMS = 8
SHOWN_ALIASES = 3
CARD_ALIASES = 20
MERGE_CHOICES = 6


# --- the directory --------------------------------------------------------------------------


async def companies_command(ctx: Ctx) -> None:
    await _show_directory(ctx, 0, edit=False)


def _people(ctx: Ctx, count: int) -> str:
    return ctx.t.plain(
        "companies.people.one" if count == 1 else "companies.people.other", count=count
    )


def _line(ctx: Ctx, entry: Entry) -> str:
    parts = [
        ctx.t(
            "companies.line.new" if entry.company.reviewed_at is None else "companies.line",
            name=entry.company.name,
            people=_people(ctx, entry.participants),
        )
    ]
    return "\n".join(parts + _group_and_aliases(ctx, entry, SHOWN_ALIASES))


def _group_and_aliases(ctx: Ctx, entry: Entry, shown_aliases: int) -> list[str]:
    """The lines under a company's name, in the directory's list and on its card alike."""
    lines = []
    if entry.group is not None:
        lines.append(ctx.t("companies.line.group", group=entry.group))
    if entry.aliases:
        shown = ", ".join(entry.aliases[:shown_aliases])
        more = len(entry.aliases) - shown_aliases
        lines.append(
            ctx.t("companies.line.aliases", aliases=shown)
            if more <= 0
            else ctx.t("companies.line.aliases_more", aliases=shown, more=more)
        )
    return lines


def _pages(lines: list[str]) -> list[list[int]]:
    """Indexes of the lines on each page: as many as fit in the budget, at most PAGE_ITEMS."""
    pages: list[list[int]] = [[]]
    used = 0
    for index, line in enumerate(lines):
        size = len(line) + 2
        if pages[-1] and (used + size > PAGE_BUDGET or len(pages[-1]) >= PAGE_ITEMS):
            pages.append([])
            used = 0
        pages[-1].append(index)
        used += size
    return pages


async def _show_directory(ctx: Ctx, page: int, *, edit: bool) -> None:
    entries = await companies.directory(ctx.session)
    nav_x = [button(ctx.t.plain("companies.exclusions.button"), pack(PREFIX, "x"))]
    if not entries:
        text, markup = ctx.t("companies.empty"), rows(nav_x)
    else:
        lines = [_line(ctx, e) for e in entries]
        pages = _pages(lines)
        page = min(max(page, 0), len(pages) - 1)
        new = sum(1 for e in entries if e.company.reviewed_at is None)
        text = "\n\n".join(
            [
                ctx.t(
                    "companies.title", count=len(entries), new=new, page=page + 1, pages=len(pages)
                ),
                *(lines[i] for i in pages[page]),
            ]
        )
        picks = [
            button(entries[i].company.name[:60], pack(PREFIX, "c", entries[i].company.id))
            for i in pages[page]
        ]
        nav: list[InlineKeyboardButton] = []
        if page > 0:
            nav.append(button("‹", pack(PREFIX, "l", page - 1)))
        if page + 1 < len(pages):
            nav.append(button("›", pack(PREFIX, "l", page + 1)))
        markup = InlineKeyboardMarkup([[b] for b in picks] + [nav, nav_x])
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


# --- one company ----------------------------------------------------------------------------


async def _show_card(ctx: Ctx, company_id: int, *, edit: bool) -> None:
    entry = await companies.entry(ctx.session, company_id)
    if entry is None:
        await _gone(ctx)
        return
    company = entry.company
    parts = [
        ctx.t(
            "companies.card.new" if company.reviewed_at is None else "companies.card",
            name=company.name,
            people=_people(ctx, entry.participants),
        )
    ]
    parts += _group_and_aliases(ctx, entry, CARD_ALIASES)
    buttons: list[list[InlineKeyboardButton]] = []
    if ctx.coordinates(None):  # the directory is everyone's: only all-program coordinators
        buttons += [
            [button(ctx.t.plain("companies.merge.button"), pack(PREFIX, "m", company.id))],
            [button(ctx.t.plain("companies.alias.button"), pack(PREFIX, "a", company.id))],
            [button(ctx.t.plain("companies.group.button"), pack(PREFIX, "g", company.id))],
        ]
        if company.reviewed_at is None:
            buttons.append(
                [button(ctx.t.plain("companies.reviewed.button"), pack(PREFIX, "r", company.id))]
            )
    else:
        parts.append(ctx.t("companies.read_only"))
    buttons.append([button(ctx.t.plain("common.back"), pack(PREFIX, "l", 0))])
    text, markup = "\n".join(parts), InlineKeyboardMarkup(buttons)
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


async def _gone(ctx: Ctx) -> None:
    """A company merged away or a forged id: said, and the directory shown afresh."""
    if ctx.update.callback_query is not None:
        ctx.answer(ctx.t.plain("companies.gone"), alert=True)
    else:
        ctx.reply(ctx.t("companies.gone"))
    await _show_directory(ctx, 0, edit=False)


async def _company(ctx: Ctx, raw: str) -> Company | None:
    company_id = as_int(raw)
    company = await companies.get(ctx.session, company_id) if company_id is not None else None
    if company is None:
        await _gone(ctx)
    return company


# --- merging --------------------------------------------------------------------------------


def _merge_keyboard(t: Translator, source: Company, targets: list[Company]) -> InlineKeyboardMarkup:
    """The candidates, and always a way back to the company's card: with no candidate the
    keyboard would otherwise be empty, which Telegram refuses."""
    picks = [
        button(target.name[:60], pack(PREFIX, "mt", source.id, target.id))
        for target in targets
        if target.id != source.id
    ]
    picks.append(button(t.plain("common.back"), pack(PREFIX, "c", source.id)))
    return column(picks)


async def _ask_merge(ctx: Ctx, source: Company) -> None:
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=FLOW,
        step="merge",
        data={"company_id": source.id},
        now=ctx.now,
    )
    targets = list(await companies.similar(ctx.session, source.name, MERGE_CHOICES + 1))
    targets = [c for c in targets if c.id != source.id][:MERGE_CHOICES]
    key = "companies.merge.ask" if targets else "companies.merge.ask_typed"
    ctx.reply(ctx.t(key, name=source.name), _merge_keyboard(ctx.t, source, targets))


async def _confirm_merge(ctx: Ctx, source: Company, target: Company) -> None:
    entry = await companies.entry(ctx.session, source.id)
    count = entry.participants if entry is not None else 0
    ctx.edit(
        ctx.t(
            "companies.merge.confirm",
            source=source.name,
            target=target.name,
            people=_people(ctx, count),
        ),
        rows(
            [button(ctx.t.plain("companies.merge.yes"), pack(PREFIX, "my", source.id, target.id))],
            [button(ctx.t.plain("common.back"), pack(PREFIX, "c", source.id))],
        ),
    )


async def _do_merge(ctx: Ctx, source: Company, target: Company) -> None:
    source_name, target_id = source.name, target.id
    if not await companies.merge(ctx.session, source.id, target.id, ctx.now):
        await _gone(ctx)
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW:
        await dialogs.clear(ctx.session, ctx.user_id)
    ctx.edit(ctx.t("companies.merged", source=source_name, target=target.name))
    await _show_card(ctx, target_id, edit=False)


# --- exclusions -----------------------------------------------------------------------------


async def _show_exclusions(ctx: Ctx, *, edit: bool) -> None:
    visible = {p.id: p for p in await visible_programs(ctx, include_archived=True)}
    exclusions = await companies.program_exclusions(ctx.session, list(visible))
    names = await companies.names_by_key(
        ctx.session, [k for e in exclusions for k in (e.company_a, e.company_b)]
    )
    if not exclusions:
        text = ctx.t("companies.exclusions.none")
        buttons: list[list[InlineKeyboardButton]] = []
    else:
        lines = [ctx.t("companies.exclusions.title")]
        buttons = []
        for exclusion in exclusions[: PAGE_ITEMS * 3]:
            a = names.get(exclusion.company_a, exclusion.company_a)
            b = names.get(exclusion.company_b, exclusion.company_b)
            lines.append(
                ctx.t(
                    "companies.exclusions.line",
                    program=visible[exclusion.program_id].name[:80],
                    a=a[:80],
                    b=b[:80],
                )
            )
            label = ctx.t.plain("companies.exclusions.lift", a=a[:25], b=b[:25])
            buttons.append([button(label, pack(PREFIX, "xl", exclusion.id))])
        text = "\n".join(lines)
    buttons.append([button(ctx.t.plain("common.back"), pack(PREFIX, "l", 0))])
    if edit:
        ctx.edit(text, InlineKeyboardMarkup(buttons))
    else:
        ctx.reply(text, InlineKeyboardMarkup(buttons))


async def _lift(ctx: Ctx, raw: str) -> None:
    exclusion_id = as_int(raw)
    exclusion = (
        await companies.exclusion(ctx.session, exclusion_id) if exclusion_id is not None else None
    )
    if exclusion is None or await coordinated(ctx, exclusion.program_id) is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        await _show_exclusions(ctx, edit=True)
        return
    await companies.lift_exclusion(ctx.session, exclusion.id)
    ctx.answer(ctx.t.plain("companies.exclusions.lifted"))
    await _show_exclusions(ctx, edit=True)


# --- buttons and typed answers ----------------------------------------------------------------


CHANGES = frozenset({"m", "mt", "my", "a", "g", "gn", "gs", "r"})


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    action, args = parts[0], parts[1:]
    if action in CHANGES and not require_all_programs(ctx, f"{PREFIX}:{action}"):
        return
    if action == "l" and len(args) == 1 and (page := as_int(args[0])) is not None:
        await _show_directory(ctx, page, edit=True)
    elif action == "c" and len(args) == 1:
        if (company := await _company(ctx, args[0])) is not None:
            # Back to the card ends a question for a typed name (merge target, alias, group).
            dialog = await dialogs.get(ctx.session, ctx.user_id)
            if dialog is not None and dialog.flow == FLOW:
                await dialogs.clear(ctx.session, ctx.user_id)
            await _show_card(ctx, company.id, edit=True)
    elif action == "x" and not args:
        await _show_exclusions(ctx, edit=True)
    elif action == "xl" and len(args) == 1:
        await _lift(ctx, args[0])
    elif action == "m" and len(args) == 1:
        if (company := await _company(ctx, args[0])) is not None:
            ctx.edit(None)
            await _ask_merge(ctx, company)
    elif action in ("mt", "my") and len(args) == 2:
        source = await _company(ctx, args[0])
        target = await _company(ctx, args[1]) if source is not None else None
        if source is None or target is None:
            return
        if source.id == target.id:
            ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        elif action == "mt":
            await _confirm_merge(ctx, source, target)
        else:
            await _do_merge(ctx, source, target)
    elif action == "a" and len(args) == 1:
        if (company := await _company(ctx, args[0])) is not None:
            await _ask_typed(ctx, company, "alias")
    elif action == "g" and len(args) == 1:
        if (company := await _company(ctx, args[0])) is not None:
            await _show_groups(ctx, company)
    elif action == "gn" and len(args) == 1:
        if (company := await _company(ctx, args[0])) is not None:
            await _ask_typed(ctx, company, "group")
    elif action == "gs" and len(args) == 2 and (group_id := as_int(args[1])) is not None:
        if (company := await _company(ctx, args[0])) is not None:
            if await companies.set_group(ctx.session, company.id, group_id or None):
                await _show_card(ctx, company.id, edit=True)
            else:
                ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
                await _show_groups(ctx, company)
    elif action == "r" and len(args) == 1:
        if (company := await _company(ctx, args[0])) is not None:
            await companies.mark_reviewed(ctx.session, company.id, ctx.now)
            await _show_card(ctx, company.id, edit=True)
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _ask_typed(ctx: Ctx, company: Company, step: str) -> None:
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=FLOW,
        step=step,
        data={"company_id": company.id},
        now=ctx.now,
    )
    ctx.edit(None)
    key = "companies.alias.ask" if step == "alias" else "companies.group.ask"
    ctx.reply(ctx.t(key, name=company.name))


async def _show_groups(ctx: Ctx, company: Company) -> None:
    choices = [g for g in await companies.groups(ctx.session) if g.id != company.group_id]
    buttons = [[button(g.name[:60], pack(PREFIX, "gs", company.id, g.id))] for g in choices[:20]]
    buttons.append([button(ctx.t.plain("companies.group.new"), pack(PREFIX, "gn", company.id))])
    if company.group_id is not None:
        buttons.append(
            [button(ctx.t.plain("companies.group.remove"), pack(PREFIX, "gs", company.id, 0))]
        )
    buttons.append([button(ctx.t.plain("common.back"), pack(PREFIX, "c", company.id))])
    ctx.edit(ctx.t("companies.group.choose", name=company.name), InlineKeyboardMarkup(buttons))


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    """A typed name: a merge target to search for, an alias, or a new group."""
    if not require_all_programs(ctx, f"dialog:{FLOW}"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    company = await companies.get(ctx.session, int(dialog.data.get("company_id") or 0))
    if company is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        await _gone(ctx)
        return
    typed = companies.tidy(text or "")
    if not typed:
        ctx.reply(ctx.t("companies.typed_empty"))
        return
    if dialog.step == "merge":
        found = await companies.similar(ctx.session, typed, MERGE_CHOICES + 1)
        targets = [c for c in found if c.id != company.id][:MERGE_CHOICES]
        if not targets:
            ctx.reply(ctx.t("companies.merge.none", typed=typed))
            return
        ctx.reply(
            ctx.t("companies.merge.pick", name=company.name),
            _merge_keyboard(ctx.t, company, targets),
        )
    elif dialog.step == "alias":
        outcome, other = await companies.add_alias(ctx.session, company.id, typed, ctx.now)
        if outcome == AliasOutcome.TAKEN and other is not None:
            await dialogs.clear(ctx.session, ctx.user_id)
            ctx.reply(
                ctx.t("companies.alias.taken", alias=typed, other=other.name),
                rows(
                    [
                        button(
                            ctx.t.plain("companies.merge.button"),
                            pack(PREFIX, "mt", other.id, company.id),
                        )
                    ],
                    [button(ctx.t.plain("common.back"), pack(PREFIX, "c", company.id))],
                ),
            )
            return
        if outcome == AliasOutcome.EMPTY:
            ctx.reply(ctx.t("companies.typed_empty"))
            return
        await dialogs.clear(ctx.session, ctx.user_id)
        key = (
            "companies.alias.added" if outcome == AliasOutcome.ADDED else "companies.alias.already"
        )
        ctx.reply(ctx.t(key, alias=typed, name=company.name))
        await _show_card(ctx, company.id, edit=False)
    elif dialog.step == "group":
        group = await companies.create_group(ctx.session, typed, ctx.now)
        await companies.set_group(ctx.session, company.id, group.id)
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("companies.group.set", name=company.name, group=group.name))
        await _show_card(ctx, company.id, edit=False)
    else:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))
