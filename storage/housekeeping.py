"""Processed update ids and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, ProcessedUpdate


async def was_processed(session: AsyncSession, update_id: int) -> bool:
    found = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    return found is not None


def mark_processed(session: AsyncSession, update_id: int, now: dt.datetime) -> None:
    """Added to the update's own transaction: the mark and the effect commit together."""
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))


async def prune_processed(session: AsyncSession, older_than: dt.datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def audit(
    session: AsyncSession,
    *,
    user_id: int | None,
    action: str,
    now: dt.datetime,
    **detail: Any,
) -> None:
    session.add(AuditEntry(user_id=user_id, action=action, detail=detail, created_at=now))
