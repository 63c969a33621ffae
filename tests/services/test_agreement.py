"""Confirming the mentoring agreement, as a use case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services import agreement
from services.errors import Stale
from storage.db import Database
from storage.models import AuditEntry
from tests.services.conftest import run, seed_pair


async def test_each_partner_agrees_once_and_the_second_makes_it_both(db: Database) -> None:
    pair = await seed_pair(db)
    first = await run(db, pair.mentee, lambda uow: agreement.agree(uow, pair.tandem_id))
    assert first is not None and not first.both
    assert first.partner.user_id == pair.mentor
    again = await run(db, pair.mentee, lambda uow: agreement.agree(uow, pair.tandem_id))
    assert again is None
    second = await run(db, pair.mentor, lambda uow: agreement.agree(uow, pair.tandem_id))
    assert second is not None and second.both
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("agreement") == 2


async def test_a_stranger_or_an_unintroduced_tandem_is_stale(db: Database) -> None:
    pair = await seed_pair(db)
    with pytest.raises(Stale):
        await run(db, 4242, lambda uow: agreement.agree(uow, pair.tandem_id))
    hidden = await seed_pair(db, program_id=pair.program_id, base=3000, introduced=False)
    with pytest.raises(Stale):
        await run(db, hidden.mentor, lambda uow: agreement.agree(uow, hidden.tandem_id))
    with pytest.raises(Stale):
        await run(db, pair.mentor, lambda uow: agreement.agree(uow, 2**31 - 1))
