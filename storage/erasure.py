"""Erasure of everything stored about one person (GDPR Art. 17, `/deleteme`).

The counterpart of `storage.privacy` (what is stored, for the right of access), kept apart
because erasing is the larger and riskier job: it changes rows of other people (the partner's
tandem, meetings, matching rounds) in one transaction, and every column that can hold a
Telegram id must be accounted for (`person_columns`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    String,
    Text,
    cast,
    delete,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.erasure import ERASED, Scrubber
from core.meetings import MeetingStatus
from core.programs import ParticipantStatus
from core.reminders import Kind, State
from core.surveys import QuestionType, parse_questions
from core.tandems import ERASED_REASON, TandemStatus
from storage import notes
from storage.models import (
    AuditEntry,
    Base,
    Company,
    Dialog,
    MatchProposal,
    Meeting,
    MeetingFeedback,
    Participant,
    Reminder,
    Survey,
    SurveyResponse,
    Tandem,
    User,
)
from storage.reminders import FINISHED_PAYLOAD

ERASED_NAME = ERASED  # what lists show for an erased participant

# Telegram ids live in BigInteger columns (models.py). Every such column is a reference to a
# person unless it is named here, and erasure takes the person out of all of them: a row
# addressed to the person (a NOT NULL id: their role, their copy of a broadcast, their dialog)
# goes, any other reference becomes NULL (their reminders that went out stay for the counts,
# those never to be sent are deleted first). A new NOT NULL id column must
# be added to one of these sets (`person_columns` refuses otherwise; a test calls it).
NOT_A_PERSON = frozenset({"processed_updates.update_id", "broadcasts.progress_message_id"})
ADDRESSED_TO = frozenset({"coordinators.user_id", "deliveries.user_id", "dialogs.user_id"})


def person_columns() -> list[tuple[Column[Any], bool]]:
    """(column, rows go) for every column that can hold a Telegram user id, but `users.id`."""
    found: list[tuple[Column[Any], bool]] = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            if (
                not isinstance(column.type, BigInteger)
                or name in NOT_A_PERSON
                or name == "users.id"
            ):
                continue
            addressed = name in ADDRESSED_TO
            if not addressed and not column.nullable:
                raise RuntimeError(f"{name} holds a user id: say in storage.erasure what erases it")
            found.append((column, addressed))
    return found


@dataclass(frozen=True)
class Departure:
    """One erased registration, as it was: who is to be told what."""

    program_id: int
    name: str
    role: str
    partners: list[Participant]  # of the tandems that ended (still introduced ones only)
    form_of_address: str = "n"  # so that the partner reads "Ihre Mentorin Petra Schulz hat …"


async def erase(session: AsyncSession, user_id: int, now: dt.datetime) -> list[Departure]:
    """Erase a person's data in one transaction, leaving nothing that names or points at them.

    Registrations stay as anonymous rows (no user, no profile, status "left"), so that the
    partner's tandem, its meetings and the program's figures keep their numbers; active
    tandems end and their upcoming meetings are cancelled. What others' rows copied from the
    person goes too: places and links of their tandems' meetings, score and dissolve reasons,
    their entries in matching rounds, notices about them not sent yet, audit details. Survey
    answers to scale, choice and number questions stay for the figures, detached from the
    registration (only its role is kept); open answers, feedback notes and the private answer
    whether the tandem fits go, and so do their tandem notes and the team's messages to them
    alone (others' notes lose what names them: `storage.notes`). What is addressed to them
    (roles, deliveries, their dialog, reminders never to be sent) and the user row are
    deleted, and every other column holding their Telegram id is set to NULL.
    """
    user = await session.get(User, user_id)
    participants = list(
        (await session.scalars(select(Participant).where(Participant.user_id == user_id))).all()
    )
    mine = [p.id for p in participants]
    departures = [await _end_tandems(session, person, now) for person in participants]
    tandems = list(
        (
            await session.scalars(
                select(Tandem)
                .where(or_(Tandem.mentor_id.in_(mine), Tandem.mentee_id.in_(mine)))
                .execution_options(populate_existing=True)  # just dissolved by _end_tandems
            )
        ).all()
    )
    tandem_ids = [t.id for t in tandems]
    meetings = list(
        (await session.scalars(select(Meeting).where(Meeting.tandem_id.in_(tandem_ids)))).all()
    )
    comments = (
        await session.scalars(
            select(MeetingFeedback.comment).where(MeetingFeedback.participant_id.in_(mine))
        )
    ).all()
    responses = list(
        (
            await session.scalars(
                select(SurveyResponse).where(SurveyResponse.participant_id.in_(mine))
            )
        ).all()
    )
    typed = [
        *(p.name for p in participants),
        *(p.goals for p in participants),
        *(p.location for p in participants),
        *(p.profile_url for p in participants),
        *(m.place for m in meetings),
        *(m.link for m in meetings),
        *comments,
        *(v for r in responses for v in r.answers.values() if isinstance(v, str)),
    ]
    if user is not None:
        typed += [" ".join(filter(None, (user.first_name, user.last_name))), user.username]
    # Who they are (for texts about them) and what their profile said (for match reasons).
    identity = Scrubber.of(user_id, typed)
    profile = Scrubber.of(
        user_id, typed + [v for p in participants for v in (p.company, p.industry, p.position)]
    )

    for tandem in tandems:
        await session.execute(
            update(Tandem)
            .where(Tandem.id == tandem.id)
            .values(
                reasons=profile.json(tandem.reasons),
                # All of them are dissolved now; a coordinator's reason may name the person.
                dissolve_reason=ERASED_REASON,
            )
            .execution_options(synchronize_session=False)
        )
    if tandem_ids:
        await session.execute(
            update(Meeting)
            .where(Meeting.tandem_id.in_(tandem_ids))
            .values(place=None, link=None)
            .execution_options(synchronize_session=False)
        )
    await notes.erase_person(session, user_id, tandems, set(mine), identity)
    await _scrub_proposals(session, {p.program_id for p in participants}, set(mine), profile)
    if mine:
        await session.execute(
            update(Participant)
            .where(Participant.id.in_(mine))
            .values(
                user_id=None,
                erased_at=now,
                status=ParticipantStatus.LEFT,
                name=ERASED_NAME,
                company="",
                company_id=None,
                industry="",
                position="",
                topics=[],
                goals="",
                form_of_address="n",  # how they wished to be addressed is theirs too
                # The optional questions of the registration form (core.profile).
                location=None,
                latitude=None,
                longitude=None,
                languages=None,
                profile_url=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            # Whether it took place and the rating stay (facts about a meeting); the note and
            # the private answer about the partner ("does not fit", a rematch wish) go.
            update(MeetingFeedback)
            .where(MeetingFeedback.participant_id.in_(mine))
            .values(comment=None, fits=None, rematch_requested=None)
            .execution_options(synchronize_session=False)
        )
        await _forget_unreviewed_companies(session, {p.company_id for p in participants})
    await _detach_responses(session, responses, {p.id: p.role for p in participants})
    await _forget_mentions(session, identity)
    # Never to be sent (pending: nobody to send it to any more; cancelled): they go. Those sent
    # or tried stay, anonymous, for the counts (a survey's reach).
    await session.execute(
        delete(Reminder).where(
            Reminder.user_id == user_id,
            Reminder.state.in_((State.PENDING.value, State.CANCELLED.value)),
        )
    )
    await session.execute(  # keys name the recipient ("sv3.u4711"); a row's id is unique too
        update(Reminder)
        .where(Reminder.user_id == user_id)
        .values(key=literal("erased.", String) + cast(Reminder.id, String))
        .execution_options(synchronize_session=False)
    )
    for column, addressed in person_columns():
        statement: Any = (
            delete(column.table) if addressed else update(column.table).values({column.name: None})
        )
        await session.execute(
            statement.where(column == user_id).execution_options(synchronize_session=False)
        )
    await session.execute(delete(User).where(User.id == user_id))
    await session.flush()
    for person in participants:
        await session.refresh(person)
    return departures


async def _forget_unreviewed_companies(session: AsyncSession, ids: set[int | None]) -> None:
    """A company name that only this person typed and no coordinator has reviewed is known only
    through them (a small firm can name a person as well as a name does): it goes with them.
    Names a coordinator reviewed, merged or grouped are the program team's directory and stay."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return
    still_named = select(Participant.id).where(Participant.company_id == Company.id).exists()
    await session.execute(
        delete(Company)
        .where(Company.id.in_(wanted), Company.reviewed_at.is_(None), ~still_named)
        .execution_options(synchronize_session=False)
    )


async def _end_tandems(session: AsyncSession, person: Participant, now: dt.datetime) -> Departure:
    """End the person's active tandems and cancel what was planned for them."""
    tandems = (
        await session.scalars(
            select(Tandem).where(
                or_(Tandem.mentor_id == person.id, Tandem.mentee_id == person.id),
                Tandem.status == TandemStatus.ACTIVE,
            )
        )
    ).all()
    partners: list[Participant] = []
    for tandem in tandems:
        await session.execute(
            update(Tandem)
            .where(Tandem.id == tandem.id, Tandem.status == TandemStatus.ACTIVE)
            .values(status=TandemStatus.DISSOLVED, dissolved_at=now, dissolve_reason=ERASED_REASON)
            .execution_options(synchronize_session=False)
        )
        upcoming = select(Meeting.id).where(
            Meeting.tandem_id == tandem.id,
            Meeting.status.in_((MeetingStatus.PROPOSED.value, MeetingStatus.CONFIRMED.value)),
            Meeting.starts_at > now,
        )
        meeting_ids = list((await session.scalars(upcoming)).all())
        if meeting_ids:
            await session.execute(
                update(Meeting)
                .where(Meeting.id.in_(meeting_ids))
                .values(status=MeetingStatus.CANCELLED.value, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        await session.execute(
            update(Reminder)
            .where(
                Reminder.state == State.PENDING.value,
                or_(Reminder.tandem_id == tandem.id, Reminder.meeting_id.in_(meeting_ids)),
            )
            .values(state=State.CANCELLED.value, done_at=now, payload=FINISHED_PAYLOAD)
            .execution_options(synchronize_session=False)
        )
        other = tandem.mentee_id if tandem.mentor_id == person.id else tandem.mentor_id
        partner = await session.get(Participant, other)
        if partner is not None and tandem.introduced_at is not None:
            partners.append(partner)
    return Departure(person.program_id, person.name, person.role, partners, person.form_of_address)


async def _scrub_proposals(
    session: AsyncSession, program_ids: set[int], mine: set[int], profile: Scrubber
) -> None:
    """Matching rounds keep the engine's reasons per pair, with profile values in them: the
    person's pairs and the round's problems lose them; other pairs stay as they were."""
    proposals = (
        await session.scalars(
            select(MatchProposal).where(MatchProposal.program_id.in_(program_ids))
        )
    ).all()
    for proposal in proposals:
        result = dict(proposal.result)
        result["pairs"] = [
            profile.json(p) if {p.get("mentor"), p.get("mentee")} & mine else p
            for p in result.get("pairs") or []
        ]
        result["unmatched"] = [
            profile.json(u) if u.get("mentee") in mine else u for u in result.get("unmatched") or []
        ]
        result["problems"] = profile.json(result.get("problems") or [])
        if result != proposal.result:
            await session.execute(
                update(MatchProposal)
                .where(MatchProposal.id == proposal.id)
                .values(result=result)
                .execution_options(synchronize_session=False)
            )


async def _detach_responses(
    session: AsyncSession, responses: list[SurveyResponse], roles: dict[int, str]
) -> None:
    """Scale, choice and number answers stay, so that a survey's results do not change; they
    no longer point at the registration (which a partner could tell), only at its role."""
    for response in responses:
        assert response.participant_id is not None  # selected by it
        survey = await session.get(Survey, response.survey_id)
        kinds = {q.id: q.type for q in parse_questions(survey.questions if survey else [])}
        kept = {
            k: v
            for k, v in response.answers.items()
            if kinds.get(k) not in (QuestionType.TEXT, None)
        }
        await session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.id == response.id)
            .values(answers=kept, participant_id=None, role=roles[response.participant_id])
            .execution_options(synchronize_session=False)
        )


async def _forget_mentions(session: AsyncSession, identity: Scrubber) -> None:
    """Texts about the person in rows that are not theirs: notices not sent yet (sent ones keep
    no text), other people's dialogs, audit details. Their own audit entries keep the action."""
    notices = (
        await session.scalars(
            select(Reminder).where(
                Reminder.state == State.PENDING.value, Reminder.kind == Kind.NOTICE.value
            )
        )
    ).all()
    about = [n.id for n in notices if identity.mentioned_in(n.payload)]
    if about:
        await session.execute(
            update(Reminder)
            .where(Reminder.id.in_(about), Reminder.state == State.PENDING.value)
            .values(state=State.CANCELLED.value, payload={})
            .execution_options(synchronize_session=False)
        )
    dialogs = (await session.scalars(select(Dialog))).all()
    stale = [d.user_id for d in dialogs if identity.mentioned_in(d.data)]
    if stale:
        await session.execute(delete(Dialog).where(Dialog.user_id.in_(stale)))
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.user_id == identity.user_id)
        .values(detail={})
        .execution_options(synchronize_session=False)
    )
    entries = (
        await session.scalars(
            select(AuditEntry).where(
                cast(AuditEntry.detail, Text).like(f"%{identity.user_id}%"),
                or_(AuditEntry.user_id.is_(None), AuditEntry.user_id != identity.user_id),
            )
        )
    ).all()
    for entry in entries:
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(detail=identity.json(entry.detail))
            .execution_options(synchronize_session=False)
        )
