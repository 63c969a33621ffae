"""/purge: a coordinator of all programs deletes a program whose retention period is over.

Which programs qualify is the pure rule `core.programs.purgeable` with the retention period the
privacy notice promises (`TANDEM_RETENTION_MONTHS`, passed in as `months`), on the program's own
calendar. It is checked again when the confirmation is pressed, so an old or forged button
cannot purge a running program.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.programs import add_months, purgeable
from services.access import require_all_programs
from services.errors import Stale
from services.unit import UnitOfWork
from storage import programs
from storage.purge import purge_program

if TYPE_CHECKING:
    from storage.models import Program


def _due(uow: UnitOfWork, program: Program, months: int) -> bool:
    today = uow.now.astimezone(ZoneInfo(program.timezone)).date()
    return purgeable(program.ends_on, today, months)


async def due(uow: UnitOfWork, months: int) -> list[Program]:
    """The programs that may be purged now, archived ones included."""
    require_all_programs(uow, "purge")
    items = await programs.list_all(uow.session, include_archived=True)
    return [p for p in items if _due(uow, p, months)]


@dataclass(frozen=True)
class Outcome:
    """`keep_until` is set when the program may not be purged yet (nothing else is then);
    `people` is the number of registrations (asked) or of those deleted (purged)."""

    program_name: str
    keep_until: dt.date | None = None
    people: int = 0
    tandems: int = 0
    meetings: int = 0


async def _purgeable(uow: UnitOfWork, program_id: int, months: int) -> Program | Outcome:
    require_all_programs(uow, "purge")
    program = await programs.get(uow.session, program_id)
    if program is None:  # purged already (by another coordinator), or forged
        raise Stale("purge: no program", key="purge.gone", alert=True, edit=True)
    if not _due(uow, program, months):
        return Outcome(program.name, keep_until=add_months(program.ends_on, months))
    return program


async def ask(uow: UnitOfWork, program_id: int, months: int) -> Outcome:
    """Before the confirmation: how many people the purge would take."""
    program = await _purgeable(uow, program_id, months)
    if isinstance(program, Outcome):
        return program
    counts = await programs.participant_counts(uow.session, program.id)
    return Outcome(program.name, people=sum(counts.values()))


async def purge(uow: UnitOfWork, program_id: int, months: int) -> Outcome:
    """Delete the program and everything of it; one anonymous audit entry with its counts stays."""
    program = await _purgeable(uow, program_id, months)
    if isinstance(program, Outcome):
        return program
    name = program.name
    purged = await purge_program(uow.session, program_id)
    assert purged is not None
    uow.audit(
        "program_purged",
        program=program_id,
        participants=purged.participants,
        tandems=purged.tandems,
        meetings=purged.meetings,
    )
    return Outcome(name, None, purged.participants, purged.tandems, purged.meetings)


def keep(uow: UnitOfWork) -> None:
    """ "Keep" pressed: nothing happens, but only a coordinator of all programs may press it."""
    require_all_programs(uow, "purge")
