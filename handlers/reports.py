"""Placeholder while this module is being written (replaced before it lands)."""

from __future__ import annotations

from bot.runtime import Ctx


async def stats_command(ctx: Ctx) -> None:
    raise NotImplementedError


async def export_command(ctx: Ctx) -> None:
    raise NotImplementedError


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    raise NotImplementedError
