"""Confirming the mentoring agreement: each partner once, with the time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.access import own_tandem, partners
from services.errors import Stale
from services.unit import UnitOfWork
from storage import programs, tandems

if TYPE_CHECKING:
    from storage.models import Participant, Program, Tandem


@dataclass(frozen=True)
class Agreed:
    tandem: Tandem
    program: Program | None
    me: Participant
    partner: Participant
    both: bool  # the partner had agreed already: both are told


async def agree(uow: UnitOfWork, tandem_id: int) -> Agreed | None:
    """Record the acting partner's confirmation; None if they had confirmed already."""
    tandem = await own_tandem(uow, tandem_id)
    if tandem is None:
        raise Stale("tandem", alert=True)
    if not await tandems.agree(uow.session, tandem, uow.user_id, uow.now):
        return None
    uow.audit("agreement", tandem=tandem.id)
    me, partner = partners(tandem, uow.user_id)
    both = tandem.mentor_agreed_at is not None and tandem.mentee_agreed_at is not None
    program = await programs.get(uow.session, tandem.program_id)
    return Agreed(tandem, program, me, partner, both)
