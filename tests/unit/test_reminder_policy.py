"""The reminder policy and the meeting rules, without a bot or a database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.meetings import (
    Act,
    TimeProblem,
    allowed,
    check_logged,
    check_start,
    clean_link,
    parse_logged,
)
from core.reminders import (
    Kind,
    Policy,
    at_risk,
    nudge_due,
    plan_event,
    plan_meeting,
    plan_proposal,
    proposal_reminder_at,
    until,
    worth_sending,
)
from core.when import parse_when

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
START = NOW + dt.timedelta(days=2)


def test_meeting_plan_has_reminders_feedback_and_one_follow_up_per_partner() -> None:
    planned = plan_meeting(
        meeting_id=7,
        version=2,
        starts_at=START,
        ends_at=START + dt.timedelta(hours=2),
        user_ids=(1, 2),
        policy=Policy(),
        now=NOW,
    )
    by_user = {u: sorted((p.kind, p.due_at) for p in planned if p.user_id == u) for u in (1, 2)}
    assert by_user[1] == sorted(
        [
            (Kind.MEETING_SOON, START - dt.timedelta(days=1)),
            (Kind.MEETING_SOON, START - dt.timedelta(hours=1)),
            (Kind.FEEDBACK, START + dt.timedelta(hours=3)),
            (Kind.FEEDBACK_AGAIN, START + dt.timedelta(days=2, hours=3)),
        ]
    )
    assert len({p.key for p in planned}) == len(planned)
    assert all(".v2." in p.key for p in planned)


def test_a_reminder_already_past_at_confirmation_is_not_planned() -> None:
    planned = plan_meeting(
        meeting_id=1,
        version=0,
        starts_at=NOW + dt.timedelta(minutes=30),
        ends_at=NOW + dt.timedelta(minutes=90),
        user_ids=(1,),
        policy=Policy(),
        now=NOW,
    )
    assert [p.kind for p in planned] == [Kind.FEEDBACK, Kind.FEEDBACK_AGAIN]


def test_event_plan_invites_now_and_reminds_before() -> None:
    planned = plan_event(
        event_id=3, starts_at=NOW + dt.timedelta(days=20), user_ids=[5], policy=Policy(), now=NOW
    )
    assert [(p.kind, p.due_at - NOW) for p in planned] == [
        (Kind.EVENT_INVITE, dt.timedelta(0)),
        (Kind.EVENT_UNANSWERED, dt.timedelta(days=13)),
        (Kind.EVENT_SOON, dt.timedelta(days=6)),
        (Kind.EVENT_SOON, dt.timedelta(days=18)),
    ]


@pytest.mark.parametrize(
    ("ahead", "asked_again"),
    [
        (dt.timedelta(days=9), True),  # the invitation went out two days before
        (dt.timedelta(days=9) - dt.timedelta(minutes=1), False),  # too soon after it
        (dt.timedelta(days=3), False),  # the invitation itself is within the week
    ],
)
def test_those_without_an_answer_are_asked_again_a_week_before(
    ahead: dt.timedelta, asked_again: bool
) -> None:
    planned = plan_event(event_id=3, starts_at=NOW + ahead, user_ids=[5], policy=Policy(), now=NOW)
    again = [p for p in planned if p.kind is Kind.EVENT_UNANSWERED]
    assert [p.due_at for p in again] == (
        [NOW + ahead - dt.timedelta(days=7)] if asked_again else []
    )
    assert all(p.key == "e3.open.u5" for p in again)


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        (Kind.MEETING_SOON, START - dt.timedelta(minutes=5), True),
        (Kind.MEETING_SOON, START, False),  # the meeting has begun
        (Kind.MEETING_SOON, START + dt.timedelta(hours=1), False),
        (Kind.FEEDBACK, START + dt.timedelta(days=6), True),
        (Kind.FEEDBACK, START + dt.timedelta(days=8), False),  # a week late: noise
        (Kind.EVENT_INVITE, START + dt.timedelta(minutes=1), False),
        (Kind.PROPOSAL_UNANSWERED, START - dt.timedelta(minutes=5), True),
        (Kind.PROPOSAL_UNANSWERED, START, False),  # too late to answer
        (Kind.PROPOSAL_EXPIRED, START + dt.timedelta(days=6), True),
        (Kind.PROPOSAL_EXPIRED, START + dt.timedelta(days=8), False),
        (Kind.EVENT_UNANSWERED, START - dt.timedelta(hours=1), True),
        (Kind.EVENT_UNANSWERED, START + dt.timedelta(minutes=1), False),
    ],
)
def test_late_reminders(kind: Kind, now: dt.datetime, expected: bool) -> None:
    assert worth_sending(kind, due_at=START, now=now, starts_at=START, policy=Policy()) is expected


@pytest.mark.parametrize(
    ("ahead", "after"),
    [
        (dt.timedelta(days=10), dt.timedelta(days=2)),  # two days after it was sent
        (dt.timedelta(days=4), dt.timedelta(days=2)),
        (dt.timedelta(days=3), dt.timedelta(hours=36)),  # sooner: half-way to the start
        (dt.timedelta(hours=30), dt.timedelta(hours=15)),
        (dt.timedelta(hours=12), dt.timedelta(hours=6)),
        (dt.timedelta(hours=11), None),  # the same few hours: no reminder
        (dt.timedelta(hours=1), None),
    ],
)
def test_an_unanswered_proposal_is_reminded_after_two_days_or_half_way(
    ahead: dt.timedelta, after: dt.timedelta | None
) -> None:
    due = proposal_reminder_at(NOW, NOW + ahead)
    assert due == (NOW + after if after is not None else None)


@given(st.integers(min_value=1, max_value=400 * 24 * 60))
@DETERMINISTIC
def test_a_proposal_reminder_leaves_time_to_answer(minutes: int) -> None:
    """Never later than two days, never after half the time to the start has gone."""
    start = NOW + dt.timedelta(minutes=minutes)
    due = proposal_reminder_at(NOW, start)
    if due is not None:
        assert NOW < due <= NOW + dt.timedelta(days=2)
        assert start - due >= due - NOW


def test_a_proposal_plans_the_reminder_to_the_partner_and_the_expiry_to_the_proposer() -> None:
    planned = plan_proposal(
        meeting_id=7, version=0, starts_at=START + dt.timedelta(days=5), proposer_id=1,
        partner_id=2, now=NOW,
    )  # fmt: skip
    assert [(p.kind, p.due_at, p.user_id, p.key) for p in planned] == [
        (Kind.PROPOSAL_UNANSWERED, NOW + dt.timedelta(days=2), 2, "m7.v0.ask.u2"),
        (Kind.PROPOSAL_EXPIRED, START + dt.timedelta(days=5), 1, "m7.v0.expired.u1"),
    ]
    soon = plan_proposal(
        meeting_id=7, version=0, starts_at=NOW + dt.timedelta(hours=2), proposer_id=1,
        partner_id=2, now=NOW,
    )  # fmt: skip
    assert [p.kind for p in soon] == [Kind.PROPOSAL_EXPIRED]


def test_nudges() -> None:
    policy = Policy()
    week = dt.timedelta(days=7)

    def due(now: dt.datetime, **kw: object) -> bool:
        args: dict[str, object] = {
            "introduced_at": NOW,
            "last_meeting_at": None,
            "has_upcoming": False,
            "nudges": 0,
            "last_nudged_at": None,
        }
        args.update(kw)
        return nudge_due(now=now, policy=policy, **args)  # type: ignore[arg-type]

    assert not due(NOW + 4 * week)
    assert due(NOW + 5 * week)
    assert not due(NOW + 5 * week, has_upcoming=True)
    assert not due(NOW + 5 * week, last_meeting_at=NOW + 2 * week)
    assert not due(NOW + 6 * week, nudges=1, last_nudged_at=NOW + 5 * week)
    assert due(NOW + 7 * week, nudges=1, last_nudged_at=NOW + 5 * week)
    assert not at_risk(1, policy) and at_risk(2, policy)
    assert not nudge_due(
        introduced_at=NOW,
        last_meeting_at=None,
        has_upcoming=False,
        nudges=0,
        last_nudged_at=None,
        now=NOW + 50 * week,
        policy=Policy(nudge_after_days=0),  # nudges switched off
    )


def test_policy_survives_a_hand_edited_settings_row() -> None:
    policy = Policy.from_settings(
        {"reminders": {"before_meeting": [60, 1440, 60], "feedback_delay": "soon", "nudges": 3}}
    )
    assert policy.before_meeting == (1440, 60)
    assert policy.feedback_delay == Policy().feedback_delay
    assert Policy.from_settings({"reminders": policy.to_settings()}) == policy
    assert Policy.from_settings(None) == Policy()
    assert Policy.from_settings({"reminders": {"before_meeting": [-5]}}) == Policy()


@DETERMINISTIC
@given(st.integers(min_value=0, max_value=400 * 24 * 60))
def test_until_rounds_sensibly(minutes: int) -> None:
    amount, unit = until(NOW + dt.timedelta(minutes=minutes), NOW)
    assert amount >= 1
    back = {"minutes": 1, "hours": 60, "days": 1440}[unit] * amount
    assert abs(back - minutes) <= max(1, {"minutes": 1, "hours": 30, "days": 720}[unit])


def test_meeting_rules() -> None:
    assert check_start(NOW - dt.timedelta(minutes=1), NOW) is TimeProblem.PAST
    assert check_start(NOW + dt.timedelta(days=500), NOW) is TimeProblem.TOO_FAR
    assert check_start(NOW + dt.timedelta(days=30), NOW) is None
    assert check_logged(NOW + dt.timedelta(hours=1), NOW) is TimeProblem.NOT_YET
    assert check_logged(NOW - dt.timedelta(days=500), NOW) is TimeProblem.TOO_FAR
    assert allowed(Act.ACCEPT, status="proposed", proposed_by=1, user_id=2)
    assert not allowed(Act.ACCEPT, status="proposed", proposed_by=1, user_id=1)
    assert allowed(Act.CANCEL, status="proposed", proposed_by=1, user_id=1)
    assert not allowed(Act.CANCEL, status="proposed", proposed_by=1, user_id=2)
    assert allowed(Act.MOVE, status="confirmed", proposed_by=1, user_id=2)
    assert not allowed(Act.ACCEPT, status="confirmed", proposed_by=1, user_id=2)
    assert not allowed(Act.OTHER_TIME, status="confirmed", proposed_by=1, user_id=2)
    assert not allowed(Act.MOVE, status="cancelled", proposed_by=1, user_id=2)


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("https://meet.example.org/x?a=1&b=2", True),
        ("http://teams.example.com/l/meetup", True),
        ("javascript:alert(1)", False),
        ("https://exa mple.org", False),
        ('https://example.org/"><b>', False),
        ("ftp://example.org", False),
        ("https://" + "a" * 500, False),
    ],
)
def test_links(raw: str, ok: bool) -> None:
    assert (clean_link(raw) is not None) is ok


def test_a_logged_meeting_lies_in_the_past() -> None:
    today = dt.date(2027, 3, 24)
    assert parse_logged("3.3.", today).day == dt.date(2027, 3, 3)  # type: ignore[union-attr]
    assert parse_logged("25.3.", today).day == dt.date(2026, 3, 25)  # type: ignore[union-attr]
    logged = parse_logged("morgen", today)
    assert logged is not None and logged.day == dt.date(2027, 3, 25)  # the caller refuses it
    assert parse_logged("quatsch", today) is None
    assert parse_logged("gestern", today) == parse_when("gestern", today)


def test_a_logged_date_of_the_past_days_is_this_year() -> None:
    today = dt.date(2027, 3, 4)
    for text, day in [("2.3.", dt.date(2027, 3, 2)), ("3.3.", dt.date(2027, 3, 3))]:
        logged = parse_logged(text, today)
        assert logged is not None and logged.day == day
    for text in ("Freitag", "übermorgen"):
        logged = parse_logged(text, today)
        assert logged is not None and logged.day > today  # relative: the caller refuses it
