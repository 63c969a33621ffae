"""/profile: a participant sees their registration and changes one field of it at a time.

The dialog holds only which registration is edited (re-checked to be the user's own on every
step), the working copy of the topics and an open "Meinten Sie …?" question; a field is stored
the moment it is answered. The question for a field (`Prompt`) is shared with registration,
which asks the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.profile import (
    FIELDS_BY_NAME,
    FieldKind,
    InvalidInput,
    fields_for,
    fingerprint,
    finish_languages,
    finish_topics,
    form_of,
    parse_choice,
    parse_typed,
    switch_language,
    toggle_topic,
    topic_options,
)
from core.programs import ParticipantStatus
from services import company_choice, conversation
from services.company_choice import Offer, Question
from services.conversation import State
from services.errors import Stale
from services.unit import UnitOfWork
from storage import participants, programs

if TYPE_CHECKING:
    from storage.models import Participant, Program

FLOW = "profile"


class Editing(State):
    participant_id: int
    topics: list[str] | None = None  # the working copy while the topics are edited
    languages: list[str] | None = None  # the same for the languages spoken
    company_choice: Question | None = None


@dataclass(frozen=True)
class Prompt:
    """The question for one step (a field, or registration's summary) and why it is asked:
    `error` refused the last answer, `added` took typed topics into the open list. `offer` is
    an open "Meinten Sie …?" question, asked instead of the field."""

    step: str
    values: dict[str, Any]
    program_topics: list[str]
    program: Program | None
    offer: Offer | None = None
    error: InvalidInput | None = None
    added: bool = False


@dataclass(frozen=True)
class Toggled:
    """A topic button was pressed: the list as it is now, for the keyboard."""

    program_topics: list[str]
    selected: list[str]


@dataclass(frozen=True)
class Card:
    participant: Participant
    program: Program | None
    editable: tuple[str, ...]  # the fields that may be changed now


@dataclass(frozen=True)
class Saved:
    """A field answered: `card` after storing it, or None when the role became unchangeable
    while the dialog was open (approved meanwhile) and nothing was stored."""

    field: str
    value: Any
    card: Card | None
    program: Program | None = None  # when nothing was stored: whose team to ask


@dataclass(frozen=True)
class Picked:
    """A press on "Meinten Sie …?"; `stale` when it named no company offered (forged, or
    merged away since): the name typed is then looked up and asked about again."""

    stale: bool
    then: Prompt | Saved


def values_of(participant: Participant, form: tuple[str, ...] = ()) -> dict[str, Any]:
    """A saved registration as the field values the renderers and prompts take: the optional
    fields its program's `form` asks, and any other one that has a value (not the capacity,
    which every mentor has)."""
    asked = fields_for(form, participant.role)
    values: dict[str, Any] = {}
    for name, spec in FIELDS_BY_NAME.items():
        value = getattr(participant, name)
        if spec.optional and name not in asked and (name == "capacity" or not value):
            continue
        values[name] = str(value) if name == "capacity" else value
    return values


def form_of_program(program: Program | None) -> tuple[str, ...]:
    return form_of(program.form_fields) if program is not None else ()


def editable(participant: Participant, field: str) -> bool:
    """The role decides the matching and the tandem: only a registration not yet approved
    may change it (found by the fuzz test: a mentor in a tandem became a mentee)."""
    return field != "role" or participant.status == ParticipantStatus.PENDING


async def prompt(
    uow: UnitOfWork,
    step: str,
    values: dict[str, Any],
    program_id: int,
    question: Question | None = None,
    **why: Any,
) -> Prompt:
    program = await programs.get(uow.session, program_id)
    offer = None
    if step == "company" and question is not None:
        offer = await company_choice.offer(uow, question)
    topics = programs.topics_of(program) if program else []
    return Prompt(step, values, topics, program, offer, **why)


def toggled(program_topics: list[str], selected: list[str], index: int, check: str) -> list[str]:
    """The selection after a press on a topic button; the button names the topic by its place
    and fingerprint, so one from an older list is stale."""
    options = topic_options(program_topics, selected)
    if index >= len(options) or fingerprint(options[index]) != check:
        raise Stale("topic")
    return toggle_topic(selected, options[index])


async def card(uow: UnitOfWork) -> Card | None:
    participant = await participants.current_of_user(uow.session, uow.user_id)
    return await _card(uow, participant) if participant is not None else None


async def _card(uow: UnitOfWork, participant: Participant) -> Card:
    program = await programs.get(uow.session, participant.program_id)
    asked = fields_for(form_of_program(program), participant.role)
    fields = tuple(f for f in asked if editable(participant, f))
    return Card(participant, program, fields)


async def begin(uow: UnitOfWork, field: str) -> Prompt:
    """A field button on the card: the dialog starts at that field."""
    participant = await participants.current_of_user(uow.session, uow.user_id)
    if participant is None or field not in FIELDS_BY_NAME:
        raise Stale("profile")
    if not editable(participant, field):
        raise InvalidInput("profile.role_locked")
    state = Editing(participant_id=participant.id)
    if field == "topics":
        state.topics = list(participant.topics)
    if field == "languages":
        state.languages = list(participant.languages or [])
    await conversation.save(uow, FLOW, field, state)
    return await _prompt(uow, field, state, participant)


async def _prompt(
    uow: UnitOfWork, step: str, state: Editing, participant: Participant, **why: Any
) -> Prompt:
    values = values_of(participant, (step,))
    if step == "topics" and state.topics is not None:
        values["topics"] = state.topics
    if step == "languages" and state.languages is not None:
        values["languages"] = state.languages
    return await prompt(uow, step, values, participant.program_id, state.company_choice, **why)


async def _own(uow: UnitOfWork, state: Editing) -> Participant | None:
    """The participant being edited, re-checked to belong to this user on every step."""
    participant = await participants.get(uow.session, state.participant_id)
    if participant is None or participant.user_id != uow.user_id:
        return None
    return participant


async def _editing(uow: UnitOfWork, at: str | None = None) -> tuple[str, Editing, Participant]:
    """The open dialog of a press; without one (or not the user's own) the press is stale, and
    with `at`, so is a press for another step than the one asked now."""
    loaded = await conversation.load(uow, FLOW, Editing)
    participant = await _own(uow, loaded[1]) if loaded is not None else None
    if loaded is None or participant is None:
        raise Stale("profile dialog", edit=True)
    if at is not None and loaded[0] != at:
        raise Stale("profile step")
    return loaded[0], loaded[1], participant


async def _store(
    uow: UnitOfWork, participant: Participant, field: str, value: Any, company_id: int | None = None
) -> Saved:
    await conversation.clear(uow)
    if not editable(participant, field):  # approved while the dialog was open
        return Saved(field, value, None, await programs.get(uow.session, participant.program_id))
    await participants.update_field(
        uow.session, participant, field, value, uow.now, company_id=company_id
    )
    return Saved(field, value, await _card(uow, participant))


async def type_answer(
    uow: UnitOfWork, step: str, state: Editing, text: str | None
) -> Prompt | Saved:
    """Typed text for the field being edited. If the registration is gone the dialog ends and
    the user is told they are not registered (Stale)."""
    participant = await _own(uow, state)
    if participant is None:
        await conversation.clear(uow)
        raise Stale("registration", key="profile.none")
    spec = FIELDS_BY_NAME[step]
    try:
        value = parse_typed(spec, text, list(state.topics or []))
    except InvalidInput as error:
        return await _prompt(uow, step, state, participant, error=error)
    if spec.kind is FieldKind.TOPICS:  # typed topics join the working copy until "done"
        state.topics = list(value)
        await conversation.save(uow, FLOW, step, state)
        return await _prompt(uow, step, state, participant, added=True)
    if step == "company":
        return await _on_company(uow, state, participant, str(value))
    return await _store(uow, participant, step, value)


async def _on_company(
    uow: UnitOfWork, state: Editing, participant: Participant, typed: str
) -> Prompt | Saved:
    """The same question as at registration, so that a changed company links the directory's
    employer instead of starting a look-alike; typed text while it is open is a new answer."""
    found = await company_choice.look_up(uow, typed)
    if found.question is None:
        return await _store(uow, participant, "company", typed, found.company_id)
    state.company_choice = found.question
    await conversation.save(uow, FLOW, "company", state)
    return await _prompt(uow, "company", state, participant)


async def choose(uow: UnitOfWork, field: str, value: str) -> Saved:
    _, _, participant = await _editing(uow, field)
    return await _store(uow, participant, field, parse_choice(FIELDS_BY_NAME[field], value))


async def toggle(uow: UnitOfWork, index: int, check: str) -> Toggled:
    step, state, participant = await _editing(uow, "topics")
    program = await programs.get(uow.session, participant.program_id)
    program_topics = programs.topics_of(program) if program else []
    state.topics = toggled(program_topics, list(state.topics or []), index, check)
    await conversation.save(uow, FLOW, step, state)
    return Toggled(program_topics, state.topics)


async def done_topics(uow: UnitOfWork) -> Saved:
    _, state, participant = await _editing(uow, "topics")
    return await _store(uow, participant, "topics", finish_topics(list(state.topics or [])))


async def toggle_language(uow: UnitOfWork, code: str) -> list[str]:
    step, state, _ = await _editing(uow, "languages")
    state.languages = switch_language(list(state.languages or []), code)
    await conversation.save(uow, FLOW, step, state)
    return state.languages


async def done_languages(uow: UnitOfWork) -> Saved:
    _, state, participant = await _editing(uow, "languages")
    languages = finish_languages(list(state.languages or []))
    return await _store(uow, participant, "languages", languages)


async def skip(uow: UnitOfWork, field: str) -> Saved:
    """ "Überspringen" while editing an optional field: it is emptied."""
    _, _, participant = await _editing(uow, field)
    spec = FIELDS_BY_NAME.get(field)
    if spec is None or not spec.skippable:
        raise Stale("profile step")
    return await _store(uow, participant, field, None)


async def pick_company(uow: UnitOfWork, company_id: int | None) -> Picked:
    _, state, participant = await _editing(uow, "company")
    question = state.company_choice
    if question is None:
        raise Stale("profile step")
    chosen = await company_choice.answer(uow, question, company_id)
    if chosen is None:
        return Picked(True, await _on_company(uow, state, participant, question.typed))
    return Picked(False, await _store(uow, participant, "company", chosen.name, chosen.company_id))
