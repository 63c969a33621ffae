"""The coordinator role: granted, taken back, and who hears about a program.

Coordinators come from two places: the operator's list (`TANDEM_COORDINATORS`, carried by the
unit of work as `configured`, because it lives in the settings, not the database) and grants
stored by /makecoordinator or a participant's card. The operator's list is not the bot's to
change: a grant to someone on it is "already", a revocation is refused with an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from services.access import coordinator_ids, require_all_programs
from services.unit import UnitOfWork
from storage import users

if TYPE_CHECKING:
    from storage.models import Program, User


class RoleOutcome(StrEnum):
    USAGE = "usage"  # not exactly one argument
    UNKNOWN = "unknown"  # nobody by that id or username has written to the bot
    ALREADY = "already"
    GRANTED = "granted"
    CONFIGURED = "configured"  # on the operator's list: cannot be revoked here
    NOT_COORDINATOR = "not_coordinator"
    REVOKED = "revoked"


@dataclass(frozen=True)
class RoleChange:
    """What became of a grant or a revocation. `name` is the user's name, or what was typed when
    there is no such user; `tell` is the new coordinator when they can be told; `all_programs`
    says which command menu they get (after the commit)."""

    outcome: RoleOutcome
    name: str
    user_id: int | None = None
    program: Program | None = None
    tell: User | None = None
    all_programs: bool = True


def full_name(user: User) -> str:
    return " ".join(filter(None, [user.first_name, user.last_name]))


MAX_USER_ID = 2**63 - 1  # a BIGINT


def user_id_of(typed: str) -> int | None:
    """A Telegram id as typed: ASCII digits within a BIGINT (int() alone takes "²" and "-1")."""
    if not typed.isascii() or not typed.isdigit() or len(typed) > 19:
        return None
    number = int(typed)
    return number if number <= MAX_USER_ID else None


async def _named(uow: UnitOfWork, typed: str) -> User | None:
    """The user a command names: a Telegram id, or an @username."""
    if (user_id := user_id_of(typed)) is not None:
        return await users.get(uow.session, user_id)
    if typed.startswith("@"):
        return await users.find_by_username(uow.session, typed)
    return None


async def grant(
    uow: UnitOfWork,
    user_id: int,
    name: str,
    program: Program | None = None,
) -> RoleChange:
    """A role for all programs (`program` None) or for one. The caller has checked the right to
    grant it: only a coordinator of all programs (the command) or of the program (the card)."""
    if user_id in uow.configured or not await users.grant_coordinator(
        uow.session,
        user_id,
        granted_by=uow.user_id,
        now=uow.now,
        program_id=program.id if program is not None else None,
    ):
        return RoleChange(RoleOutcome.ALREADY, name, user_id, program)
    uow.audit("coordinator_granted", target=user_id)
    target = await users.get(uow.session, user_id)
    all_programs = await users.coordinator_scope(uow.session, user_id) is None
    tell = target if target is not None and target.reachable else None
    return RoleChange(RoleOutcome.GRANTED, name, user_id, program, tell, all_programs)


async def make_coordinator(uow: UnitOfWork, typed: str | None) -> RoleChange:
    """/makecoordinator <id or @username>: the role for all programs. `typed` is the command's
    one argument, None when it had not exactly one."""
    require_all_programs(uow, "makecoordinator")
    if typed is None:
        return RoleChange(RoleOutcome.USAGE, "")
    user = await _named(uow, typed)
    if user is None:
        return RoleChange(RoleOutcome.UNKNOWN, typed)
    return await grant(uow, user.id, full_name(user))


async def revoke_coordinator(uow: UnitOfWork, typed: str | None) -> RoleChange:
    """/revokecoordinator: every grant of the user goes; the operator's list stays (someone on
    it may never have written to the bot, so the id is checked before the user is looked up)."""
    require_all_programs(uow, "revokecoordinator")
    if typed is not None and user_id_of(typed) in uow.configured:
        return RoleChange(RoleOutcome.CONFIGURED, typed, user_id_of(typed))
    if typed is None:
        return RoleChange(RoleOutcome.USAGE, "")
    user = await _named(uow, typed)
    if user is None:
        return RoleChange(RoleOutcome.UNKNOWN, typed)
    name = full_name(user)
    if user.id in uow.configured:
        return RoleChange(RoleOutcome.CONFIGURED, name, user.id)
    if not await users.is_coordinator(uow.session, user.id):
        return RoleChange(RoleOutcome.NOT_COORDINATOR, name, user.id)
    await users.revoke_coordinator(uow.session, user.id)
    uow.audit("coordinator_revoked", target=user.id)
    return RoleChange(RoleOutcome.REVOKED, name, user.id)


async def is_coordinator(uow: UnitOfWork, user_id: int) -> bool:
    return user_id in uow.configured or await users.is_coordinator(uow.session, user_id)


async def reachable(uow: UnitOfWork, program_id: int) -> list[tuple[int, User | None]]:
    """The coordinators who hear about the program (its own and those of all programs), in id
    order, with their user row; one who blocked the bot is left out. Someone on the operator's
    list who never wrote to the bot has no row and is tried anyway."""
    found = []
    for user_id in sorted(await coordinator_ids(uow, program_id)):
        user = await users.get(uow.session, user_id)
        if user is None or user.reachable:
            found.append((user_id, user))
    return found
