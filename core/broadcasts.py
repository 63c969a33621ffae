"""Who an announcement goes to, and the rules of its delivery.

Pure: storage turns an audience into people, the sender works through the outbox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

MAX_TEXT = 4096  # Telegram's limit for one message, counted by the client before it sends
MAX_CAPTION = 1024  # Telegram's limit for the text under a file or picture
QUIET_DAY_CHOICES = (30, 60)
DEFAULT_QUIET_DAYS = 35  # like the nudge: five weeks without a meeting


class Audience(StrEnum):
    ALL = "all"  # every active participant
    MENTORS = "mentors"
    MENTEES = "mentees"
    UNMATCHED = "unmatched"  # active participants without an active tandem
    QUIET = "quiet"  # both partners of tandems without a meeting in the last N days
    UNMET = "unmet"  # both partners of introduced active tandems that have never met


class AttachmentKind(StrEnum):
    """A file or picture sent with an announcement, by Telegram's file_id (never downloaded)."""

    DOCUMENT = "document"
    PHOTO = "photo"


@dataclass(frozen=True)
class Attachment:
    kind: AttachmentKind
    file_id: str  # Telegram's, valid for this bot: the file is never downloaded
    name: str | None = None  # a document's file name, for the coordinator's eyes


def caption_fits(visible_length: int) -> bool:
    """Whether the text goes under the file as its caption; a longer one follows the file as a
    message of its own (the announcement is never refused or cut for having a file)."""
    return visible_length <= MAX_CAPTION


def messages_each(has_file: bool, visible_length: int) -> int:
    """How many messages one person gets: a file whose text is too long for its caption is
    followed by the text (see caption_fits)."""
    return 2 if has_file and visible_length and not caption_fits(visible_length) else 1


PAID_MESSAGES_PER_STAR = 10  # a paid broadcast costs 0.1 Telegram Stars a message


def paid_stars(messages: int) -> int:
    """What a paid broadcast of this many messages costs, in whole Stars (rounded up)."""
    return math.ceil(messages / PAID_MESSAGES_PER_STAR)


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
