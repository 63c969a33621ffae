"""Who an announcement goes to, and the rules of its delivery.

Pure: storage turns an audience into people, the sender works through the outbox.
"""

from __future__ import annotations

from enum import StrEnum

MAX_TEXT = 4096  # Telegram's limit for one message, counted by the client before it sends
QUIET_DAY_CHOICES = (30, 60)
DEFAULT_QUIET_DAYS = 35  # like the nudge: five weeks without a meeting


class Audience(StrEnum):
    ALL = "all"  # every active participant
    MENTORS = "mentors"
    MENTEES = "mentees"
    UNMATCHED = "unmatched"  # active participants without an active tandem
    QUIET = "quiet"  # both partners of tandems without a meeting in the last N days


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; a crash leaves it here (never resent)
    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403: blocked the bot or deleted the account
    FAILED = "failed"  # Telegram refused it, or retries ran out
    INTERRUPTED = "interrupted"  # in flight when the sender died: may or may not have arrived


FINISHED = frozenset(DeliveryState) - {DeliveryState.PENDING, DeliveryState.SENDING}


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


def progress_due(done: int, total: int, last_reported: int, step_share: float = 0.05) -> bool:
    """Edit the progress message every 5 % (at least every item for small audiences), so a
    large broadcast costs a few dozen edits, not one per recipient."""
    if done >= total:
        return True
    step = max(1, int(total * step_share))
    return done - last_reported >= step
