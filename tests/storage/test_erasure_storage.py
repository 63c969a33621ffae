"""Erasure on rows the chat test does not reach: others' audit entries and dialogs about the
person, notices about them not sent yet, a broadcast they wrote as a coordinator, their
finished reminders (kept for the counts, without their id)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.broadcasts import Audience, BroadcastStatus
from core.reminders import Kind, Planned, State
from storage import broadcasts, erasure
from storage import reminders as store
from storage.db import Database
from storage.models import AuditEntry, Base, Broadcast, Dialog, Reminder
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
ZORA = 8765432109
NAME = "Zora & <Zyxwquartz>"  # notices hold it HTML-escaped
OTHER = 5005


async def test_erasure_reaches_rows_that_only_mention_the_person(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await seed_participant(db, program_id, ZORA, NAME, NOW)
    await seed_participant(db, program_id, OTHER, "Otto Other", NOW)
    about_her = {"text": "🆕 <b>Zora &amp; &lt;Zyxwquartz&gt;</b> ist neu", "markup": None}
    about_otto = {"text": "🆕 <b>Otto Other</b> ist neu", "markup": None}
    async with db.session() as session:
        session.add_all(
            [
                AuditEntry(
                    user_id=9001,
                    action="coordinator_granted",
                    detail={"target": ZORA},
                    created_at=NOW,
                ),
                AuditEntry(
                    user_id=ZORA, action="bad_callback", detail={"data": "x:1"}, created_at=NOW
                ),
                AuditEntry(
                    user_id=9001, action="match_started", detail={"program": 1}, created_at=NOW
                ),
                Dialog(
                    user_id=9001, flow="grant", step="confirm", data={"user": ZORA}, updated_at=NOW
                ),
                Dialog(
                    user_id=OTHER, flow="concern", step="text", data={"tandem": 1}, updated_at=NOW
                ),
            ]
        )
        await store.plan(
            session,
            [
                Planned(Kind.NOTICE, NOW, 9001, "notice.1.0", about_her),
                Planned(Kind.NOTICE, NOW, 9001, "notice.1.1", about_otto),
                Planned(Kind.SURVEY, NOW, ZORA, f"sv1.u{ZORA}"),
                Planned(Kind.SURVEY_AGAIN, NOW + dt.timedelta(days=7), ZORA, f"sv1.again.u{ZORA}"),
            ],
            now=NOW,
        )
        sent = await store.claim_key(session, f"sv1.u{ZORA}", NOW)
        assert sent is not None
        await store.finish(session, sent, State.SENT, NOW)
        await broadcasts.create(
            session,
            program_id=program_id,
            audience=Audience.ALL,
            quiet_days=None,
            text="Willkommen!",
            status=BroadcastStatus.DONE,
            scheduled_at=None,
            created_by=ZORA,
            now=NOW,
        )

    async with db.session() as session:
        await erasure.erase(session, ZORA, NOW)

    async with db.session() as session:
        audit = {a.action: (a.user_id, a.detail) for a in await session.scalars(select(AuditEntry))}
        assert audit == {
            "coordinator_granted": (9001, {"target": None}),
            "bad_callback": (None, {}),
            "match_started": (9001, {"program": 1}),
        }
        assert [d.user_id for d in await session.scalars(select(Dialog))] == [OTHER]
        rows = {r.key: r for r in await session.scalars(select(Reminder))}
        assert (rows["notice.1.0"].state, rows["notice.1.0"].payload) == ("cancelled", {})
        assert (rows["notice.1.1"].state, rows["notice.1.1"].payload) == ("pending", about_otto)
        assert f"sv1.again.u{ZORA}" not in rows, "not sent yet: nobody to send it to"
        [kept] = [r for r in rows.values() if r.kind == Kind.SURVEY.value]
        assert (kept.key, kept.user_id, kept.state) == (f"erased.{sent}", None, "sent")
        broadcast = (await session.scalars(select(Broadcast))).one()
        assert (broadcast.created_by, broadcast.text) == (None, "Willkommen!")
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                assert not any(
                    str(ZORA) in str(v) or "zyxwquartz" in str(v).casefold() for v in row
                ), (table.name, row)
