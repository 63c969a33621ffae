"""The vocabulary of a tandem's life: a matching round's proposal and the tandem it becomes.

A proposal is a draft until one coordinator approves it (then it becomes tandems) or discards
it; a tandem is active until a coordinator dissolves it or a partner erases their data.
"""

from __future__ import annotations

from enum import StrEnum


class ProposalStatus(StrEnum):
    DRAFT = "draft"  # being computed or reviewed; swaps allowed
    APPROVED = "approved"  # turned into tandems, once
    DISCARDED = "discarded"


class TandemStatus(StrEnum):
    ACTIVE = "active"
    DISSOLVED = "dissolved"


# A tandem's dissolve reason when a partner erased their data (otherwise the coordinator's text).
ERASED_REASON = "erased"


class NoteKind(StrEnum):
    """A message kept with a tandem (`tandem_notes`): what a partner told the program team, or
    what the team wrote to the tandem through the bot, and the partner's reply to it."""

    CONCERN = "concern"  # a partner's concern (the tandem's home, /tandem)
    UNFIT = "unfit"  # a partner's private "does not fit" after the first meeting (no text)
    TEAM = "team"  # the program team to one partner or to both
    REPLY = "reply"  # a partner's reply to the team's message


class NoteScope(StrEnum):
    """Who a tandem note is for: the program team, or the partners the team wrote to."""

    TEAM = "team"
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"

    def reaches(self, role: str) -> bool:
        """Whether a partner of this role received the team's message."""
        return self is NoteScope.BOTH or self.value == role


# A tandem note's text, announced before it is typed.
MAX_TANDEM_NOTE = 1000
