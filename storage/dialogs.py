"""Half-finished conversations, kept in the database so a restart or a second process carries on."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from storage.models import Dialog


async def get(session: AsyncSession, user_id: int) -> Dialog | None:
    return await session.get(Dialog, user_id)


async def save(
    session: AsyncSession,
    user_id: int,
    *,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: dt.datetime,
) -> Dialog:
    dialog = await session.get(Dialog, user_id)
    if dialog is None:
        dialog = Dialog(user_id=user_id, version=0)
        session.add(dialog)
    else:
        dialog.version += 1
    dialog.flow, dialog.step = flow, step
    # A deep copy: SQLAlchemy compares JSON by value, so the caller's in-place edits of the
    # loaded data would otherwise look unchanged and never be written.
    dialog.data = copy.deepcopy(data)
    flag_modified(dialog, "data")
    dialog.updated_at = now
    await session.flush()
    return dialog


async def clear(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(delete(Dialog).where(Dialog.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))
