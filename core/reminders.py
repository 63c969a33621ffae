"""When the bot speaks up on its own: reminders, feedback requests, nudges, event invitations.

Pure rules, no I/O. Storage keeps the planned rows and the scheduler fires them; this module
decides what to plan, whether a late reminder is still worth sending, and when a quiet tandem
gets nudged. Every default comes from how programs run today (about monthly meetings, a feedback
question after each, reminders a day and an hour before) and is configurable per program.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MINUTE = dt.timedelta(minutes=1)
DAY_MINUTES = 24 * 60


class Kind(StrEnum):
    MEETING_SOON = "meeting_soon"  # before a confirmed meeting, to each partner
    FEEDBACK = "feedback"  # after the meeting's end: did it take place, how useful
    FEEDBACK_AGAIN = "feedback_again"  # once, if the feedback question stayed unanswered
    NUDGE = "nudge"  # a tandem that has not met for a while
    AT_RISK = "at_risk"  # to the coordinators, after repeated nudges
    EVENT_INVITE = "event_invite"  # a program event, to every active participant
    EVENT_SOON = "event_soon"  # before a program event, to those who did not decline
    EVENT_UNANSWERED = "event_unanswered"  # before a program event, to those without an answer
    BROADCAST = "broadcast"  # a scheduled announcement starts (to the coordinator who wrote it)
    SURVEY = "survey"  # a program questionnaire, to every active participant
    SURVEY_AGAIN = "survey_again"  # once, a week later, if it is still unanswered
    NOTICE = "notice"  # a message to another person about an update (payload: text, markup)
    PROPOSAL_UNANSWERED = "proposal_unanswered"  # to the partner who has not answered a proposal
    PROPOSAL_EXPIRED = "proposal_expired"  # to the proposer: its time came, nobody answered


class State(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; a crash leaves it here (never resent)
    SENT = "sent"
    SKIPPED = "skipped"  # no longer useful when it came due (meeting over, already answered)
    UNREACHABLE = "unreachable"  # the user blocked the bot
    FAILED = "failed"
    CANCELLED = "cancelled"  # the meeting moved or was cancelled before it came due
    INTERRUPTED = "interrupted"  # was being sent when the process died


DONE_STATES = frozenset(State) - {State.PENDING, State.SENDING}

# What /pause stops: the bot's reminders and nudges to the participant. Invitations (an event, a
# survey) and the coordinators' own messages still arrive: they are the program, not a nudge.
PAUSABLE = frozenset(
    {
        Kind.MEETING_SOON,
        Kind.FEEDBACK,
        Kind.FEEDBACK_AGAIN,
        Kind.NUDGE,
        Kind.EVENT_SOON,
        Kind.EVENT_UNANSWERED,
        Kind.SURVEY_AGAIN,
        Kind.PROPOSAL_UNANSWERED,
    }
)
# The rows about an open proposal: dropped once it is answered, withdrawn or replaced.
PROPOSAL_KINDS = (Kind.PROPOSAL_UNANSWERED.value, Kind.PROPOSAL_EXPIRED.value)


@dataclass(frozen=True)
class Policy:
    """A program's timing. Stored in the program's settings under "reminders"."""

    before_meeting: tuple[int, ...] = (DAY_MINUTES, 60)  # minutes before the start
    feedback_delay: int = 60  # minutes after the end
    feedback_again_after: int = 2 * DAY_MINUTES
    nudge_after_days: int = 35  # five weeks without a meeting
    nudge_repeat_days: int = 14
    at_risk_after_nudges: int = 2
    before_event: tuple[int, ...] = (14 * DAY_MINUTES, 2 * DAY_MINUTES)
    feedback_late_days: int = 7  # a feedback question this late is no longer asked

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> Policy:
        """Unknown or malformed values fall back to the defaults: a hand-edited row never
        stops reminders."""
        raw = (settings or {}).get("reminders") or {}
        default = cls()
        values: dict[str, Any] = {}
        for name in ("before_meeting", "before_event"):
            items = raw.get(name)
            if isinstance(items, list) and all(isinstance(i, int) and i > 0 for i in items):
                values[name] = tuple(sorted(set(items), reverse=True))
        for name in (
            "feedback_delay",
            "feedback_again_after",
            "nudge_after_days",
            "nudge_repeat_days",
            "at_risk_after_nudges",
            "feedback_late_days",
        ):
            value = raw.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                values[name] = value
        return cls(**{**default.__dict__, **values})

    def to_settings(self) -> dict[str, Any]:
        return {
            "before_meeting": list(self.before_meeting),
            "feedback_delay": self.feedback_delay,
            "feedback_again_after": self.feedback_again_after,
            "nudge_after_days": self.nudge_after_days,
            "nudge_repeat_days": self.nudge_repeat_days,
            "at_risk_after_nudges": self.at_risk_after_nudges,
            "before_event": list(self.before_event),
            "feedback_late_days": self.feedback_late_days,
        }


@dataclass(frozen=True)
class Planned:
    """A message to send at `due_at`. `key` is unique for what it is about, so planning the same
    thing twice (a retry, a restart) adds nothing."""

    kind: Kind
    due_at: dt.datetime
    user_id: int
    key: str
    payload: dict[str, Any] = field(default_factory=dict)


def plan_meeting(
    *,
    meeting_id: int,
    version: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    user_ids: tuple[int, ...],
    policy: Policy,
    now: dt.datetime,
) -> list[Planned]:
    """Reminders and feedback questions for a confirmed meeting (this version of its time).

    A reminder whose time has already passed when the meeting is confirmed is not planned: the
    partners have just agreed on it and need no "tomorrow" message an hour before.
    """
    planned: list[Planned] = []
    for user_id in user_ids:
        planned += _before(
            Kind.MEETING_SOON,
            f"m{meeting_id}.v{version}",
            starts_at,
            policy.before_meeting,
            user_id,
            now,
        )
        ask = ends_at + policy.feedback_delay * MINUTE
        planned.append(
            Planned(Kind.FEEDBACK, ask, user_id, f"m{meeting_id}.v{version}.fb.u{user_id}")
        )
        planned.append(
            Planned(
                Kind.FEEDBACK_AGAIN,
                ask + policy.feedback_again_after * MINUTE,
                user_id,
                f"m{meeting_id}.v{version}.fb2.u{user_id}",
            )
        )
    return planned


# Who has not answered an invitation is asked again a week before the event (coordinators plan
# catering and rooms from the answers), if the invitation went out at least two days before that.
UNANSWERED_BEFORE = dt.timedelta(days=7)
UNANSWERED_AFTER_INVITE = dt.timedelta(days=2)


def plan_event(
    *,
    event_id: int,
    starts_at: dt.datetime,
    user_ids: list[int],
    policy: Policy,
    now: dt.datetime,
    version: str = "",
) -> list[Planned]:
    """The invitation now, the reminders before the start, and the question to those still
    without an answer a week before (whether they answered is checked when it comes due).
    `version` marks the reminders' keys of an event whose start was changed, so that those for
    the new start are planned next to the old (cancelled) ones."""
    planned: list[Planned] = []
    ask_again = starts_at - UNANSWERED_BEFORE
    event = f"e{event_id}{version}"
    for user_id in user_ids:
        planned.append(Planned(Kind.EVENT_INVITE, now, user_id, f"e{event_id}.inv.u{user_id}"))
        if ask_again - now >= UNANSWERED_AFTER_INVITE:
            key = f"{event}.open.u{user_id}"
            planned.append(Planned(Kind.EVENT_UNANSWERED, ask_again, user_id, key))
        planned += _before(Kind.EVENT_SOON, event, starts_at, policy.before_event, user_id, now)
    return planned


def _before(
    kind: Kind,
    key: str,
    starts_at: dt.datetime,
    offsets: tuple[int, ...],
    user_id: int,
    now: dt.datetime,
) -> list[Planned]:
    """A reminder `minutes` before the start for each of `offsets`, for one person. One whose
    time has already passed is not planned: whoever just agreed on a meeting or was just invited
    to an event needs no "tomorrow" message an hour before."""
    return [
        Planned(kind, due, user_id, f"{key}.soon{minutes}.u{user_id}", {"minutes": minutes})
        for minutes in offsets
        if (due := starts_at - minutes * MINUTE) > now
    ]


PROPOSAL_REMINDER_AFTER = dt.timedelta(days=2)
PROPOSAL_REMINDER_MIN_WAIT = dt.timedelta(hours=6)


def proposal_reminder_at(sent_at: dt.datetime, starts_at: dt.datetime) -> dt.datetime | None:
    """When a partner who has not answered a proposal is reminded: two days after it was sent,
    or, for a proposal whose time is sooner, half-way between sending and its start (the
    partner then still has as long to answer as the proposer has waited). A proposal for the
    same few hours gets none: a reminder under six hours after it would only be noise."""
    wait = min(PROPOSAL_REMINDER_AFTER, (starts_at - sent_at) / 2)
    if wait < PROPOSAL_REMINDER_MIN_WAIT:
        return None
    return sent_at + wait


def plan_proposal(
    *,
    meeting_id: int,
    version: int,
    starts_at: dt.datetime,
    proposer_id: int,
    partner_id: int | None,
    now: dt.datetime,
) -> list[Planned]:
    """For an open proposal: the reminder to the partner who has to answer it
    (`proposal_reminder_at`), and at its start the word to the proposer that nobody answered.
    Both are checked when they come due: an answered, withdrawn or replaced proposal sends
    nothing."""
    key = f"m{meeting_id}.v{version}"
    planned: list[Planned] = []
    remind_at = proposal_reminder_at(now, starts_at)
    if partner_id is not None and remind_at is not None:
        planned.append(
            Planned(Kind.PROPOSAL_UNANSWERED, remind_at, partner_id, f"{key}.ask.u{partner_id}")
        )
    planned.append(
        Planned(Kind.PROPOSAL_EXPIRED, starts_at, proposer_id, f"{key}.expired.u{proposer_id}")
    )
    return planned


SURVEY_REMINDER_AFTER = dt.timedelta(days=7)


def plan_survey(*, survey_id: int, send_at: dt.datetime, user_ids: list[int]) -> list[Planned]:
    """The survey to each participant at `send_at`, and one reminder a week later (sent only
    if the questionnaire is still unanswered by then)."""
    planned: list[Planned] = []
    for user_id in user_ids:
        planned.append(Planned(Kind.SURVEY, send_at, user_id, f"sv{survey_id}.u{user_id}"))
        planned.append(
            Planned(
                Kind.SURVEY_AGAIN,
                send_at + SURVEY_REMINDER_AFTER,
                user_id,
                f"sv{survey_id}.again.u{user_id}",
            )
        )
    return planned


def worth_sending(
    kind: Kind,
    *,
    due_at: dt.datetime,
    now: dt.datetime,
    starts_at: dt.datetime | None,
    policy: Policy,
) -> bool:
    """Whether a reminder that comes due now (perhaps late, after downtime) still makes sense.

    Reminders before something are only useful before it starts; their texts name the time
    absolutely and say "in N hours" as computed when sent, so a late one is never wrong. A
    feedback question a week late is noise.
    """
    if kind in (
        Kind.MEETING_SOON,
        Kind.EVENT_SOON,
        Kind.EVENT_INVITE,
        Kind.EVENT_UNANSWERED,
        Kind.PROPOSAL_UNANSWERED,
    ):
        return starts_at is not None and now < starts_at
    if kind is Kind.PROPOSAL_EXPIRED:  # after a long downtime the proposer has moved on
        return now - due_at <= dt.timedelta(days=policy.feedback_late_days)
    if kind in (Kind.FEEDBACK, Kind.FEEDBACK_AGAIN):
        return now - due_at <= dt.timedelta(days=policy.feedback_late_days)
    if kind is Kind.NUDGE:
        return now - due_at <= dt.timedelta(days=1)
    return True


def nudge_due(
    *,
    introduced_at: dt.datetime,
    last_meeting_at: dt.datetime | None,
    has_upcoming: bool,
    nudges: int,
    last_nudged_at: dt.datetime | None,
    now: dt.datetime,
    policy: Policy,
) -> bool:
    """A tandem is nudged when it has not met (or been introduced) for `nudge_after_days` and
    has nothing planned; then again every `nudge_repeat_days` while it stays quiet."""
    if has_upcoming or policy.nudge_after_days == 0:
        return False
    anchor = max(introduced_at, last_meeting_at) if last_meeting_at else introduced_at
    if now - anchor < dt.timedelta(days=policy.nudge_after_days):
        return False
    if nudges == 0 or last_nudged_at is None:
        return True
    return now - last_nudged_at >= dt.timedelta(days=max(policy.nudge_repeat_days, 1))


def at_risk(nudges: int, policy: Policy) -> bool:
    return policy.at_risk_after_nudges > 0 and nudges >= policy.at_risk_after_nudges


def until(starts_at: dt.datetime, now: dt.datetime) -> tuple[int, str]:
    """How far ahead something is, rounded for a message: (3, "days"), (1, "hours"), ..."""
    seconds = max(0.0, (starts_at - now).total_seconds())
    minutes = round(seconds / 60)
    if minutes < 60:
        return max(minutes, 1), "minutes"
    hours = round(seconds / 3600)
    if hours < 36:
        return hours, "hours"
    return round(seconds / 86400), "days"
