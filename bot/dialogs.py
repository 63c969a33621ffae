"""Typed dialogs: one registry of the flows a user can be in, each with a state model.

A flow is declared where its text handler lives:

    @dialog("meet", MeetState)
    async def on_text(ctx: Ctx, step: str, state: MeetState, text: str | None) -> None: ...

`on_text` below is the only entry for free text: it loads the user's dialog, refuses a
coordinator flow to someone who is no longer a coordinator, turns the stored data into the
flow's model (a row that does not fit reads as no dialog) and calls the flow.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from services import conversation
from services.conversation import State
from services.errors import Refused

if TYPE_CHECKING:
    from bot.context import Ctx

S = TypeVar("S", bound=State)
TextHandler = Callable[["Ctx", str, S, "str | None"], Awaitable[None]]


@dataclass(frozen=True)
class Flow(Generic[S]):
    name: str
    state: type[S]
    on_text: TextHandler[S]
    coordinator: bool = False


FLOWS: dict[str, Flow[Any]] = {}
# The module that declares each flow, imported when a user in that flow writes: flows are
# imported on first use (bot.router fills this in; `bot` names no handler module itself).
FLOW_MODULES: dict[str, str] = {}


def dialog(
    name: str, state: type[S], *, coordinator: bool = False
) -> Callable[[TextHandler[S]], TextHandler[S]]:
    def register(fn: TextHandler[S]) -> TextHandler[S]:
        if name in FLOWS:
            raise ValueError(f"dialog flow {name!r} declared twice")
        FLOWS[name] = Flow(name, state, fn, coordinator)
        return fn

    return register


def coordinator_flows() -> frozenset[str]:
    return frozenset(name for name, flow in FLOWS.items() if flow.coordinator)


def find(name: str) -> Flow[Any] | None:
    """The flow of this name, its module imported if nobody has needed it yet."""
    if name not in FLOWS and name in FLOW_MODULES:
        importlib.import_module(FLOW_MODULES[name])
    return FLOWS.get(name)


async def on_text(ctx: Ctx, text: str | None) -> None:
    """Free text (None: a sticker, a photo) to the user's dialog, which explains what it needs.
    Without a dialog, or in one this version does not know (a newer version's flow, a corrupted
    row, which is removed), the user is told that nothing is being asked."""
    where = await conversation.current(ctx.uow)
    flow = find(where[0]) if where is not None else None
    if flow is None:
        if where is not None:
            await conversation.clear(ctx.uow)
        # Nobody stored yet: most likely someone at the privacy notice, which is not a dialog
        # (nothing may be stored before consent), so the hint names its button.
        unknown = ctx.user is None and not ctx.is_coordinator
        message = ctx.update.effective_message
        files = message is not None and (message.document is not None or bool(message.photo))
        if files:
            ctx.reply(ctx.t("error.file_not_asked"))
        else:
            ctx.reply(ctx.t("error.no_dialog.new" if unknown else "error.no_dialog"))
        return
    if flow.coordinator and not ctx.is_coordinator:
        await conversation.clear(ctx.uow)  # the role was revoked mid-dialog
        raise Refused(f"dialog:{flow.name}")
    loaded = await conversation.load(ctx.uow, flow.name, flow.state)
    if loaded is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return
    step, state = loaded
    await flow.on_text(ctx, step, state, text)
