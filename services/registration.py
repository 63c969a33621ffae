"""Registration: an invitation, consent, the profile fields in order, a summary, submission.

The program comes only from an invitation code, checked at the link, at consent and again at
submission (`core.programs.admits`): a replaced code or a closed program admits to nothing.
Nothing is stored before consent; after it, the draft lives in the dialog, so a restart carries
on at the same step. The participant row is written once, on confirmation, in the same
transaction that ends the dialog: nothing half-done ever sits in `participants`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, PlainSerializer

from core.profile import (
    FIELDS_BY_NAME,
    FieldKind,
    InvalidInput,
    fields_for,
    finish_languages,
    finish_topics,
    form_of,
    next_missing_field,
    parse_choice,
    parse_typed,
    switch_language,
)
from core.programs import ProgramStatus, admits, normalise_invite_code
from services import company_choice, conversation
from services.company_choice import Question
from services.conversation import State
from services.errors import Stale
from services.profile import Prompt, Toggled, prompt, toggled
from services.unit import UnitOfWork
from storage import participants, programs

if TYPE_CHECKING:
    from storage.models import Participant, Program

FLOW = "reg"
SUMMARY = "summary"


class Draft(State):
    """A registration between consent and submission, as stored in its dialog."""

    program_id: int
    # The invitation the draft rests on; None in drafts older than this record (they wait for
    # the program's current link).
    invite_code: str | None = None
    consent_at: Annotated[dt.datetime, PlainSerializer(lambda d: d.isoformat())]
    # The answers so far, by field name (plus `topics_done`, and `company_id` for a company
    # chosen from the directory); every value went through core.profile's parsers.
    draft: dict[str, Any] = Field(default_factory=dict)
    company_choice: Question | None = None
    # The optional questions of the program's form at consent (core.profile.OPTIONAL_FIELDS).
    form: list[str] = Field(default_factory=list)
    editing: bool = False  # a field changed from the summary: back to the summary after it


# --- what /start with an invitation code comes to --------------------------------------------


@dataclass(frozen=True)
class NoProgram:
    """No program has this code (mistyped, replaced): nothing about any program is said."""


@dataclass(frozen=True)
class Already:
    program: Program
    participant: Participant


@dataclass(frozen=True)
class Closed:
    program: Program | None


@dataclass(frozen=True)
class Notice:
    """The privacy notice to consent to; its button carries the code, not the program id."""

    program: Program
    code: str


@dataclass(frozen=True)
class Resumed:
    prompt: Prompt


@dataclass(frozen=True)
class Began:
    program: Program
    prompt: Prompt


@dataclass(frozen=True)
class Expired:
    """The invitation was replaced since consent: no registration; the draft waits until the
    user opens the program's current link."""


@dataclass(frozen=True)
class Submitted:
    program: Program
    participant: Participant


async def open_invitation(
    uow: UnitOfWork, raw_code: str
) -> NoProgram | Already | Resumed | Closed | Notice:
    code = normalise_invite_code(raw_code)
    program = await programs.by_invite_code(uow.session, code) if code else None
    if program is None or code is None:
        return NoProgram()
    existing = await participants.of_user_in_program(uow.session, uow.user_id, program.id)
    if existing is not None:
        return Already(program, existing)
    loaded = await conversation.load(uow, FLOW, Draft)
    if loaded is not None and loaded[1].program_id == program.id:
        step, state = loaded
        if state.invite_code != code and admits(code, program.invite_code, program.status):
            # The current link of the same program: the draft now rests on this invitation.
            state.invite_code = code
            await conversation.save(uow, FLOW, step, state)
        return Resumed(await _prompt(uow, step, state))
    if program.status != ProgramStatus.OPEN:
        return Closed(program)
    return Notice(program, code)


async def mine(uow: UnitOfWork) -> Already | None:
    """The acting user's current registration (pending, active or paused) with its program:
    what /start without a code answers someone who has registered, instead of the newcomer's
    welcome that asks for an invitation link."""
    participant = await participants.current_of_user(uow.session, uow.user_id)
    return None if participant is None else Already(participant.program, participant)


async def consent(uow: UnitOfWork, raw_code: str) -> Began | Closed | None:
    """The consent button re-validates its code, so a button with a guessed code admits to
    nothing. None: no program has the code (the refusal names none, and nothing is stored).
    The caller stores the user's row (consent is the act that allows it)."""
    code = normalise_invite_code(raw_code)
    program = await programs.by_invite_code(uow.session, code) if code else None
    if program is None:
        return None
    if not admits(code, program.invite_code, program.status):
        return Closed(program)
    if await conversation.load(uow, FLOW, Draft) is not None:
        raise Stale("registration under way")
    if await participants.of_user_in_program(uow.session, uow.user_id, program.id) is not None:
        raise Stale("registered", key="start.already.short", alert=True, edit=True)
    state = Draft(
        program_id=program.id,
        invite_code=program.invite_code.upper(),
        consent_at=uow.now,
        form=list(form_of(program.form_fields)),
    )
    await conversation.save(uow, FLOW, "role", state)
    return Began(program, await _prompt(uow, "role", state))


async def decline(uow: UnitOfWork) -> None:
    """Declining stores nothing; an old notice pressed during a registration is stale."""
    if await conversation.load(uow, FLOW, Draft) is not None:
        raise Stale("registration under way")


# --- the steps ---------------------------------------------------------------------------------


async def _prompt(uow: UnitOfWork, step: str, state: Draft, **why: Any) -> Prompt:
    asked = fields_for(state.form, state.draft.get("role"))
    # Answers to questions no longer asked (a mentor's capacity after a change to mentee) go.
    values = {k: v for k, v in state.draft.items() if k not in FIELDS_BY_NAME or k in asked}
    return await prompt(uow, step, values, state.program_id, state.company_choice, **why)


async def _draft(uow: UnitOfWork, at: str | None = None) -> tuple[str, Draft]:
    """The registration under way; with `at`, a press for another step than the one asked now
    is stale (an old keyboard, a forged button)."""
    loaded = await conversation.load(uow, FLOW, Draft)
    if loaded is None:
        raise Stale("no registration", edit=True)
    if at is not None and loaded[0] != at:
        raise Stale("registration step")
    return loaded


async def _save(uow: UnitOfWork, state: Draft, step: str) -> None:
    if step == SUMMARY:
        state.editing = False
    await conversation.save(uow, FLOW, step, state)


async def _advance(uow: UnitOfWork, state: Draft) -> Prompt:
    """On to the next missing field, or back to the summary after a change made from it."""
    state.company_choice = None
    missing = next_missing_field(state.draft, tuple(state.form))
    # After a change from the summary it comes back, unless the change added a question (a new
    # mentor's capacity): that is asked first.
    step = missing if missing and (not state.editing or missing == "capacity") else SUMMARY
    await _save(uow, state, step)
    return await _prompt(uow, step, state)


async def type_answer(uow: UnitOfWork, step: str, state: Draft, text: str | None) -> Prompt:
    """Typed input in the middle of a registration; at the summary, only buttons count."""
    if step == SUMMARY:
        return await _prompt(uow, step, state)
    spec = FIELDS_BY_NAME[step]
    draft = dict(state.draft)
    try:
        draft[step] = parse_typed(spec, text, list(draft.get("topics") or []))
    except InvalidInput as error:
        return await _prompt(uow, step, state, error=error)
    state.draft = draft
    if spec.kind is FieldKind.TOPICS:  # typed topics are added; the list stays open
        state.company_choice = None
        await _save(uow, state, step)
        return await _prompt(uow, step, state, added=True)
    if step == "company":
        return await _on_company(uow, state)
    return await _advance(uow, state)


async def _on_company(uow: UnitOfWork, state: Draft) -> Prompt:
    """A known name (or alias) is taken as that company; a name that probably is a known one is
    asked about ("Meinten Sie …?"); anything else becomes a new company on submission. Typed
    text while the question is open is simply a new answer to the company step."""
    draft = {k: v for k, v in state.draft.items() if k != "company_id"}
    found = await company_choice.look_up(uow, str(draft["company"]))
    if found.company_id is not None:
        draft["company_id"] = found.company_id
    state.draft = draft
    if found.question is not None:
        state.company_choice = found.question
        await _save(uow, state, "company")
        return await _prompt(uow, "company", state)
    return await _advance(uow, state)


async def choose(uow: UnitOfWork, field: str, value: str) -> Prompt:
    """A choice button (role, meeting format, form of address) of the step asked now."""
    _, state = await _draft(uow, field)
    if field not in FIELDS_BY_NAME:
        raise Stale("registration step")
    state.draft = {**state.draft, field: parse_choice(FIELDS_BY_NAME[field], value)}
    return await _advance(uow, state)


async def toggle(uow: UnitOfWork, index: int, check: str) -> Toggled:
    step, state = await _draft(uow, "topics")
    program = await programs.get(uow.session, state.program_id)
    program_topics = programs.topics_of(program) if program else []
    selected = toggled(program_topics, list(state.draft.get("topics") or []), index, check)
    state.draft = {**state.draft, "topics": selected}
    state.company_choice = None
    await _save(uow, state, step)
    return Toggled(program_topics, selected)


async def done_topics(uow: UnitOfWork) -> Prompt:
    _, state = await _draft(uow, "topics")
    topics = finish_topics(list(state.draft.get("topics") or []))
    state.draft = {**state.draft, "topics": topics, "topics_done": True}
    return await _advance(uow, state)


async def toggle_language(uow: UnitOfWork, code: str) -> list[str]:
    """A language button: spoken or not; the list stays open until "done"."""
    step, state = await _draft(uow, "languages")
    selected = switch_language(list(state.draft.get("languages") or []), code)
    state.draft = {**state.draft, "languages": selected}
    await _save(uow, state, step)
    return selected


async def done_languages(uow: UnitOfWork) -> Prompt:
    _, state = await _draft(uow, "languages")
    languages = finish_languages(list(state.draft.get("languages") or []))
    state.draft = {**state.draft, "languages": languages}
    return await _advance(uow, state)


async def skip(uow: UnitOfWork, field: str) -> Prompt:
    """ "Überspringen" on an optional question: kept empty, and not asked again."""
    _, state = await _draft(uow, field)
    spec = FIELDS_BY_NAME.get(field)
    if spec is None or not spec.skippable:
        raise Stale("registration step")
    state.draft = {**state.draft, field: None}
    return await _advance(uow, state)


@dataclass(frozen=True)
class Picked:
    """A press on "Meinten Sie …?"; `stale` when it named no company offered (forged, or
    merged away since): the name typed is then looked up and asked about again."""

    stale: bool
    then: Prompt


async def pick_company(uow: UnitOfWork, company_id: int | None) -> Picked:
    _, state = await _draft(uow, "company")
    question = state.company_choice
    if question is None:
        raise Stale("registration step")
    chosen = await company_choice.answer(uow, question, company_id)
    if chosen is None:
        state.draft = {**state.draft, "company": question.typed}
        return Picked(True, await _on_company(uow, state))
    draft = {k: v for k, v in state.draft.items() if k != "company_id"}
    draft["company"] = chosen.name
    if chosen.company_id is not None:
        draft["company_id"] = chosen.company_id
    state.draft = draft
    return Picked(False, await _advance(uow, state))


async def at_summary(uow: UnitOfWork) -> tuple[str, ...]:
    """The summary's menu buttons only switch its keyboard, and only at the summary; the
    fields of this person's form, for the menu."""
    _, state = await _draft(uow, SUMMARY)
    return fields_for(state.form, state.draft.get("role"))


async def edit(uow: UnitOfWork, field: str) -> Prompt:
    """A field chosen from the summary's menu: asked again, then back to the summary."""
    _, state = await _draft(uow, SUMMARY)
    if field not in fields_for(state.form, state.draft.get("role")):
        raise Stale("registration step")
    state.editing = True
    await conversation.save(uow, FLOW, field, state)
    return await _prompt(uow, field, state)


async def submit(uow: UnitOfWork) -> Submitted | Closed | Expired | Already | Prompt:
    """The confirmation: the participant row is written and the dialog ends, unless the program
    closed or its invitation was replaced since consent, or the user registered meanwhile."""
    _, state = await _draft(uow, SUMMARY)
    program = await programs.get(uow.session, state.program_id)
    if program is None or program.status != ProgramStatus.OPEN:
        await conversation.clear(uow)
        return Closed(program)
    if not admits(state.invite_code, program.invite_code, program.status):
        return Expired()
    existing = await participants.of_user_in_program(uow.session, uow.user_id, program.id)
    if existing is not None:
        await conversation.clear(uow)
        return Already(program, existing)
    missing = next_missing_field(state.draft, tuple(state.form))
    if missing is not None:  # cannot happen through the buttons; a forged sequence could try
        state.company_choice = None
        await _save(uow, state, missing)
        return await _prompt(uow, missing, state)
    participant = await participants.create_from_draft(
        uow.session,
        program_id=program.id,
        user_id=uow.user_id,
        # Only the questions asked (no capacity of a mentor who became a mentee).
        draft=(await _prompt(uow, SUMMARY, state)).values,
        consent_at=state.consent_at,
        now=uow.now,
    )
    await conversation.clear(uow)
    return Submitted(program, participant)
