"""Placeholder while this module is being written (replaced before it lands)."""

from __future__ import annotations

from bot.runtime import Ctx
from storage.models import Dialog

PREFIX = "sv"
FLOW = "survey"


async def survey_command(ctx: Ctx) -> None:
    raise NotImplementedError


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    raise NotImplementedError


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    raise NotImplementedError
