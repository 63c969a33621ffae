"""Sending the introductions of approved tandems: right after the approval commits
(handlers/matching.py) or when a planned reveal time comes (bot/app.py's job).

Not a flow (no command, button or dialog): it only renders and sends what the use case
(services/tandems.py) claimed, so the flows and the scheduler can all reach it.
"""

from __future__ import annotations

import logging

from bot.context import Services
from bot.messenger import Outcome
from core.address import Case
from handlers.views import agreement, introduction
from handlers.views.address import who
from services import tandems
from services.unit import NOBODY

log = logging.getLogger(__name__)


async def introduce(services: Services, tandem_ids: list[int]) -> None:
    """Send both introductions of each tandem that is due; report who could not be reached."""
    for tandem_id in tandem_ids:
        async with services.db.session() as session:
            claimed = await tandems.claim_introduction(services.unit(session, NOBODY), tandem_id)
        if claimed is None:
            continue
        tandem, program = claimed.tandem, claimed.program
        unreachable = []
        for side in claimed.sides:
            me, partner = side.me, side.partner
            if me.user_id is None:  # erased (/deleteme) before the introduction
                continue
            t = services.translator_for(me.user)
            _, outcome = await services.messenger.deliver(
                me.user_id,
                introduction.introduction(t, tandem, me, partner),
                introduction.keyboard(t, tandem),
            )
            if outcome is not Outcome.SENT:
                unreachable.append((me, outcome))
                continue
            await services.messenger.send(me.user_id, *agreement.message(t, program, tandem))
        for me, outcome in unreachable:
            log.warning("introduction of tandem %s to %s: %s", tandem_id, me.user_id, outcome)
            for coordinator_id, coordinator in claimed.coordinators:
                t = services.translator_for(coordinator)
                await services.messenger.send(
                    coordinator_id,
                    t(
                        f"intro.undelivered.{outcome.value}",
                        name=who(t, me, Case.BARE),
                        program=program.name if program else "",
                    ),
                )


async def introduce_due(services: Services) -> None:
    async with services.db.session() as session:
        due = await tandems.due_introductions(services.unit(session, NOBODY))
    if due:
        await introduce(services, due)
