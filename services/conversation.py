"""Half-finished conversations (dialogs), with their state typed.

A dialog is stored as a flow name, a step and a JSON object, so a restart or a second process
carries on. Each flow declares a pydantic model for that object (handlers/dialogs.py); this
module turns the row into the model and back. A row that no longer fits its model (written by an
older version of the bot, or by hand) reads as no dialog at all, and is removed.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from services.unit import UnitOfWork
from storage import dialogs

S = TypeVar("S", bound=BaseModel)


class State(BaseModel):
    """Base of every dialog state: unknown keys from an older row are ignored, and assignment is
    validated, so a handler cannot store a value its model does not allow."""

    model_config = {"extra": "ignore", "validate_assignment": True}


async def current(uow: UnitOfWork) -> tuple[str, str] | None:
    """(flow, step) of the acting user's dialog, or None."""
    dialog = await dialogs.get(uow.session, uow.user_id)
    return (dialog.flow, dialog.step) if dialog is not None else None


async def load(uow: UnitOfWork, flow: str, model: type[S]) -> tuple[str, S] | None:
    """(step, state) of the acting user's dialog if it is `flow` and its data fits `model`."""
    dialog = await dialogs.get(uow.session, uow.user_id)
    if dialog is None or dialog.flow != flow:
        return None
    try:
        return dialog.step, model.model_validate(dict(dialog.data))
    except ValidationError:
        await dialogs.clear(uow.session, uow.user_id)
        return None


async def save(uow: UnitOfWork, flow: str, step: str, state: BaseModel) -> None:
    await dialogs.save(
        uow.session,
        uow.user_id,
        flow=flow,
        step=step,
        data=state.model_dump(mode="json"),
        now=uow.now,
    )


async def clear(uow: UnitOfWork) -> str | None:
    """End the acting user's dialog; the flow it was in, or None if there was none."""
    dialog = await dialogs.get(uow.session, uow.user_id)
    if dialog is None:
        return None
    await dialogs.clear(uow.session, uow.user_id)
    return dialog.flow
