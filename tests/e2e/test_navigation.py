"""No coordinator screen is a dead end: a walk from every coordinator command through every
button it can press.

A cohort is seeded (two programs, participants in every status, tandems with meetings, an
event, a survey draft, certificates due: the clock stands a week before the program's end).
From every command of `COORDINATOR_COMMANDS` the coordinator's screens are walked breadth-first:
every inline button with callback data is pressed once (per kind and fields, the proposal's
`version` left aside, and at most `PER_KIND` times per kind), but for the destructive kinds in
`DESTRUCTIVE`. Every screen reached (a message sent, or the message edited) must be one of:

- a screen with buttons;
- a result that names a command to go on with (`/something` in its text), or a document;
- a question the bot waits a typed answer for (a dialog is open): then /cancel must end it.

And a screen that replaced the one it was pressed on (an edit) and shows a different screen
(another first line) with buttons must have a way back: one of its buttons leads to a screen
with the first line of the one it came from. A screen sent as a new message leaves the one it
came from in the chat, so it needs no back button.

The failure message lists the walk (first line of each screen → its buttons), so a dead end is
easy to find.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter, deque
from dataclasses import dataclass, field

from bot import buttons
from bot.app import AnyApplication
from bot.commands import COORDINATOR_COMMANDS, PARTICIPANT_COMMANDS
from core.events import KINDS
from core.surveys import SurveyKind, default_questions
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import dialogs, events, surveys
from storage.db import Database
from storage.models import Meeting
from tests.e2e.buttons import callback_shapes  # noqa: F401  (registers every button kind)
from tests.e2e.harness import answer_of, refused_calls
from tests.e2e.tandems import seed_pair
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2028, 2, 22, 9, 0, tzinfo=dt.UTC)  # a week before the program year ends
PER_KIND = 4  # presses of one button kind at most: four participant cards tell what forty would
MAX_PRESSES = 400

# Presses that do something that cannot be taken back or that reaches other people: the walk
# looks at the question before them (where there is one), never at what they do.
DESTRUCTIVE = {
    ("bc", "go"),  # send a broadcast now
    ("bc", "later"),  # schedule a broadcast
    ("bc", "x"),  # cancel a scheduled broadcast
    ("bc", "r"),  # retry a broadcast
    ("bc", "ri"),  # resend interrupted messages
    ("ct", "iy"),  # issue certificates
    ("ct", "ie"),  # issue certificates before the end
    ("ct", "r"),  # deliver certificates again
    ("cy", "my"),  # merge two companies
    ("cy", "xl"),  # lift a matching exclusion
    ("dm", "y"),  # erase my data
    ("ek", "c"),  # create an event (invites everyone)
    ("ek", "xy"),  # cancel an event
    ("mt", "ok"),  # approve a matching
    ("mt", "now"),  # introduce the tandems now
    ("mt", "later"),  # introduce them later
    ("mt", "dx"),  # discard a proposal
    ("pg", "s"),  # close or archive a program
    ("pp", "s"),  # change a participant's status (approve, reject, ...)
    ("pp", "coy"),  # make a participant a coordinator
    ("pu", "y"),  # purge a program's personal data
    ("sk", "d"),  # delete a survey
    ("sk", "sy"),  # send a survey
    ("sk", "qd"),  # remove a survey question
    ("sk", "rs"),  # reset a survey
    ("td", "c"),  # count or decide a tandem's meeting
}
# Kinds whose press is a question first and the deed with a confirming field: the deed is
# destructive, the question is walked.
CONFIRMED_BY = {("sk", "c"): "confirm"}  # close a survey
# The walk reads the screens in German: switching the language would change the rest of it.
SKIPPED = {"lg:en"}
# The coordinator's commands. A participant's commands (/meet, /profile, /pause, ...) answer
# a coordinator who takes no part with a participant's note; /events and /survey have a
# coordinator's side, /cancel is sent after every question.
WALKED = [
    name
    for name in COORDINATOR_COMMANDS
    if name not in PARTICIPANT_COMMANDS or name in {"start", "events", "survey", "help"}
]
# What a message looks like to a client: restored on the parent's message before a press, so
# the bot gets each press on the screen it belongs to (siblings edited the message meanwhile).
SHOWN = ("text", "raw_text", "parse_mode", "entities", "reply_markup")
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")


@dataclass
class Screen:
    number: int
    origin: str  # the command or callback data that led here
    parent: Screen | None
    text: str
    buttons: list[tuple[str, str | None]]  # label, callback data (None: a URL button)
    edit: bool
    message_id: int
    shown: dict[str, object]  # the message as the bot left it, to show it again before a press
    document: bool = False
    children: list[Screen] = field(default_factory=list)

    @property
    def title(self) -> str:
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        return lines[0] if lines else "(no text)"

    def describe(self) -> str:
        how = "edit" if self.edit else "message"
        labels = ", ".join(f"{label} [{data}]" for label, data in self.buttons)
        parent = f" from #{self.parent.number}" if self.parent else ""
        return f"#{self.number} {how} via {self.origin}{parent}: {self.title!r} → {labels or '—'}"


@dataclass
class Before:
    """The chat before a command or press: its length, each message's edits and text."""

    count: int
    edits: dict[int, int]
    texts: dict[int, str]


def same(title: str) -> str:
    """A screen's title without its numbers: "Frage 2" moved up is "Frage 1", the same card."""
    return re.sub(r"\d+", "#", title)


def kind_of(data: str) -> tuple[tuple[str, str | None], tuple[str, ...]] | None:
    """The kind of callback data and its fields but for a proposal's version (which every
    change of a proposal counts up: the same button pressed twice is not a new screen)."""
    found = buttons.lookup(data)
    if found is None:
        return None
    kind, args = found
    names = [name for name, _ in kind.type._CODECS]
    fields = tuple(a for name, a in zip(names, args, strict=False) if name != "version")
    return (kind.type.PREFIX, kind.type.ACTION), fields


def destructive(data: str) -> bool:
    found = buttons.lookup(data)
    if found is None:
        return True  # not ours: nothing to walk
    kind, args = found
    key = (kind.type.PREFIX, kind.type.ACTION)
    if key in DESTRUCTIVE or data in SKIPPED:
        return True
    if key in CONFIRMED_BY:
        names = [name for name, _ in kind.type._CODECS]
        value = dict(zip(names, args, strict=False)).get(CONFIRMED_BY[key])
        return bool(value)
    return False


async def seed(db: Database, api: FakeBotApi) -> None:
    program = await seed_program(db, NOW, "Salzgitter <b>2027</b> & mehr")
    other = await seed_program(db, NOW, "Braunschweig 2027")
    statuses = ("pending", "active", "paused", "left", "rejected")
    for i, status in enumerate(statuses):
        for role in ("mentor", "mentee"):
            user = 5000 + 10 * i + (role == "mentee")
            name = f"{status.title()} {role.title()} <i>{i}</i>"
            await seed_participant(db, program, user, name, NOW, role=role, status=status)
            api.add_user(user, name.split()[0])
    pairs = [
        await seed_pair(db, api, NOW, program_id=program, base=6000),
        await seed_pair(db, api, NOW, program_id=program, base=6010, introduced=False),
        await seed_pair(db, api, NOW, program_id=other, base=6020),
    ]
    async with db.session() as session:
        for i, (pair, outcome) in enumerate(zip(pairs, ("held", None, "held"), strict=True)):
            starts = NOW - dt.timedelta(days=20 + i)
            session.add(
                Meeting(
                    tandem_id=pair.tandem_id,
                    status="confirmed",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=1),
                    online=False,
                    proposed_by=pair.mentee.id,
                    version=0,
                    outcome=outcome,
                    created_at=starts - dt.timedelta(days=7),
                    updated_at=starts - dt.timedelta(days=7),
                    confirmed_at=starts - dt.timedelta(days=6),
                )
            )
        await events.create(
            session,
            program_id=program,
            kind=sorted(KINDS)[0],
            title="Abschluss <b>fest</b>",
            starts_at=NOW + dt.timedelta(days=5),
            place="Rathaus & Foyer",
            created_by=9001,
            now=NOW,
        )
        await surveys.create(
            session,
            program_id=program,
            kind=SurveyKind.FINAL,
            questions=default_questions(SurveyKind.FINAL),
            created_by=9001,
            now=NOW,
        )


class Walk:
    def __init__(self, api: FakeBotApi, coordinator: FakeUser, db: Database) -> None:
        self.api, self.me, self.db = api, coordinator, db
        self.screens: list[Screen] = []
        self.results: dict[str, list[Screen]] = {}  # callback data -> screens it led to
        self.problems: list[str] = []
        self.pressed: set[tuple[tuple[str, str | None], tuple[str, ...]]] = set()
        self.per_kind: Counter[tuple[str, str | None]] = Counter()
        self.queue: deque[tuple[str, Screen]] = deque()

    def log(self) -> str:
        return "\n".join(screen.describe() for screen in self.screens)

    def snapshot(self) -> Before:
        chat = self.me.chat
        return Before(
            len(self.api._arrivals.get(self.me.id, [])),
            {m.message_id: m.edits for m in chat},
            {m.message_id: m.text for m in chat},
        )

    async def changes(self, before: Before, origin: str, parent: Screen | None) -> list[Screen]:
        count, edits, texts = before.count, before.edits, before.texts
        arrivals = self.api._arrivals.setdefault(self.me.id, [])
        if origin.startswith("/"):  # a command is answered with a message
            await self.api._wait_until(lambda: len(arrivals) > count, 5)
        await self.api.wait_idle(timeout=30, quiet=0.05)

        def edited_now() -> list[BotMessage]:
            return [
                m for m in self.me.chat if m.message_id in edits and m.edits > edits[m.message_id]
            ]

        if not origin.startswith("/") and not edited_now() and len(arrivals) == count:
            # Nothing yet: on a loaded machine the answer to the button can come a moment
            # before its screen. Waiting for that screen here keeps it from being taken for
            # the next press's (a press that shows nothing at all costs this wait once).
            await self.api.wait_change(timeout=1.0)
            await self.api.wait_idle(timeout=30, quiet=0.05)
        edited = edited_now()
        fresh = [m for m in arrivals[count:] if not m.deleted]
        self.me._cursor = len(arrivals)
        # A press the bot takes as stale (the dialog it belonged to has moved on) is answered
        # in one place, the router: an alert, and the keyboard taken off the message it was
        # on. That is no screen of its own.
        edited = [m for m in edited if m.buttons or m.text != texts[m.message_id]]
        found = [self.screen(m, origin, parent, edit=True) for m in edited]
        found += [self.screen(m, origin, parent, edit=False) for m in fresh]
        if origin != "/cancel":
            await self.check(found)
        return found

    def screen(self, message: BotMessage, origin: str, parent: Screen | None, edit: bool) -> Screen:
        made = Screen(
            number=len(self.screens) + 1,
            origin=origin,
            parent=parent,
            text=message.text,
            buttons=[(b.text, b.callback_data) for row in message.buttons for b in row],
            edit=edit,
            message_id=message.message_id,
            shown={name: copy.deepcopy(getattr(message, name)) for name in SHOWN},
            document=message.document is not None,
        )
        self.screens.append(made)
        if parent is not None:
            parent.children.append(made)
        for _, data in made.buttons:
            if data is not None and not destructive(data):
                self.queue.append((data, made))
        return made

    async def check(self, found: list[Screen]) -> None:
        """What one command or press showed: a way on, a result naming a command, or a
        question that /cancel ends. An edit without buttons next to a new message is the
        answer given, kept above the next step (the way on is below it)."""
        sent = any(not screen.edit for screen in found)
        open_ends = [
            screen
            for screen in found
            if not (screen.buttons or screen.document or COMMAND.search(screen.text))
            and not (screen.edit and sent)
        ]
        if not open_ends or any(screen.document for screen in found):
            return
        async with self.db.session() as session:
            waiting = await dialogs.get(session, self.me.id) is not None
        if not waiting:
            self.problems.extend(f"dead end: {screen.describe()}" for screen in open_ends)
            return
        before = self.snapshot()
        await self.me.send("/cancel")
        await self.changes(before, "/cancel", open_ends[-1])
        async with self.db.session() as session:
            if await dialogs.get(session, self.me.id) is not None:
                self.problems.append(
                    f"/cancel did not end the dialog of {open_ends[-1].describe()}"
                )

    async def command(self, name: str) -> None:
        before = self.snapshot()
        await self.me.send(f"/{name}")
        await self.changes(before, f"/{name}", None)

    async def press_all(self) -> None:
        presses = 0
        while self.queue and presses < MAX_PRESSES:
            data, parent = self.queue.popleft()
            identity = kind_of(data)
            assert identity is not None
            if identity in self.pressed or self.per_kind[identity[0]] >= PER_KIND:
                continue
            self.pressed.add(identity)
            self.per_kind[identity[0]] += 1
            presses += 1
            target = self.shown_again(parent)
            before = self.snapshot()
            query = await self.me.press_data(data, message=target)
            await answer_of(self.me, query)
            self.results[data] = await self.changes(before, data, parent)

    def shown_again(self, screen: Screen) -> BotMessage:
        """The message the screen was shown on, showing it again (as a client that still has
        it on screen would send the press)."""
        message = self.api._messages[self.me.id][screen.message_id]
        for name, value in screen.shown.items():
            setattr(message, name, copy.deepcopy(value))
        return message

    def leads_back(self, screen: Screen, parent: Screen) -> bool:
        """One of the screen's buttons leads to the one it came from, or further back on the
        way there (a confirmation's "back" to the card the question started from)."""
        way: set[str] = set()
        step: Screen | None = parent
        while step is not None:
            way.add(same(step.title))
            step = step.parent
        for _, data in screen.buttons:
            if data is None or data == screen.origin:
                continue
            if data == parent.origin:
                return True
            if any(same(s.title) in way for s in self.results.get(data, [])):
                return True
        return False

    def check_ways_back(self) -> None:
        for screen in self.screens:
            parent = screen.parent
            if parent is None or not screen.edit or screen.origin == "/cancel":
                continue
            if not any(data for _, data in screen.buttons) or same(screen.title) == same(
                parent.title
            ):
                continue
            if not self.leads_back(screen, parent):
                self.problems.append(
                    f"no way back to #{parent.number} {parent.title!r}: {screen.describe()}"
                )


async def test_every_coordinator_screen_has_a_way_on_or_back(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: AnyApplication
) -> None:
    await seed(db, api)
    walk = Walk(api, coordinator, db)
    for name in WALKED:
        await walk.command(name)
        await walk.press_all()
    walk.check_ways_back()
    assert len(walk.screens) > 60, walk.log()
    assert not walk.problems, "\n".join(walk.problems) + "\n\nThe walk:\n" + walk.log()
    assert refused_calls(api) == []
