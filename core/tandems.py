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
