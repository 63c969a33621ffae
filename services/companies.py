"""The installation's company directory as coordinators keep it, as use cases.

The directory is shared by every program, so any coordinator may look but only a coordinator of
all programs changes it: merges a name into another company, adds aliases, puts companies into
a corporate group and marks names as reviewed. Company-pair exclusions are per program; each
coordinator sees and lifts those of their own programs.

Participants are never told: their company text stays as they typed it, only the employer it
stands for changes, and with it the matching's "different employer" rule.

A company merged away while a coordinator looked at it (or an id that never was one) raises
`Gone`, which the handler answers by showing the directory afresh. The refusals are audited
with the names the directory's buttons had (`cy:m` for a merge, ...), so the log reads as before.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.companies import AliasOutcome
from services import conversation
from services.access import (
    coordinated,
    require_all_programs,
    require_coordinator,
    visible_programs,
)
from services.conversation import State
from services.errors import Refused, Stale
from services.unit import UnitOfWork
from storage import companies, company_directory

if TYPE_CHECKING:
    from storage.company_directory import Entry
    from storage.models import Company

FLOW = "companies"
MERGE_CHOICES = 6


class Step(enum.StrEnum):
    """What the coordinator is asked to type."""

    MERGE = "merge"  # a name to search merge targets by
    ALIAS = "alias"
    GROUP = "group"  # the name of a new group


class Asked(State):
    """The dialog's stored data (the same JSON as ever: `{"company_id": 7}`)."""

    company_id: int | None = None


class Gone(Stale):
    """The company is not there (any more): merged away, or a forged id."""

    def __init__(self, company_id: int | None) -> None:
        super().__init__(f"company:{company_id}", alert=True, key="companies.gone")


@dataclass(frozen=True)
class Card:
    entry: Entry
    editable: bool  # the acting coordinator coordinates all programs


@dataclass(frozen=True)
class MergeChoices:
    source: Company
    targets: list[Company]  # never the source itself


@dataclass(frozen=True)
class MergePreview:
    source: Company
    target: Company
    people: int  # registrations the merge moves to the target


@dataclass(frozen=True)
class Merged:
    source_name: str
    card: Card  # the target's, after the merge


@dataclass(frozen=True)
class Exclusion:
    id: int
    program: str
    a: str  # the directory's names of the two companies kept apart
    b: str


@dataclass(frozen=True)
class GroupChoices:
    company: Company
    groups: list[tuple[int, str]]  # (id, name) of every group but the company's own


@dataclass(frozen=True)
class NoMatch:
    typed: str


@dataclass(frozen=True)
class AliasTaken:
    """The name stands for another company already: that is a merge, offered, not made."""

    typed: str
    other: Company
    company: Company


@dataclass(frozen=True)
class AliasAdded:
    typed: str
    added: bool  # False: it was one of the company's names already
    card: Card


@dataclass(frozen=True)
class GroupSet:
    group: str
    card: Card


class Unread(enum.Enum):
    """A typed answer that changed nothing."""

    EMPTY = "empty"  # nothing left once tidied: asked again
    NO_DIALOG = "no_dialog"  # a step this version does not know: the dialog ends


Typed = MergeChoices | NoMatch | AliasTaken | AliasAdded | GroupSet | Unread


# --- looking ----------------------------------------------------------------------------------


async def directory(uow: UnitOfWork) -> list[Entry]:
    """Every company, the names nobody reviewed yet first."""
    require_coordinator(uow, "companies")
    return await company_directory.directory(uow.session)


async def card(uow: UnitOfWork, company_id: int, *, leave_dialog: bool = False) -> Card:
    """One company; `leave_dialog` ends a question for a typed name (back to the card)."""
    require_coordinator(uow, "companies")
    entry = await company_directory.entry(uow.session, company_id)
    if entry is None:
        raise Gone(company_id)
    if leave_dialog:
        await _end_dialog(uow)
    return Card(entry, uow.actor.all_programs)


async def exclusions(uow: UnitOfWork) -> list[Exclusion]:
    """The company pairs kept apart in the programs this coordinator sees (archived ones too)."""
    require_coordinator(uow, "companies")
    visible = {p.id: p for p in await visible_programs(uow, include_archived=True)}
    rows = await company_directory.program_exclusions(uow.session, list(visible))
    names = await company_directory.names_by_key(
        uow.session, [key for row in rows for key in (row.company_a, row.company_b)]
    )
    return [
        Exclusion(
            row.id,
            visible[row.program_id].name,
            names.get(row.company_a, row.company_a),
            names.get(row.company_b, row.company_b),
        )
        for row in rows
    ]


async def lift(uow: UnitOfWork, exclusion_id: int) -> bool:
    """Lift an exclusion of the coordinator's own programs; False when it is gone or another
    program's (that is audited)."""
    require_coordinator(uow, "companies")
    row = await company_directory.exclusion(uow.session, exclusion_id)
    if row is None or await coordinated(uow, row.program_id) is None:
        return False
    await company_directory.lift_exclusion(uow.session, row.id)
    return True


# --- changing -----------------------------------------------------------------------------------


async def _changing(uow: UnitOfWork, what: str, company_id: int | None) -> Company:
    """The company a change is about, once the acting user may change the directory."""
    require_all_programs(uow, what)
    company = await companies.get(uow.session, company_id) if company_id is not None else None
    if company is None:
        raise Gone(company_id)
    return company


async def _end_dialog(uow: UnitOfWork) -> None:
    where = await conversation.current(uow)
    if where is not None and where[0] == FLOW:
        await conversation.clear(uow)


async def start_merge(uow: UnitOfWork, company_id: int) -> MergeChoices:
    """Offer the most similar names as targets, and take a typed name to search by."""
    source = await _changing(uow, "cy:m", company_id)
    await conversation.save(uow, FLOW, Step.MERGE, Asked(company_id=source.id))
    return MergeChoices(source, await _targets(uow, source, source.name))


async def _targets(uow: UnitOfWork, source: Company, name: str) -> list[Company]:
    found = await companies.similar(uow.session, name, MERGE_CHOICES + 1)
    return [c for c in found if c.id != source.id][:MERGE_CHOICES]


async def _pair(
    uow: UnitOfWork, what: str, source_id: int, target_id: int
) -> tuple[Company, Company]:
    source = await _changing(uow, what, source_id)
    target = await _changing(uow, what, target_id)
    if source.id == target.id:
        raise Stale("merge into itself", alert=True)
    return source, target


async def preview_merge(uow: UnitOfWork, source_id: int, target_id: int) -> MergePreview:
    source, target = await _pair(uow, "cy:mt", source_id, target_id)
    entry = await company_directory.entry(uow.session, source.id)
    return MergePreview(source, target, entry.participants if entry is not None else 0)


async def merge(uow: UnitOfWork, source_id: int, target_id: int) -> Merged:
    source, target = await _pair(uow, "cy:my", source_id, target_id)
    source_name = source.name
    if not await companies.merge(uow.session, source.id, target.id, uow.now):
        raise Gone(source_id)
    await _end_dialog(uow)
    return Merged(source_name, await card(uow, target.id))


async def ask(uow: UnitOfWork, company_id: int, step: Step) -> Company:
    """Ask for an alias or the name of a new group (the next text message answers)."""
    company = await _changing(uow, "cy:a" if step is Step.ALIAS else "cy:gn", company_id)
    await conversation.save(uow, FLOW, step, Asked(company_id=company.id))
    return company


async def group_choices(uow: UnitOfWork, company_id: int) -> GroupChoices:
    company = await _changing(uow, "cy:g", company_id)
    return await _group_choices(uow, company)


async def _group_choices(uow: UnitOfWork, company: Company) -> GroupChoices:
    groups = await company_directory.groups(uow.session)
    return GroupChoices(company, [(g.id, g.name) for g in groups if g.id != company.group_id])


async def set_group(uow: UnitOfWork, company_id: int, group_id: int | None) -> Card | GroupChoices:
    """Into a group (None: out of its group). The card when done; the choices again when the
    group is gone (an old keyboard)."""
    company = await _changing(uow, "cy:gs", company_id)
    if not await company_directory.set_group(uow.session, company.id, group_id):
        return await _group_choices(uow, company)
    return await card(uow, company.id)


async def mark_reviewed(uow: UnitOfWork, company_id: int) -> Card:
    company = await _changing(uow, "cy:r", company_id)
    await company_directory.mark_reviewed(uow.session, company.id, uow.now)
    return await card(uow, company.id)


async def typed(uow: UnitOfWork, step: str, asked: Asked, text: str | None) -> Typed:
    """A typed name: a merge target to search for, an alias, or a new group."""
    if not uow.actor.all_programs:  # the role was narrowed mid-dialog
        await conversation.clear(uow)
        raise Refused(f"dialog:{FLOW}", all_programs=True)
    company = await companies.get(uow.session, asked.company_id) if asked.company_id else None
    if company is None:
        await conversation.clear(uow)
        raise Gone(asked.company_id)
    name = companies.tidy(text or "")
    if not name:
        return Unread.EMPTY
    if step == Step.MERGE:
        targets = await _targets(uow, company, name)
        return MergeChoices(company, targets) if targets else NoMatch(name)
    if step == Step.ALIAS:
        return await _alias(uow, company, name)
    if step == Step.GROUP:
        group = await company_directory.create_group(uow.session, name, uow.now)
        await company_directory.set_group(uow.session, company.id, group.id)
        await conversation.clear(uow)
        return GroupSet(group.name, await card(uow, company.id))
    await conversation.clear(uow)
    return Unread.NO_DIALOG


async def _alias(uow: UnitOfWork, company: Company, name: str) -> Typed:
    outcome, other = await company_directory.add_alias(uow.session, company.id, name, uow.now)
    if outcome == AliasOutcome.EMPTY:
        return Unread.EMPTY
    await conversation.clear(uow)
    if outcome == AliasOutcome.TAKEN:
        if other is None:
            raise Gone(company.id)
        return AliasTaken(name, other, company)
    return AliasAdded(name, outcome == AliasOutcome.ADDED, await card(uow, company.id))
