"""A person's rights over their data, as use cases: a copy of it (GDPR Art. 15), its erasure
(Art. 17), and a pause of what the bot sends on its own.

Every use case acts on the acting user's own data only; there is no id to forge. The erasure is
`storage.erasure.erase` (see "Erasure" in docs/architecture.md); what comes back here is who is
to be told about it, as rows, so the handler can write to each in their own language.

Pausing skips reminders and nudges while it lasts (core.reminders.PAUSABLE); they are not
postponed, since a reminder for a meeting that has passed would only confuse. The partner is not
told: a pause is private, and invitations, surveys and announcements still arrive.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.access import coordinator_ids
from services.unit import UnitOfWork
from storage import erasure, housekeeping, privacy, programs, users

if TYPE_CHECKING:
    from storage.erasure import Departure
    from storage.models import User


@dataclass(frozen=True)
class Person:
    """Someone to tell, with their user row (their language; None: the default)."""

    user_id: int
    user: User | None


@dataclass(frozen=True)
class Notice:
    """One erased registration: the partners of its ended tandems and the program's
    coordinators are told, the former by the person's name and form of address."""

    departure: Departure
    program_name: str
    partners: list[Person]
    coordinators: list[Person]


class Switch(enum.Enum):
    """What /pause or /resume did."""

    NOT_REGISTERED = "not_registered"  # nothing stored about the user: nothing to pause
    UNCHANGED = "unchanged"  # already paused (or, for /resume, not paused)
    DONE = "done"


def stored(uow: UnitOfWork) -> bool:
    """Whether anything is stored about the acting user (a user row exists from the consent or
    an explicit /language on)."""
    return uow.actor.user is not None


async def my_data(uow: UnitOfWork) -> bytes | None:
    """Everything stored about the acting user as one JSON document; None when nothing is."""
    data = await privacy.personal_data(uow.session, uow.user_id)
    if not data:
        return None
    content = json.dumps(
        {"generated_at": uow.now.isoformat(), "user_id": uow.user_id, "data": data},
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    ).encode()
    uow.audit("data_exported")
    return content


async def erase(uow: UnitOfWork) -> list[Notice] | None:
    """Erase the acting user's data; who is to be told, per registration. None when there was
    nothing (a second press of the button)."""
    if not stored(uow):
        return None
    departures = await erasure.erase(uow.session, uow.user_id, uow.now)
    # Not the erased person's id: the audit row must not point at them either.
    housekeeping.audit(
        uow.session, user_id=None, action="erased", now=uow.now, registrations=len(departures)
    )
    return [await _notice(uow, departure) for departure in departures]


async def _notice(uow: UnitOfWork, departure: Departure) -> Notice:
    told = await coordinator_ids(uow, departure.program_id)
    program = await programs.get(uow.session, departure.program_id)
    return Notice(
        departure,
        program.name if program else "",
        [
            await _person(uow, partner.user_id)
            for partner in departure.partners
            if partner.user_id is not None  # erased themselves: nobody to tell
        ],
        [await _person(uow, user_id) for user_id in sorted(told)],
    )


async def _person(uow: UnitOfWork, user_id: int) -> Person:
    return Person(user_id, await users.get(uow.session, user_id))


async def pause(uow: UnitOfWork) -> Switch:
    return await _switch(uow, paused=True)


async def resume(uow: UnitOfWork) -> Switch:
    return await _switch(uow, paused=False)


async def _switch(uow: UnitOfWork, *, paused: bool) -> Switch:
    if not stored(uow):
        return Switch.NOT_REGISTERED
    if not await users.set_paused(uow.session, uow.user_id, uow.now if paused else None):
        return Switch.UNCHANGED
    uow.audit("paused" if paused else "resumed")
    return Switch.DONE
