"""What the golden walks share: the fixed cohort, the running bot, how a message is written down
and how it is compared with its file in `docs/messages/<language>/`.

A walk is a test module that drives the real bot through part of a program year and keeps the
messages it names in its `MESSAGES`; every walk is listed in `WALKS`, so that no file there is
left without a walk (or a walk's message without a file), and no two walks claim one name.

SQLite only, on purpose: the wording does not depend on the database, and both backends are
covered by the flows' own end-to-end tests. Everything that varies is fixed by the data (the
clock, the seeded ids, the fixed names); the one value the data cannot fix, the program's
generated invitation code, is replaced in `normalise`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import AnyApplication
from core.clock import FrozenClock
from core.programs import ParticipantStatus
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import participants, users
from storage.db import Database
from storage.models import Program
from tests.conftest import fresh_database_url
from tests.e2e.harness import COORDINATOR_ID, Profile, advance, bot_running, make_settings
from tests.seeding import seed_program

GOLDEN = Path(__file__).resolve().parents[2] / "docs" / "messages"
LANGUAGES = ("de", "en")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
# The walks, each a module with its MESSAGES: together they own every file in GOLDEN.
WALKS = (
    "tests.e2e.test_golden_messages",
    "tests.e2e.test_golden_tandem",
    "tests.e2e.test_golden_program",
    "tests.e2e.test_golden_screens",
)

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PROGRAM = "Cross-Mentoring Salzgitter 2027"
INVITE_CODE = "<INVITE-CODE>"


def walks() -> dict[str, tuple[str, ...]]:
    """Each walk's module and the messages it captures."""
    return {name: importlib.import_module(name).MESSAGES for name in WALKS}


def all_names() -> set[str]:
    return {name for names in walks().values() for name in names}


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    form_of_address: str  # f | m
    role: str
    company: str
    industry: str
    position: str
    topics: tuple[str, ...]


PETRA = Person(
    5001, "Petra Schulz", "f", "mentor", "Salzgitter AG", "Stahl", "Bereichsleiterin Personal",
    ("Kommunikation", "Führung"),
)  # fmt: skip
JONAS = Person(
    5002, "Jonas Weber", "m", "mentee", "Volkswagen AG", "Automobil", "Teamleiter Logistik",
    ("Kommunikation", "Karriereplanung"),
)  # fmt: skip
SABINE = Person(
    5003, "Sabine Krüger", "f", "mentor", "Alstom", "Bahntechnik", "Werkleiterin",
    ("Netzwerken",),
)  # fmt: skip
LUKAS = Person(
    5004, "Lukas Hoffmann", "m", "mentee", "Robert Bosch GmbH", "Elektrotechnik", "Gruppenleiter",
    ("Netzwerken",),
)  # fmt: skip
COHORT = (PETRA, JONAS, SABINE, LUKAS)
# Not in the cohort: a mentee who registers through the chat in the walks that need one.
CLARA = Profile(
    role="mentee",
    name="Clara Becker",
    company="Continental AG",
    industry="Automobilzulieferer",
    position="Projektleiterin",
    topics=["Kommunikation"],
    goals="Sichtbarer werden.",
    meeting_format="both",
    form_of_address="f",
)


def normalise(text: str, invite_code: str) -> str:
    """The single place where a value the data cannot fix is replaced by a placeholder."""
    return text.replace(invite_code, INVITE_CODE)


def render(message: BotMessage, invite_code: str) -> str:
    """A message as a translator reads it: the HTML as sent, then its buttons."""
    lines = [message.raw_text.rstrip("\n")]
    if message.button_texts:
        lines += ["---", *message.button_texts]
    return normalise("\n".join(lines) + "\n", invite_code)


def golden_path(language: str, name: str) -> Path:
    return GOLDEN / language / f"{name}.txt"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite only: the wording does not depend on the database (see the module docstring)."""
    yield from fresh_database_url(request, "sqlite", tmp_path, "tandem_golden")


@dataclass
class Year:
    """The running bot, its clock and the cohort, and what a walk captured so far."""

    app: AnyApplication
    clock: FrozenClock
    api: FakeBotApi
    db: Database
    language: str
    coordinator: FakeUser
    users: dict[int, FakeUser]
    program_id: int
    names: tuple[str, ...]  # the walk's messages, in the order it captures them
    invite_code: str = ""
    captured: dict[str, str] = field(default_factory=dict)

    def user(self, person: Person) -> FakeUser:
        return self.users[person.user_id]

    def keep(self, name: str, message: BotMessage) -> BotMessage:
        assert name in self.names, f"{name} is not listed in the walk's MESSAGES"
        assert name not in self.captured, f"{name} captured twice"
        self.captured[name] = render(message, self.invite_code)
        return message

    async def advance_to(self, when: dt.datetime) -> None:
        await advance(self.app, self.clock, when - self.clock.now())
        await self.api.wait_idle()


async def seed(db: Database, language: str) -> tuple[int, str]:
    """The program and the four approved participants; returns the program id and its code."""
    program_id = await seed_program(db, NOW, PROGRAM, COORDINATOR_ID)
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        for person in COHORT:
            await users.upsert(
                session,
                user_id=person.user_id,
                identity=users.Identity(person.name.split()[0], person.name.split()[1]),
                now=NOW,
                language=language,
            )
            row = await participants.create_from_draft(
                session,
                program_id=program.id,
                user_id=person.user_id,
                draft={
                    "role": person.role,
                    "name": person.name,
                    "company": person.company,
                    "industry": person.industry,
                    "position": person.position,
                    "topics": list(person.topics),
                    "goals": "Gemeinsam wachsen.",
                    "meeting_format": "both",
                    "form_of_address": person.form_of_address,
                },
                consent_at=NOW,
                now=NOW,
            )
            row.status = ParticipantStatus.ACTIVE
        return program.id, program.invite_code


@asynccontextmanager
async def year_running(
    api: FakeBotApi, db: Database, database_url: str, language: str, names: tuple[str, ...]
) -> AsyncIterator[Year]:
    """The seeded program, the cohort and the coordinator Juliane Stockhammer in `language`, and
    the bot running on a clock that stands at NOW until the walk moves it."""
    program_id, code = await seed(db, language)
    coordinator = api.add_user(
        COORDINATOR_ID, "Juliane", "Stockhammer", username="jstockhammer", language_code=language
    )
    people = {
        p.user_id: api.add_user(
            p.user_id, p.name.split()[0], p.name.split()[1], language_code=language
        )
        for p in COHORT
    }
    clock = FrozenClock(NOW)
    settings = make_settings(api, database_url)
    async with bot_running(settings, clock=clock) as app:
        yield Year(app, clock, api, db, language, coordinator, people, program_id, names, code)


def find_data(message: BotMessage, prefix: str, suffix: str = "") -> str | None:
    """The callback data of the first button whose data starts with `prefix` (and ends with
    `suffix`): pressing by data keeps the walk the same in every language."""
    for row in message.buttons:
        for candidate in row:
            data = candidate.callback_data
            if data and data.startswith(prefix) and data.endswith(suffix):
                return data
    return None


def button_data(message: BotMessage, prefix: str, suffix: str = "") -> str:
    data = find_data(message, prefix, suffix)
    assert data is not None, f"no button {prefix}…{suffix} on\n{message.describe()}"
    return data


async def press(user: FakeUser, message: BotMessage, prefix: str, suffix: str = "") -> None:
    await user.press(button_data(message, prefix, suffix), message=message)


async def scheduled(user: FakeUser, prefix: str) -> BotMessage:
    """The next message, which must be the scheduled one with a `prefix…` button: a timer that
    fires a moment late then fails here, with the chat, instead of shifting every name after."""
    message = await user.next_message()
    button_data(message, prefix)
    return message


async def quiet(*people: FakeUser) -> None:
    """Nothing more arrived for these people than the walk has taken."""
    for person in people:
        extra = await person.collect(0.05)
        assert extra == [], "\n".join(m.describe() for m in extra)


def compare(language: str, captured: dict[str, str], names: tuple[str, ...]) -> list[str]:
    """The differences between a walk's captured messages and their files (or, with
    UPDATE_GOLDEN=1, rewrite the files and remove those that no walk captures any more)."""
    assert sorted(captured) == sorted(names), "the walk must capture every listed message"
    problems: list[str] = []
    if UPDATE:  # a message renamed or dropped takes its file with it
        owned = all_names()
        for stale in (GOLDEN / language).glob("*.txt"):
            if stale.stem not in owned:
                stale.unlink()
    for name in names:
        path = golden_path(language, name)
        actual = captured[name]
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            continue
        expected = path.read_text(encoding="utf-8") if path.exists() else ""
        if actual != expected:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=str(path.relative_to(GOLDEN.parents[1])),
                tofile="sent by the bot",
            )
            problems.append("".join(diff))
    return problems


def assert_golden(language: str, captured: dict[str, str], names: tuple[str, ...]) -> None:
    problems = compare(language, captured, names)
    assert not problems, (
        f"{len(problems)} message(s) differ from docs/messages/{language}/; if the new wording "
        "is intended, run `UPDATE_GOLDEN=1 scripts/test -k golden` and review the diff:\n\n"
        + "\n".join(problems)
    )
