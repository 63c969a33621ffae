"""The company directory as coordinators see it (/companies): its pages, a company's card, the
merge candidates, the groups to choose from and the company-pair exclusions, with the buttons
they carry. Company names are user text: they reach the message only through the translator's
escaping, and buttons show at most 60 characters of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Translator
from handlers.keyboards import button as key
from handlers.keyboards import column, rows

if TYPE_CHECKING:
    from services.companies import Card, Exclusion, GroupChoices
    from storage.company_directory import Entry
    from storage.models import Company

PREFIX = "cy"
# Telegram allows 4,096 characters; the rest of a page (title, legend) fits in what is left.
PAGE_BUDGET = 3300
PAGE_ITEMS = 8
SHOWN_ALIASES = 3
CARD_ALIASES = 20
Screen = tuple[str, InlineKeyboardMarkup]


# --- buttons (all the coordinators'; changes only for a coordinator of all programs) ----------


class OnCompanies(Button, prefix=PREFIX, coordinator=True):
    """Every company button: `cy:<action>:...`."""


class OnCompany(OnCompanies, prefix=PREFIX, coordinator=True):
    """A press on one company."""

    company: int


class OnMerge(OnCompanies, prefix=PREFIX, coordinator=True):
    """One company merged into another."""

    source: int
    target: int


class Page(OnCompanies, action="l"):
    page: int


class ShowCard(OnCompany, action="c"): ...


class ShowExclusions(OnCompanies, action="x"): ...


class OpenDirectory(OnCompanies, action="o"):
    """The directory from a program card: as a message of its own, below the card (the card
    stays, the way back to it); the directory itself is no program's."""


class Lift(OnCompanies, action="xl"):
    exclusion: int


class Merge(OnCompany, action="m"): ...


class MergeInto(OnMerge, action="mt"): ...


class MergeYes(OnMerge, action="my"): ...


class AddAlias(OnCompany, action="a"): ...


class ChooseGroup(OnCompany, action="g"): ...


class NewGroup(OnCompany, action="gn"): ...


class SetGroup(OnCompany, action="gs"):
    group: int  # 0: out of its group


class Reviewed(OnCompany, action="r"): ...


@button(PREFIX, coordinator=True)
class OtherCompanies(Button):
    """Any other data under `cy` (forged, or from a version that had more): the whole prefix is
    the coordinators', so a participant is refused before anything is read."""


# --- screens ------------------------------------------------------------------------------


def people(t: Translator, count: int) -> str:
    return t.plain("companies.people", count=count)


def _line(t: Translator, entry: Entry) -> str:
    parts = [
        t(
            "companies.line.new" if entry.company.reviewed_at is None else "companies.line",
            name=entry.company.name,
            people=people(t, entry.participants),
        )
    ]
    return "\n".join(parts + _group_and_aliases(t, entry, SHOWN_ALIASES))


def _group_and_aliases(t: Translator, entry: Entry, shown_aliases: int) -> list[str]:
    """The lines under a company's name, in the directory's list and on its card alike."""
    lines = []
    if entry.group is not None:
        lines.append(t("companies.line.group", group=entry.group))
    if entry.aliases:
        shown = ", ".join(entry.aliases[:shown_aliases])
        more = len(entry.aliases) - shown_aliases
        lines.append(
            t("companies.line.aliases", aliases=shown)
            if more <= 0
            else t("companies.line.aliases_more", aliases=shown, more=more)
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


def directory(t: Translator, entries: list[Entry], page: int) -> Screen:
    """A page of the directory (clamped to the pages there are), new names first."""
    nav_x = [key(t.plain("companies.exclusions.button"), ShowExclusions())]
    if not entries:
        return t("companies.empty"), rows(nav_x)
    lines = [_line(t, e) for e in entries]
    pages = _pages(lines)
    page = min(max(page, 0), len(pages) - 1)
    new = sum(1 for e in entries if e.company.reviewed_at is None)
    text = "\n\n".join(
        [
            t("companies.title", count=len(entries), new=new, page=page + 1, pages=len(pages)),
            *(lines[i] for i in pages[page]),
        ]
    )
    picks = [
        key(entries[i].company.name[:60], ShowCard(entries[i].company.id)) for i in pages[page]
    ]
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(key("‹", Page(page - 1)))
    if page + 1 < len(pages):
        nav.append(key("›", Page(page + 1)))
    return text, InlineKeyboardMarkup([[b] for b in picks] + [nav, nav_x])


def card(t: Translator, found: Card) -> Screen:
    """A company's card: the buttons that change it only for a coordinator of all programs."""
    entry = found.entry
    company = entry.company
    parts = [
        t(
            "companies.card.new" if company.reviewed_at is None else "companies.card",
            name=company.name,
            people=people(t, entry.participants),
        )
    ]
    parts += _group_and_aliases(t, entry, CARD_ALIASES)
    buttons: list[list[InlineKeyboardButton]] = []
    if found.editable:
        buttons += [
            [key(t.plain("companies.merge.button"), Merge(company.id))],
            [key(t.plain("companies.alias.button"), AddAlias(company.id))],
            [key(t.plain("companies.group.button"), ChooseGroup(company.id))],
        ]
        if company.reviewed_at is None:
            buttons.append([key(t.plain("companies.reviewed.button"), Reviewed(company.id))])
    else:
        parts.append(t("companies.read_only"))
    buttons.append([key(t.plain("common.back"), Page(0))])
    return "\n".join(parts), InlineKeyboardMarkup(buttons)


def merge_keyboard(t: Translator, source: Company, targets: list[Company]) -> InlineKeyboardMarkup:
    """The candidates, and always a way back to the company's card: with no candidate the
    keyboard would otherwise be empty, which Telegram refuses."""
    picks = [key(target.name[:60], MergeInto(source.id, target.id)) for target in targets]
    picks.append(key(t.plain("common.back"), ShowCard(source.id)))
    return column(picks)


def merge_confirm(t: Translator, source: Company, target: Company) -> InlineKeyboardMarkup:
    return rows(
        [key(t.plain("companies.merge.yes"), MergeYes(source.id, target.id))],
        [key(t.plain("common.back"), ShowCard(source.id))],
    )


def alias_taken(t: Translator, other: Company, company: Company) -> InlineKeyboardMarkup:
    """The typed alias stands for another company: merging that one into this is offered."""
    return rows(
        [key(t.plain("companies.merge.button"), MergeInto(other.id, company.id))],
        [key(t.plain("common.back"), ShowCard(company.id))],
    )


def groups(t: Translator, choices: GroupChoices) -> Screen:
    company = choices.company
    buttons = [
        [key(name[:60], SetGroup(company.id, group_id))] for group_id, name in choices.groups[:20]
    ]
    buttons.append([key(t.plain("companies.group.new"), NewGroup(company.id))])
    if company.group_id is not None:
        buttons.append([key(t.plain("companies.group.remove"), SetGroup(company.id, 0))])
    buttons.append([key(t.plain("common.back"), ShowCard(company.id))])
    return t("companies.group.choose", name=company.name), InlineKeyboardMarkup(buttons)


def exclusions(t: Translator, items: list[Exclusion]) -> Screen:
    buttons: list[list[InlineKeyboardButton]] = []
    if not items:
        text = t("companies.exclusions.none")
    else:
        lines = [t("companies.exclusions.title")]
        for item in items[: PAGE_ITEMS * 3]:
            lines.append(
                t(
                    "companies.exclusions.line",
                    program=item.program[:80],
                    a=item.a[:80],
                    b=item.b[:80],
                )
            )
            label = t.plain("companies.exclusions.lift", a=item.a[:25], b=item.b[:25])
            buttons.append([key(label, Lift(item.id))])
        text = "\n".join(lines)
    buttons.append([key(t.plain("common.back"), Page(0))])
    return text, InlineKeyboardMarkup(buttons)
