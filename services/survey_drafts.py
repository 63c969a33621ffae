"""Editing a survey's draft: rewording, reordering, removing and adding questions, back to the
defaults, or deleting it; and what the coordinator types in the survey dialog.

Only a draft's questions change (the answers to a survey that went out refer to them); the
support question, which drives the flags coordinators act on, cannot be removed. New questions
go before the support question and the open ones, which close every questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from core.surveys import (
    FLAG_QUESTION,
    MAX_QUESTIONS,
    AddType,
    Question,
    SurveyKind,
    SurveyStatus,
    clean_question_text,
    default_questions,
    moved_up,
    new_question,
    parse_questions,
    removed,
    with_text,
)
from services import conversation
from services.access import coordinated
from services.errors import Stale
from services.survey_admin import (
    FLOW,
    EditState,
    Listing,
    NotDraft,
    card_of,
    draft_of,
    listing_of,
    pressed_survey,
)
from services.unit import UnitOfWork
from storage import surveys as store

if TYPE_CHECKING:
    from storage.models import Program, Survey


@dataclass(frozen=True)
class Draft:
    """A draft's questions as stored now, and what became of the question a press named."""

    survey: Survey
    questions: list[Question]
    index: int | None = None  # the question concerned; None: removed meanwhile, or forged
    saved: bool | None = None  # a change was stored (False: no longer a draft); None: no change

    @property
    def full(self) -> bool:
        return len(self.questions) >= MAX_QUESTIONS


async def editing(uow: UnitOfWork, survey_id: int) -> Draft:
    survey, _ = await draft_of(uow, survey_id)
    return _now(survey)


def _now(survey: Survey, index: int | None = None, saved: bool | None = None) -> Draft:
    return Draft(survey, parse_questions(survey.questions), index, saved)


def _find(questions: list[Question], question_id: str | None) -> int | None:
    for index, question in enumerate(questions):
        if question.id == question_id:
            return index
    return None


async def pick(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    """The draft with the index of the question (None: removed meanwhile, or forged)."""
    survey, _ = await draft_of(uow, survey_id)
    return _now(survey, _find(parse_questions(survey.questions), question_id))


async def reword(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    """The coordinator is asked for the question's new wording (the dialog waits for it)."""
    draft = await pick(uow, survey_id, question_id)
    if draft.index is not None:
        state = EditState(survey_id=draft.survey.id, question_id=question_id)
        await conversation.save(uow, FLOW, "reword", state)
    return draft


async def move_up(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    """`index` is where the question is now."""
    draft = await pick(uow, survey_id, question_id)
    if draft.index is None:
        return draft
    saved = await _store(uow, draft.survey, moved_up(draft.questions, draft.index))
    return _now(draft.survey, max(0, draft.index - 1), saved)


async def remove(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    draft = await pick(uow, survey_id, question_id)
    if draft.index is None:
        return draft
    if draft.questions[draft.index].locked:  # its screen offers no such button
        raise Stale("locked", key="sk.locked_toast", alert=True)
    saved = await _store(uow, draft.survey, removed(draft.questions, draft.index))
    return _now(draft.survey, None, saved)


async def _store(uow: UnitOfWork, survey: Survey, questions: list[Question]) -> bool:
    return await store.set_questions(uow.session, survey.id, [q.as_dict() for q in questions])


async def add(uow: UnitOfWork, survey_id: int, kind: AddType | None) -> Draft:
    """With a kind, the coordinator is asked for the new question's wording; without, they
    choose the kind first. Nothing when the draft has the most questions a survey may have."""
    survey, _ = await draft_of(uow, survey_id)
    draft = _now(survey)
    if kind is not None and not draft.full:
        state = EditState(survey_id=survey.id, type=kind.value)
        await conversation.save(uow, FLOW, "new", state)
    return draft


async def reset(uow: UnitOfWork, survey_id: int) -> Draft:
    """Back to the default questions of the survey's kind."""
    survey, _ = await draft_of(uow, survey_id)
    questions = default_questions(SurveyKind(survey.kind))
    saved = await store.set_questions(uow.session, survey.id, questions)
    return _now(survey, saved=saved)


async def delete(uow: UnitOfWork, survey_id: int) -> Listing:
    survey, program = await pressed_survey(uow, survey_id)
    if not await store.delete_draft(uow.session, survey.id):
        raise NotDraft(await card_of(uow, survey, program))
    return await listing_of(uow, program)


# --- typed wording -------------------------------------------------------------------------------


class Typed(StrEnum):
    GONE = "gone"  # the survey or the question is gone, or the dialog does not fit: ended
    NOT_DRAFT = "not_draft"  # sent meanwhile: ended
    BAD_TEXT = "bad_text"  # empty or too long: asked again, the dialog stays
    TOO_MANY = "too_many"  # the draft filled up meanwhile: ended
    SAVED = "saved"  # stored: ended
    WHEN = "when"  # the dialog waits for a time to send: the caller reads it


@dataclass(frozen=True)
class TypedText:
    outcome: Typed
    draft: Draft | None = None  # SAVED: the questions now
    survey: Survey | None = None  # WHEN
    program: Program | None = None  # WHEN


async def typed(uow: UnitOfWork, step: str, state: EditState, raw: str) -> TypedText:
    """What the coordinator typed in the dialog: a wording, or (step "when") a time, which is
    handed back for reading in the program's zone."""
    survey = await store.get(uow.session, state.survey_id) if state.survey_id is not None else None
    program = await coordinated(uow, survey.program_id) if survey else None
    if survey is None or program is None:
        return await _ended(uow, Typed.GONE)
    if survey.status != SurveyStatus.DRAFT.value:
        return await _ended(uow, Typed.NOT_DRAFT)
    if step == "when":
        return TypedText(Typed.WHEN, survey=survey, program=program)
    wording = clean_question_text(raw)
    if wording is None:
        return TypedText(Typed.BAD_TEXT)
    questions = parse_questions(survey.questions)
    if step == "reword":
        index = _find(questions, state.question_id)
        if index is None:
            return await _ended(uow, Typed.GONE)
        questions = with_text(questions, index, wording)
    else:
        if state.type not in set(AddType):
            return await _ended(uow, Typed.GONE)
        if len(questions) >= MAX_QUESTIONS:
            return await _ended(uow, Typed.TOO_MANY)
        # New questions go before the support question and the open ones, which close it.
        position = _find(questions, FLAG_QUESTION)
        added = new_question(questions, AddType(state.type), wording)
        questions.insert(len(questions) if position is None else position, added)
    await _store(uow, survey, questions)
    await conversation.clear(uow)
    return TypedText(Typed.SAVED, _now(survey))


async def _ended(uow: UnitOfWork, outcome: Typed) -> TypedText:
    await conversation.clear(uow)
    return TypedText(outcome)
