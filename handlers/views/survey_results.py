"""A survey's results as coordinators read them: in the chat (the survey card, /stats) and as
export tables.

Figures are per question, for everyone and per role; open answers are counted in the chat and
listed in the export without names (what a participant wrote is not tied to them in a file that
gets forwarded). Who asked for support or a new match is named: the coordinators act on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import Translator
from core.export_tables import Table
from core.fit import Part, escaped, fit_message, fits
from core.stats import format_decimal
from core.surveys import QuestionResult, QuestionType, aggregate, parse_questions
from handlers.views.surveys import kind_label, option_label, question_text, type_label

if TYPE_CHECKING:
    from storage.models import Program, Survey
    from storage.surveys import Answered, Reach

DECIMAL = {"de": ",", "en": "."}


def _number(lang: str, value: float | None) -> str:
    return "–" if value is None else format_decimal(value, DECIMAL.get(lang, ","))


def _question_block(t: Translator, lang: str, number: int, result: QuestionResult) -> str:
    question, everyone = result.question, result.everyone
    lines = [
        t(
            "sk.res.question",
            number=number,
            text=question_text(t, question),
            type=type_label(t, result.question),
        )
    ]
    mentors, mentees = result.by_role["mentor"], result.by_role["mentee"]
    if question.type in (QuestionType.SCALE, QuestionType.NUMBER):
        lines.append(
            t(
                "sk.res.mean",
                mean=_number(lang, everyone.mean),
                n=everyone.answered,
                mentors=_number(lang, mentors.mean),
                mentees=_number(lang, mentees.mean),
            )
        )
    elif question.type is QuestionType.CHOICE:
        for option in question.options:
            lines.append(
                t(
                    "sk.res.option",
                    label=option_label(t, option),
                    n=everyone.counts.get(option, 0),
                    mentors=mentors.counts.get(option, 0),
                    mentees=mentees.counts.get(option, 0),
                )
            )
    else:
        lines.append(t("sk.res.texts", count=everyone.answered))
    return "\n".join(lines)


def _names(t: Translator, people: Sequence[Answered]) -> Part:
    return Part(escaped([p.name for p in people]), lambda rest: t("rp.more", count=rest))


def results_messages(
    t: Translator,
    lang: str,
    survey: Survey,
    program: Program,
    answered: Sequence[Answered],
    reach: Reach,
) -> list[str]:
    """The results as one or more messages, each within Telegram's limit."""
    questions = parse_questions(survey.questions)
    results = aggregate(questions, [(a.role, a.answers) for a in answered])
    head = t(
        "sk.res.title",
        kind=kind_label(t, survey.kind),
        program=program.name,
        completed=reach.completed,
        invited=reach.invited,
        started=reach.started - reach.completed,
    )
    blocks = [head]
    support = [a for a in answered if a.wants_support]
    rematch = [a for a in answered if a.wants_rematch]
    blocks.append(
        fit_message(
            lambda names: (
                t("sk.res.support", count=len(support), names=names[0])
                + "\n"
                + t("sk.res.rematch", count=len(rematch), names=names[1])
            ),
            [_names(t, support), _names(t, rematch)],
        )
    )
    if not answered:
        blocks.append(t("sk.res.none"))
    else:
        blocks += [_question_block(t, lang, i + 1, r) for i, r in enumerate(results)]
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if current and not fits(candidate):
            messages.append(current)
            current = block
        else:
            current = candidate
    messages.append(current)
    return messages


# --- export ------------------------------------------------------------------------------------

RESULT_COLUMNS = ("survey", "number", "question", "group", "answers", "mean", "distribution")


def results_table(
    t: Translator, lang: str, surveys: Sequence[tuple[Survey, Sequence[Answered]]]
) -> Table:
    rows: list[list[str | int | float | None]] = []
    for survey, answered in surveys:
        questions = parse_questions(survey.questions)
        label = kind_label(t, survey.kind)
        for number, result in enumerate(
            aggregate(questions, [(a.role, a.answers) for a in answered]), start=1
        ):
            groups = [("all", result.everyone)] + [(r, f) for r, f in result.by_role.items()]
            for group, figures in groups:
                distribution = "; ".join(
                    f"{option_label(t, o)}: {n}" for o, n in figures.counts.items()
                )
                rows.append(
                    [
                        label,
                        number,
                        question_text(t, result.question),
                        t.plain(f"sk.group.{group}"),
                        figures.answered,
                        round(figures.mean, 2) if figures.mean is not None else None,
                        distribution or None,
                    ]
                )
    return Table(
        "survey_results",
        t.plain("sk.sheet_results"),
        [t.plain(f"sk.col.{c}") for c in RESULT_COLUMNS],
        rows,
    )


TEXT_COLUMNS = ("survey", "number", "question", "group", "answer")


def texts_table(t: Translator, surveys: Sequence[tuple[Survey, Sequence[Answered]]]) -> Table:
    """Open answers with the role only, shuffled out of name order (sorted by text)."""
    rows: list[list[str | int | float | None]] = []
    for survey, answered in surveys:
        questions = parse_questions(survey.questions)
        label = kind_label(t, survey.kind)
        for number, question in enumerate(questions, start=1):
            if question.type is not QuestionType.TEXT:
                continue
            given = sorted(
                (a.answers[question.id], a.role)
                for a in answered
                if isinstance(a.answers.get(question.id), str)
            )
            for text, role in given:
                rows.append(
                    [label, number, question_text(t, question), t.plain(f"sk.group.{role}"), text]
                )
    return Table(
        "survey_answers",
        t.plain("sk.sheet_texts"),
        [t.plain(f"sk.col.{c}") for c in TEXT_COLUMNS],
        rows,
    )
