"""The unit of work a use case runs in: one transaction, one clock reading, one acting user.

It is built once per update (bot/middleware.py) or per scheduled job, so every use case reads
the same `now` and writes into the same transaction; what has to happen after the commit
(timers for freshly planned reminders, a broadcast to start) is collected here as plain data
and carried out by the caller once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import housekeeping

if TYPE_CHECKING:
    from storage.models import User


@dataclass(frozen=True)
class Actor:
    """Who acts: their Telegram id, their user row (None before consent) and their role.

    `scope` is the set of programs a coordinator coordinates; None means all programs (or, for
    a participant, that the question does not arise: `coordinates` is False anyway)."""

    user_id: int
    user: User | None = None
    is_coordinator: bool = False
    scope: frozenset[int] | None = None

    def coordinates(self, program_id: int | None) -> bool:
        """Whether this coordinator may see and act on the program (None: all programs)."""
        if not self.is_coordinator:
            return False
        if self.scope is None:
            return True
        return program_id is not None and program_id in self.scope

    @property
    def all_programs(self) -> bool:
        return self.coordinates(None)


# Scheduled work (reminders, the nudge sweep, introductions) acts for nobody: no user, no role.
NOBODY = Actor(0)


@dataclass
class UnitOfWork:
    session: AsyncSession
    now: dt.datetime
    actor: Actor
    # Reminder rows planned in this transaction: (id, due); armed after the commit.
    planned: list[tuple[int, dt.datetime]] = field(default_factory=list)
    # Broadcasts whose rows were written in this transaction; started after the commit.
    broadcasts: list[int] = field(default_factory=list)
    # The coordinators named in the installation's settings (TANDEM_COORDINATORS): they
    # coordinate every program without a row in the database. Required, so that no unit of
    # work is built without them and a notice to "the coordinators" silently misses them.
    configured: frozenset[int] = field(kw_only=True)

    @property
    def user_id(self) -> int:
        return self.actor.user_id

    def audit(self, action: str, **detail: Any) -> None:
        """An audit row in this transaction: it commits with the change it records."""
        housekeeping.audit(
            self.session, user_id=self.actor.user_id, action=action, now=self.now, **detail
        )

    def schedule(self, rows: list[tuple[int, dt.datetime]]) -> None:
        self.planned.extend(rows)

    def start_broadcast(self, broadcast_id: int) -> None:
        self.broadcasts.append(broadcast_id)
