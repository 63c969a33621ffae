"""Asking "Meinten Sie …?": a typed company name that probably is a known employer.

Registration and /profile ask the same question with the same rules, so that a company typed
either way ends up linked to the directory's employer instead of starting a look-alike. The
question lives in the caller's dialog data under CHOICE (what was typed and the ids offered);
each caller keeps its own callback prefix, its own dialog and what happens after the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.context import Ctx
from handlers.callbacks import pack
from handlers.keyboards import button, column
from storage import companies

# The dialog data entry of an open question: {"typed": str, "ids": [int, …]}.
CHOICE = "company_choice"
OFFERED = 5


@dataclass(frozen=True)
class Lookup:
    """What a typed name means: a known company (`company_id`), a question to ask (`choice`),
    or neither (a new company, created when the answer is stored)."""

    company_id: int | None = None
    choice: dict[str, Any] | None = None


@dataclass(frozen=True)
class Chosen:
    """The answer to the question: the name to store and the company it links (None: their own
    spelling, resolved or created when stored)."""

    name: str
    company_id: int | None


async def look_up(ctx: Ctx, typed: str) -> Lookup:
    """A known name (or alias) is that company; a name that probably is a known one becomes a
    question; anything else is new."""
    known = await companies.find(ctx.session, typed)
    if known is not None:
        return Lookup(company_id=known.id)
    candidates = await companies.similar(ctx.session, typed, limit=OFFERED)
    if not candidates:
        return Lookup()
    return Lookup(choice={"typed": typed, "ids": [c.id for c in candidates]})


async def ask(ctx: Ctx, prefix: str, choice: dict[str, Any]) -> None:
    """The question: one button per company still known, and one for their own spelling."""
    found = await companies.by_ids(ctx.session, choice["ids"])
    buttons = [
        button(found[cid].name, pack(prefix, "co", cid)) for cid in choice["ids"] if cid in found
    ]
    buttons.append(button(ctx.t.plain("reg.company.keep"), pack(prefix, "cn")))
    ctx.reply(ctx.t("reg.company.did_you_mean", typed=choice["typed"]), column(buttons))


async def answer(ctx: Ctx, choice: dict[str, Any], company_id: int | None) -> Chosen | None:
    """A press on the question: a company offered in this very question, or their own spelling
    (None). Anything else (a forged id, a company merged away since) is None: the caller answers
    it as a stale button and asks again."""
    if company_id is None:
        return Chosen(str(choice["typed"]), None)
    company = await companies.get(ctx.session, company_id)
    if company is None or company_id not in choice["ids"]:
        return None
    return Chosen(company.name, company.id)
