"""The message catalogs: same keys and placeholders in both languages, valid Telegram HTML, every
key the code asks for exists and every key in the catalogs is used; and the translator's escaping.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.commands import COORDINATOR_COMMANDS, PARTICIPANT_COMMANDS
from bot.i18n import (
    Safe,
    Translator,
    catalog,
    placeholders,
    plural_forms,
    resolve_language,
    translator,
)
from bot.messenger import Outcome
from bot.settings import SUPPORTED_LANGUAGES
from core.address import ROLES, Case, FormOfAddress
from core.broadcasts import Audience
from core.contact import ContactField
from core.events import KINDS as EVENT_KINDS
from core.export_tables import COLUMNS as REPORT_COLUMNS
from core.meetings import DURATION_CHOICES, Act
from core.profile import DEFAULT_TOPICS, FIELDS, FieldKind, MeetingFormat, Role
from core.profile import LANGUAGES as SPOKEN
from core.programs import TRANSITIONS, ParticipantStatus, ProgramStatus
from core.stats import MeetingState
from core.surveys import OPTIONS as SURVEY_OPTIONS
from core.surveys import (
    AddType,
    Flag,
    QuestionType,
    SurveyKind,
    SurveyStatus,
    default_questions,
)
from handlers import profile as profile_flow
from handlers import programs as programs_flow
from handlers import registration as registration_flow
from handlers.views.survey_results import RESULT_COLUMNS as SURVEY_RESULT_COLUMNS
from handlers.views.survey_results import TEXT_COLUMNS as SURVEY_TEXT_COLUMNS
from services.matching import TUNABLE

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers", "core", "services")
LANGUAGES = tuple(SUPPORTED_LANGUAGES)
HOSTILE = '<b>"Müller" & Söhne</b> {x} &amp;'


def all_keys() -> set[str]:
    return set(catalog("de")) | set(catalog("en"))


# --- the two catalogs agree -------------------------------------------------------------------


def test_languages_are_german_and_english() -> None:
    assert set(LANGUAGES) == {"de", "en"}


def test_catalogs_are_not_empty_and_have_no_untranslated_entries() -> None:
    for language in LANGUAGES:
        messages = catalog(language)
        assert len(messages) > 100
        assert all(text.strip() for text in messages.values())


def test_catalogs_have_the_same_keys() -> None:
    de, en = set(catalog("de")), set(catalog("en"))
    assert sorted(de - en) == [], "only in de"
    assert sorted(en - de) == [], "only in en"


def test_catalogs_have_the_same_placeholders_per_key() -> None:
    de, en = catalog("de"), catalog("en")
    differing = {
        key: (sorted(placeholders(de[key])), sorted(placeholders(en[key])))
        for key in de.keys() & en.keys()
        if placeholders(de[key]) != placeholders(en[key])
    }
    assert differing == {}


def test_placeholders_are_plain_names() -> None:
    # No {0}, {x.attr}, {x[0]} or {x!r}: a translator must not be able to reach into objects.
    for language in LANGUAGES:
        for key, text in catalog(language).items():
            for name in placeholders(text):
                assert re.fullmatch(r"[a-z_]+", name), (language, key, name)
            conversions = [conv for _, _, _, conv in string.Formatter().parse(text) if conv]
            assert conversions == [], (language, key)


def test_placeholders_helper() -> None:
    assert placeholders("a {x} b {y} {x}") == {"x", "y"}
    assert placeholders("no fields, {{escaped}}") == set()
    assert placeholders("") == set()


# --- counts: plural forms, never "Tandem(s)" ---------------------------------------------------

# Placeholders that carry a number of things. Where one is followed by a word, that word may
# change with the number ("1 Tandem", "2 Tandems"), so the entry needs plural forms chosen by
# `count`.
COUNTS = {"count", "n", "days", "weeks", "minutes", "hours", "minimum", "mentors", "capacity"}
# Entries whose count is followed by a word that does not change with the number: a label and
# its value ("Zugestellt: 3"), "und 3 weitere", abbreviations.
INVARIANT = {
    "bc.more": "und {count} weitere / and {count} more",
    "ek.more": "the same",
    "mt.more": "the same",
    "rp.more": "the same",
    "ct.redeliver": "📨 {count} erneut zustellen / Deliver {count} again",
    "rp.meetings_disputed": "Treffen: {count} strittig / Meetings disputed: {count}",
    "field.topics.done": "Fertig ({count} gewählt) / Done ({count} chosen)",
    "td.list": "({count} aktiv) / ({count} active)",
    "ps.unit.hours": "{n} h",
    "ps.unit.minutes": "{n} min",
}
COUNT_BEFORE_WORD = re.compile(
    r"\{(" + "|".join(sorted(COUNTS)) + r")\}(?:</?[biu]>)?[ \t]*[A-Za-zÄÖÜäöüß]"
)
# Never in running text (docs: shared wording guide): "(en)", "(s)", gender colons and slashes.
MAKESHIFT_FORMS = re.compile(
    r"\w\((?:en|n|s|e|in|innen)\)|\w:innen|\w/innen|\w/in\b|Mentoren/|/Mentoren|Mentorin/"
)


def test_plural_entries_exist_in_both_languages_with_every_form() -> None:
    de, en = plural_forms("de"), plural_forms("en")
    assert len(de) >= 30
    assert sorted(de) == sorted(en)
    for language in LANGUAGES:
        for key, forms in plural_forms(language).items():
            assert len(forms) == 2, (language, key)  # de and en: one, other
            assert all(form.strip() for form in forms), (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_are_chosen_by_count_and_agree(language: str) -> None:
    for key, forms in plural_forms(language).items():
        other = placeholders(forms[-1])
        assert "count" in other, (language, key)
        for form in forms:
            assert placeholders(form) <= other, (language, key, form)
            assert html_problems(_fill(form, "7")) == [], (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_count_before_a_word_has_plural_forms(language: str) -> None:
    forms = plural_forms(language)
    singular = {
        key: text
        for key, text in catalog(language).items()
        if key not in forms and key not in INVARIANT and COUNT_BEFORE_WORD.search(text)
    }
    assert singular == {}
    # In a plural entry, only the count chooses the form: another count before a word is wrong.
    others = {
        key: form
        for key, variants in forms.items()
        for form in variants
        for match in COUNT_BEFORE_WORD.finditer(form)
        if match.group(1) != "count"
    }
    assert others == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_makeshift_plural_or_gender_forms(language: str) -> None:
    texts = [(key, text) for key, text in catalog(language).items()]
    texts += [(key, form) for key, forms in plural_forms(language).items() for form in forms]
    # The export's column headers are a table, not running text: "Mentorin/Mentor" stays there.
    running = [(key, text) for key, text in texts if not key.startswith("rp.col.")]
    assert [key for key, text in running if MAKESHIFT_FORMS.search(text)] == []


# One term for one thing (docs: shared wording guide): the glossary's term, never its rivals.
# "Koordinatorin" stays for the role a person is given with /makecoordinator; the team that
# participants turn to is the Programmleitung.
OFF_GLOSSARY = {
    "de": re.compile(
        r"Mentoring-Vereinbarung|Programmteam|Programmtermin|Kohorte|Zertifikat|Registrierung"
        r"|Koordinatorinnen und Koordinatoren|Datensatz|Dialog|Callback"
    ),
    "en": re.compile(r"mentoring agreement|programme|the coordinators|callback|dialog", re.I),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hint_at_the_privacy_notice_names_its_button(language: str) -> None:
    t = translator(language)
    assert t.plain("reg.consent.yes") in t.plain("error.no_dialog.new")


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_term_for_one_thing(language: str) -> None:
    texts = [(key, text) for key, text in catalog(language).items()]
    texts += [(key, form) for key, forms in plural_forms(language).items() for form in forms]
    assert [key for key, text in texts if OFF_GLOSSARY[language].search(text)] == []


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("de", 1, "1 Antwort,"),
        ("de", 0, "0 Antworten,"),
        ("de", 2, "2 Antworten,"),
        ("en", 1, "1 answer,"),
        ("en", 21, "21 answers,"),
    ],
)
def test_the_translator_chooses_the_plural_form(language: str, count: int, expected: str) -> None:
    t = translator(language)
    assert t("sk.res.texts", count=count).startswith(expected)
    assert t.plain("sk.res.texts", count=count).startswith(expected)


def test_a_plural_entry_without_a_numeric_count_fails_loudly() -> None:
    with pytest.raises(TypeError, match=r"sk\.res\.texts"):
        translator("de")("sk.res.texts", count="3")


# --- dates and times in the reader's locale ---------------------------------------------------


def test_dates_and_times_follow_the_reader() -> None:
    moment = dt.datetime(2027, 3, 3, 18, 0)
    de, en = translator("de"), translator("en")
    assert de.day(moment) == "Mi., 3. März 2027"
    assert en.day(moment) == "Wed 3 March 2027"
    assert de.date(moment) == "03.03.2027"
    assert en.date(moment) == "3 Mar 2027"
    assert de.time(moment) == "18:00"
    assert en.time(moment) == "6:00 pm"
    assert de.moment(moment) == "03.03.2027, 18:00 Uhr"
    assert en.moment(moment) == "3 Mar 2027, 6:00 pm"


def test_a_short_day_fits_a_button() -> None:
    """The day picker's buttons: weekday and day, no year, in the reader's form."""
    de, en = translator("de"), translator("en")
    assert de.short_day(dt.date(2027, 3, 3)) == "Mi. 03.03."
    assert en.short_day(dt.date(2027, 3, 3)) == "Wed 3 Mar"
    assert de.short_day(dt.date(2027, 12, 19)) == "So. 19.12."
    assert en.short_day(dt.date(2027, 12, 19)) == "Sun 19 Dec"


# --- Telegram HTML ----------------------------------------------------------------------------

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a"}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-z]+=\"[^\"<>]*\")*)\s*>")
ATTR = re.compile(r"\s+([a-z]+)=\"([^\"]*)\"")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def html_problems(text: str) -> list[str]:
    """A strict reading of Telegram's HTML parse mode, restricted to the tags we allow."""
    problems: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            match = TAG.match(text, i)
            if match is None:
                problems.append(f"bare or malformed '<' at {i}")
                i += 1
                continue
            closing, name, attrs = match.group(1), match.group(2), match.group(3)
            if name not in ALLOWED_TAGS:
                problems.append(f"tag <{name}> not allowed")
            if closing:
                if attrs:
                    problems.append(f"attributes on </{name}>")
                if not stack or stack[-1] != name:
                    problems.append(
                        f"</{name}> does not close {stack[-1] if stack else 'anything'}"
                    )
                else:
                    stack.pop()
            else:
                pairs = ATTR.findall(attrs)
                names = [n for n, _ in pairs]
                problems.extend(
                    f"'&' in attribute {n} is not an entity"
                    for n, v in pairs
                    if v.count("&") != len(ENTITY.findall(v))
                )
                if name == "a" and names != ["href"]:
                    problems.append("<a> needs exactly an href")
                if name != "a" and names:
                    problems.append(f"attributes on <{name}>")
                stack.append(name)
            i = match.end()
        elif ch == "&":
            match = ENTITY.match(text, i)
            if match is None:
                problems.append(f"'&' at {i} is not an entity")
                i += 1
            else:
                i = match.end()
        elif ch == ">":
            problems.append(f"bare '>' at {i}")
            i += 1
        else:
            i += 1
    problems.extend(f"<{name}> not closed" for name in stack)
    return problems


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "<b>bold</b> and <i>it</i>, <u>u</u> <s>s</s> <code>c</code> <pre>p</pre>",
        '<a href="https://t.me/x?start=AB&amp;c=1">link</a>',
        "&lt;tag&gt; &amp; &quot; &#228; &#xE4;",
        "<b><i>nested</i></b>",
    ],
)
def test_html_checker_accepts(text: str) -> None:
    assert html_problems(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "a & b",
        "a < b",
        "a > b",
        "<b>open",
        "close</b>",
        "<b><i>crossed</b></i>",
        "<div>x</div>",
        "<blockquote>x</blockquote>",
        '<b class="x">x</b>',
        "<a>no href</a>",
        '<a href="x?a=1&b=2">x</a>',
        "&nbsp;",
        "&amp",
    ],
)
def test_html_checker_rejects(text: str) -> None:
    assert html_problems(text) != []


def _hostile(template: str) -> dict[str, object]:
    """Hostile text for every placeholder but a plural entry's count, which must be a number."""
    params: dict[str, object] = dict.fromkeys(placeholders(template), HOSTILE)
    if "count" in params:
        params["count"] = 12
    return params


def _fill(template: str, value: str) -> str:
    return template.format(**dict.fromkeys(placeholders(template), value))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_valid_html_with_harmless_params(language: str) -> None:
    bad = {
        key: problems
        for key, text in catalog(language).items()
        if (problems := html_problems(_fill(text, "Text 12")))
    }
    assert bad == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_stays_valid_html_with_hostile_params(language: str) -> None:
    t = translator(language)
    bad = {}
    for key, text in catalog(language).items():
        rendered = t(key, **_hostile(text))
        if problems := html_problems(rendered):
            bad[key] = problems
        assert '<b>"Müller"' not in rendered, key
    assert bad == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_pass_the_fake_bot_api_html_parser(language: str) -> None:
    formatting = pytest.importorskip("fake_bot_api.formatting")
    parse_html = getattr(formatting, "parse_html", None)
    if parse_html is None:
        pytest.skip("fake_bot_api.formatting has no parse_html yet")
    t = translator(language)
    for key, text in catalog(language).items():
        rendered = t(key, **_hostile(text))
        plain, _entities = parse_html(rendered)
        if placeholders(text) - {"count"}:
            assert HOSTILE in plain, key


# --- every key the code uses exists, every key in the catalogs is used -------------------------


@dataclass(frozen=True)
class Use:
    """One call that looks a message up: the key (literal or f-string template), how it is shown
    (`t` renders HTML, `plain` shows verbatim, `has` only asks), and the parameter names given
    (None when some come from `**params`)."""

    where: str
    key: str
    template: bool
    kind: str
    params: frozenset[str] | None
    direct: bool  # the key is the call's own literal, not one branch of a condition


def _call_kind(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name) and func.id == "t":
        return "t"
    if isinstance(func, ast.Name) and func.id == "InvalidInput":
        return "invalid"
    if isinstance(func, ast.Name) and func.id == "Problem":
        return "t"  # services: an answer a use case cannot take, rendered by the handler
    if isinstance(func, ast.Attribute) and func.attr == "t":
        return "t"  # ctx.t(...)
    if isinstance(func, ast.Attribute) and func.attr in ("plain", "has"):
        return func.attr  # t.plain(...), ctx.t.plain(...), translator(x).plain(...)
    if isinstance(func, ast.Call):  # ctx.for_user(user)(...), translator(code)(...)
        inner = func.func
        name = inner.id if isinstance(inner, ast.Name) else getattr(inner, "attr", None)
        if name in ("for_user", "translator"):
            return "t"
    return None


def _template(node: ast.JoinedStr) -> str:
    out = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            out.append(str(part.value))
        else:
            assert isinstance(part, ast.FormattedValue)
            out.append("{" + ast.unparse(part.value) + "}")
    return "".join(out)


class _Scanner(ast.NodeVisitor):
    def __init__(self, where: str) -> None:
        self.where = where
        self.uses: list[Use] = []
        self.unresolved: list[str] = []
        self.scopes: list[dict[str, list[ast.expr]]] = [{}]

    def _visit_scope(self, node: ast.AST) -> None:
        assigned: dict[str, list[ast.expr]] = {}
        for child in ast.walk(node):
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(child.value)
        self.scopes.append(assigned)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _visit_scope
    visit_AsyncFunctionDef = _visit_scope

    def _keys(self, node: ast.expr, line: int) -> Iterator[tuple[str, bool]]:
        if isinstance(node, ast.Constant) and node.value == "":
            return  # `key = ... else ""` guarded by `if key`: no lookup
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value, False
        elif isinstance(node, ast.JoinedStr):
            yield _template(node), True
        elif isinstance(node, ast.IfExp):
            yield from self._keys(node.body, line)
            yield from self._keys(node.orelse, line)
        elif isinstance(node, ast.Name) and node.id in self.scopes[-1]:
            for value in self.scopes[-1][node.id]:
                yield from self._keys(value, line)
        elif isinstance(node, ast.Attribute) and node.attr == "key":
            return  # error.key: an InvalidInput's key, collected where it is raised
        else:
            self.unresolved.append(f"{self.where}:{line}: {ast.unparse(node)}")

    def visit_Call(self, node: ast.Call) -> None:
        if getattr(node.func, "id", None) == "Stale":  # services.errors.Stale(key=...): plain
            for keyword in node.keywords:
                if keyword.arg == "key":
                    for key, is_template in self._keys(keyword.value, node.lineno):
                        where = f"{self.where}:{node.lineno}"
                        self.uses.append(Use(where, key, is_template, "plain", frozenset(), True))
        kind = _call_kind(node.func)
        if kind is not None and node.args:
            if any(k.arg is None for k in node.keywords):
                params = None
            else:
                params = frozenset(str(k.arg) for k in node.keywords)
            first = node.args[0]
            direct = isinstance(first, (ast.Constant, ast.JoinedStr))
            for key, is_template in self._keys(first, node.lineno):
                where = f"{self.where}:{node.lineno}"
                self.uses.append(Use(where, key, is_template, kind, params, direct))
        self.generic_visit(node)


def _scan() -> tuple[list[Use], list[str]]:
    uses: list[Use] = []
    unresolved: list[str] = []
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            scanner = _Scanner(str(path.relative_to(ROOT)))
            scanner.visit(ast.parse(path.read_text(encoding="utf-8")))
            uses += scanner.uses
            unresolved += scanner.unresolved
    return uses, unresolved


USES, UNRESOLVED = _scan()

STATUSES = [s.value for s in ParticipantStatus]
TARGETS = sorted({s.value for targets in TRANSITIONS.values() for s in targets})
SETTABLE_PROGRAM_STATUSES = [ProgramStatus.OPEN.value, ProgramStatus.CLOSED.value]
FIELD_NAMES = [f.name for f in FIELDS]
CHOICES = [(f.name, c) for f in FIELDS if f.kind is FieldKind.CHOICE for c in f.choices]
COMMANDS = sorted({*PARTICIPANT_COMMANDS, *COORDINATOR_COMMANDS})


def _flows() -> list[str]:
    """Every dialog flow name: module constants FLOW / *_FLOW in handlers/ and services/ (where a
    use case keeps the dialog). /cancel answers with `cancel.<flow>` for whatever dialog is open,
    so each flow needs that message."""
    flows = []
    for path in sorted([*(ROOT / "handlers").rglob("*.py"), *(ROOT / "services").rglob("*.py")]):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and re.fullmatch(r"(?:[A-Z]+_)?FLOW", node.targets[0].id)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                flows.append(node.value.value)
    return flows


FLOWS = _flows()

# Every code core.matching can produce (read from its source, so a new code needs a message).
ENGINE_SOURCE = "\n".join(p.read_text() for p in sorted((ROOT / "core" / "matching").glob("*.py")))
REASON_CODES = sorted(
    set(re.findall(r'Reason\(\s*"([a-z_]+)"', ENGINE_SOURCE))
    | set(re.findall(r'"(pin_unknown_[a-z]+)"', ENGINE_SOURCE))
    | set(re.findall(r'code = "([a-z_]+)" if', ENGINE_SOURCE))
    | set(re.findall(r'else "([a-z_]+)" if', ENGINE_SOURCE))
    | set(re.findall(r'else "([a-z_]+)"\n', ENGINE_SOURCE))
)
RULE_CODES = [
    "same_company",
    "same_employer",
    "probably_same_employer",
    "excluded_companies",
    "language_mismatch",
    "incompatible_format",
    "forbidden",
    "previous",
]

# What each f-string key ranges over. A new f-string key in the code fails
# test_every_template_key_has_an_expansion until it is added here.
EXPANSIONS: dict[str, list[str]] = {
    "cmd.{name}": [f"cmd.{n}" for n in COMMANDS],
    "cancel.{flow}": [f"cancel.{f}" for f in FLOWS],
    "ev.{given.value}": ["ev.yes", "ev.maybe", "ev.no"],
    "ev.answer.{answer}": ["ev.answer.yes", "ev.answer.maybe", "ev.answer.no"],
    "ek.csv.{a or 'open'}": [f"ek.csv.{a}" for a in ("yes", "maybe", "no", "open")],
    "ek.csv.{column}": [f"ek.csv.{c}" for c in ("name", "role", "company", "answer")],
    "ek.edit.{f}": [f"ek.edit.{f}" for f in ("title", "when", "end", "place", "capacity")],
    "ek.edit.{name}": [f"ek.edit.{f}" for f in ("title", "when", "place", "capacity")],
    "ek.edit.ask_{field}": ["ek.edit.ask_title", "ek.edit.ask_place"],
    "field.{field}.label": [f"field.{n}.label" for n in FIELD_NAMES],
    "field.{field}.ask": [f"field.{n}.ask" for n in FIELD_NAMES],
    "choice.{field}.{value}": [f"choice.{n}.{c}" for n, c in CHOICES],
    "choice.role.{p.role}": [f"choice.role.{r}" for r in Role],
    "spoken.{code}": [f"spoken.{c}" for c in SPOKEN],
    "status.{participant.status}": [f"status.{s}" for s in STATUSES],
    "status.{status}": [f"status.{s}" for s in STATUSES],
    "status.{target}": [f"status.{s}" for s in STATUSES],
    "start.already.{existing.status}": [f"start.already.{s}" for s in STATUSES],
    "pg.status.{program.status}": [f"pg.status.{s}" for s in ProgramStatus],
    "pg.filter.{status}": [f"pg.filter.{s}" for s in STATUSES],
    "pg.set.{toggle}": [f"pg.set.{s}" for s in SETTABLE_PROGRAM_STATUSES],
    "pg.status_set.{status}": [f"pg.status_set.{s}" for s in SETTABLE_PROGRAM_STATUSES],
    "pp.to.{target}": [f"pp.to.{s}" for s in TARGETS],
    "pp.done.{target}": [f"pp.done.{s}" for s in TARGETS],
    "ps.ask.ct.{field.value}": [f"ps.ask.ct.{f.value}" for f in ContactField],
    # Looked up behind `t.has(key)`: a status without a message sends nothing.
    "participant.status.{participant.status}": [f"participant.status.{s}" for s in TARGETS],
    "mt.already.{proposal.status}": ["mt.already.approved", "mt.already.discarded"],
    "intro.undelivered.{outcome.value}": [
        f"intro.undelivered.{o.value}" for o in Outcome if o is not Outcome.SENT
    ],
    "td.status.{tandem.status}": ["td.status.active", "td.status.dissolved"],
    "meet.act.{act.value}": [f"meet.act.{a.value}" for a in Act],
    "meet.duration.{m}": [f"meet.duration.{m}" for m in DURATION_CHOICES],
    "meet.time.{problem.value}": ["meet.time.past", "meet.time.too_far"],
    "rel.{unit}": [f"rel.{u}" for u in ("minutes", "hours", "days")],
    "fb.rating.{n}": [f"fb.rating.{n}" for n in range(1, 6)],
    "fb.not_held.{outcome.value}": ["fb.not_held.postponed", "fb.not_held.cancelled"],
    "fb.log_{problem.value}": ["fb.log_not_yet", "fb.log_too_far"],  # core.meetings.TimeProblem
    "event.kind.{kind}": [f"event.kind.{k}" for k in EVENT_KINDS],
    "rp.col.{column}": [f"rp.col.{c}" for c in REPORT_COLUMNS],
    "rp.state.{state.value}": [f"rp.state.{s.value}" for s in MeetingState],
    "rp.month.{month}": [f"rp.month.{m}" for m in range(1, 13)],
    "bc.audience.{a.value}": [f"bc.audience.{a.value}" for a in Audience if a != "quiet"],
    "bc.audience.{audience.value}": [f"bc.audience.{a.value}" for a in Audience if a != "quiet"],
    "event.default_title.{kind}": [f"event.default_title.{k}" for k in EVENT_KINDS],
    "weight.{name}": [f"weight.{n}" for n in TUNABLE],
    "mt.format_hard.{hard}": ["mt.format_hard.on", "mt.format_hard.off"],
    # Looked up behind `t.has(key)` with a generic fallback, but every one must exist anyway.
    "reason.{code}": [f"reason.{c}" for c in REASON_CODES],
    "rule.{rule}": [f"rule.{c}" for c in RULE_CODES],
    "topic.{DEFAULT_TOPICS.index(topic)}": [f"topic.{i}" for i in range(len(DEFAULT_TOPICS))],
    "starter.{DEFAULT_TOPICS.index(topic)}.{role}": [
        f"starter.{i}.{r}" for i in range(len(DEFAULT_TOPICS)) for r in Role
    ],
    "choice.meeting_format.{params[name]}": [f"choice.meeting_format.{f}" for f in MeetingFormat],
    "sk.add.{kind.value}": [f"sk.add.{k.value}" for k in AddType],
    "sk.col.{c}": [f"sk.col.{c}" for c in (*SURVEY_RESULT_COLUMNS, *SURVEY_TEXT_COLUMNS)],
    "sk.group.{group}": ["sk.group.all", "sk.group.mentor", "sk.group.mentee"],
    "sk.group.{role}": ["sk.group.mentor", "sk.group.mentee"],
    "sk.short.{survey.status}": [f"sk.short.{s.value}" for s in SurveyStatus],
    "sk.type.{question.type.value}": [f"sk.type.{q.value}" for q in QuestionType if q != "scale"],
    "sv.opt.{option}": [f"sv.opt.{o}" for o in SURVEY_OPTIONS],
    "sv.problem.{value.value}": ["sv.problem.not_a_number", "sv.problem.empty"],
    "sv.flag.{wish.value}": [f"sv.flag.{f.value}" for f in Flag],
    # Behind `t.has(key)`, but the default questions must all have their wording.
    "sv.q.{question.id}": [f"sv.q.{q['id']}" for k in SurveyKind for q in default_questions(k)],
    # How the bot writes about a person: every role, form of address and case (core.address).
    "who.{role}.{form}.{case.value}": [
        f"who.{r}.{f.value}.{c.value}" for r in ROLES for f in FormOfAddress for c in Case
    ],
    "intro.who.{role}.{form}": [f"intro.who.{r}.{f.value}" for r in ROLES for f in FormOfAddress],
    "role.label.{role}.{form}": [f"role.label.{r}.{f.value}" for r in ROLES for f in FormOfAddress],
    "ct.pdf.role.{role}.{form}": [
        f"ct.pdf.role.{r}.{f.value}" for r in ROLES for f in FormOfAddress
    ],
    "ct.pdf.name.{form}": [f"ct.pdf.name.{f.value}" for f in FormOfAddress],
    "ct.pdf.tandems.{'one' if len(partners) == 1 else 'many'}": [
        "ct.pdf.tandems.one",
        "ct.pdf.tandems.many",
    ],
}
OPTIONAL_TEMPLATES = {"participant.status.{participant.status}"}


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile("[A-Za-z0-9_-]+".join(re.escape(part) for part in parts))


def _expand(use: Use, *, guess: bool = False) -> list[str]:
    if not use.template:
        return [use.key]
    if use.key in EXPANSIONS or not guess:
        return EXPANSIONS.get(use.key, [])
    # Not listed yet (test_every_template_key_has_an_expansion says so): count the catalog keys
    # it can produce as used, so that test_no_catalog_key_is_unused reports only real leftovers.
    pattern = _template_regex(use.key)
    return sorted(k for k in all_keys() if pattern.fullmatch(k))


def used_keys(*, required_only: bool = False, guess: bool = False) -> dict[str, set[str]]:
    """Key -> where it is used."""
    found: dict[str, set[str]] = {}
    for use in USES:
        if use.kind == "has" or (required_only and use.key in OPTIONAL_TEMPLATES):
            continue
        for key in _expand(use, guess=guess):
            found.setdefault(key, set()).add(use.where)
    return found


def test_the_scan_finds_the_calls() -> None:
    # Guards the scanner itself: if it stopped seeing calls, the tests below would pass vacuously.
    literal = {u.key for u in USES if not u.template}
    assert {"error.internal", "reg.privacy", "error.too_long", "mc.you_are_coordinator"} <= literal
    assert {"help.coordinator", "help.participant", "start.coordinator", "start.no_code"} <= (
        literal
    )
    assert "cmd.{name}" in {u.key for u in USES if u.template}
    assert len(USES) > 100
    flows = {registration_flow.FLOW, profile_flow.FLOW, programs_flow.FLOW}
    assert flows <= set(FLOWS)


def test_every_key_expression_is_understood() -> None:
    assert UNRESOLVED == []


def test_every_template_key_has_an_expansion() -> None:
    templates = {u.key: u.where for u in USES if u.template}
    assert {k: w for k, w in templates.items() if k not in EXPANSIONS} == {}
    assert sorted(set(EXPANSIONS) - set(templates)) == [], "stale expansions"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_used_key_exists(language: str) -> None:
    messages = catalog(language)
    missing = {k: sorted(w) for k, w in used_keys(required_only=True).items() if k not in messages}
    assert missing == {}


def test_the_decisions_a_participant_hears_about_have_messages() -> None:
    for language in LANGUAGES:
        for status in ("active", "rejected"):
            assert translator(language).has(f"participant.status.{status}")


def test_no_catalog_key_is_unused() -> None:
    assert sorted(all_keys() - set(used_keys(guess=True))) == []


def _invalid_input_keys() -> set[str]:
    return {u.key for u in USES if u.kind == "invalid"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_call_sites_pass_the_placeholders(language: str) -> None:
    messages = catalog(language)
    wrong = {}
    for use in USES:
        if use.params is None or use.kind == "has":
            continue
        for key in _expand(use):
            if key not in messages:
                continue
            expected = placeholders(messages[key])
            # Every placeholder must be given (a missing one raises KeyError at runtime); a call
            # with its own literal key must not give more either (a typo such as `progam=`).
            # A key chosen by a condition may get the parameters of the other branch too.
            given = set(use.params)
            if not expected <= given or (use.direct and given != expected):
                wrong[f"{use.where} {key}"] = (sorted(given), sorted(expected))
    assert wrong == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_shown_verbatim_contain_no_markup(language: str) -> None:
    # Button labels and callback answers are not parsed by Telegram: a tag would show as text.
    # InvalidInput keys end up in callback answers (plain) as well as in messages.
    messages = catalog(language)
    plain_keys = {k for u in USES if u.kind == "plain" for k in _expand(u)} | _invalid_input_keys()
    tagged = {k: messages[k] for k in plain_keys if k in messages and TAG.search(messages[k])}
    assert tagged == {}


# --- the translator ---------------------------------------------------------------------------


def test_params_are_escaped() -> None:
    t = translator("en")
    text = t("mc.done", name="<b>Müller & Söhne</b>")
    assert "&lt;b&gt;Müller &amp; Söhne&lt;/b&gt;" in text
    assert "<b>Müller" not in text
    assert html_problems(text) == []


def test_non_string_params_are_formatted_and_escaped() -> None:
    t = translator("en")
    assert "101" in t("error.too_long", limit=100, length=101)
    assert "100" in t("error.too_long", limit=100, length=101)


def test_params_are_not_formatted_twice() -> None:
    t = translator("de")
    text = t("mc.done", name="{name} {0} {program!r}")
    assert "{name} {0} {program!r}" in text


def test_safe_params_are_not_escaped() -> None:
    t = translator("de")
    text = t("profile.line", label="<Firma>", value=Safe("<i>Müller &amp; Söhne</i>"))
    assert "<i>Müller &amp; Söhne</i>" in text
    assert "&lt;Firma&gt;" in text
    assert html_problems(text) == []
    assert isinstance(Safe("x"), str)


def test_plain_does_not_escape_params_and_unescapes_the_template() -> None:
    t = translator("en")
    label = t.plain("profile.edit_field", label="<Müller & Söhne>")
    assert "<Müller & Söhne>" in label
    assert "&amp;" not in label and "&lt;" not in label
    usage = t.plain("mc.usage")
    assert "&lt;" not in usage
    assert "<" in usage  # the template's &lt; ... &gt; shown as the characters
    assert t("mc.usage") == catalog("en")["mc.usage"]


def test_missing_key_names_the_key_and_the_language() -> None:
    t = translator("de")
    with pytest.raises(KeyError, match=r"no\.such\.key.*de"):
        t("no.such.key")
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        t.plain("no.such.key")
    assert not t.has("no.such.key")
    assert t.has("error.internal")


def test_missing_param_is_an_error_not_a_silent_gap() -> None:
    with pytest.raises(KeyError):
        translator("en")("mc.done")


def test_translator_languages() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        Translator("fr")
    assert translator("de") is translator("de")
    assert translator("de").language == "de"
    assert translator("de")("error.internal") != translator("en")("error.internal")


@pytest.mark.parametrize(
    ("stored", "telegram", "default", "expected"),
    [
        ("en", "de", "de", "en"),  # an explicit choice wins
        ("de", "en-US", "en", "de"),
        (None, "en", "de", "en"),  # then the app language
        (None, "en-GB", "de", "en"),
        (None, "EN-us", "de", "en"),
        (None, "de-AT", "en", "de"),
        ("fr", "en", "de", "en"),  # an unsupported stored value is ignored
        ("", "en", "de", "en"),
        (None, "fr", "de", "de"),  # then the default
        (None, "pt-br", "en", "en"),
        (None, None, "de", "de"),
        (None, "", "en", "en"),
        ("fr", None, "en", "en"),
    ],
)
def test_resolve_language(
    stored: str | None, telegram: str | None, default: str, expected: str
) -> None:
    assert resolve_language(stored, telegram, default) == expected
