"""Fuzzing deep into the flows: a walker that mostly does what the bot asks for, and in between
everything it does not.

`test_fuzz_updates.py` throws random updates at the bot from outside. This test goes inside:
twelve people (a coordinator of all programs, a coordinator of a second program only, a tandem,
two unmatched participants and a pending registration with HTML in their names, a tandem of the
second program, two newcomers with the invite code and a stranger) walk through flows: a command
of their menu, then the buttons really on the newest message or a plausible answer to a text
prompt, so that registrations, meetings, feedback, matching, broadcasts, surveys, events and
the coordinators' cards are actually reached. In between, at any step: presses of any button on
their last ten keyboards (stale ones included), hostile text (random unicode, HTML-like text,
HTML that would parse, up to Telegram's 4096 characters: 12 kB of UTF-8), every command with
random arguments, stickers and photos with captions, forged callback data (random strings up to
Telegram's 64 bytes, every `pack(...)` shape in the handlers with random ids, mutations of data
the bot really sent, another person's real buttons replayed), edited messages (Telegram holds
them back: the bot does not ask for them), messages in a group chat the bot is in, new groups
it is added to (and leaves), blocking the bot, and the clock jumping ahead so that reminders,
nudges and introductions fire in whatever state the fuzz left behind.

One bot runs for the whole test (a bot per example would spend the time starting); each
hypothesis example is one batch of about 80 updates, 2,400 per database in all. The summary
(`-s`) says how many of which kind were sent and how far the flows got. After every batch:

- no call the stand-in refused (400: unescaped HTML, overlong text, oversized callback data,
  empty text, an edit of a missing message), except messages to someone who blocked the bot
  (403) and edits that change nothing;
- no ERROR in the log of the bot, its handlers, core, storage, PTB or the scheduler, and
  "something went wrong" never sent or shown;
- every button press answered (answerCallbackQuery);
- no formatting the bot never uses (underline, strikethrough, spoiler, links but to a partner's
  chat, quotes) in any message: user text rendered as HTML, even where it happens to parse;
- nothing about the first program (names of its participants) reaches the second program's
  coordinator or participants;
- the database invariants in `INVARIANTS`, and dialogs of known flows only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot import buttons, dialogs, router
from bot.app import ALLOWED_UPDATES, AnyApplication
from bot.commands import COORDINATOR_COMMANDS, PARTICIPANT_COMMANDS
from bot.i18n import translator
from bot.settings import Settings
from core.clock import FrozenClock
from fake_bot_api import FakeBotApi, FakeUser
from fake_bot_api.user import FakeGroup
from storage import users
from storage.db import Database
from storage.models import Program
from tests.e2e.buttons import callback_shapes
from tests.e2e.harness import advance, bot_running, refused_calls
from tests.e2e.tandems import seed_pair
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)  # a Tuesday, in the first program's year
LATEST = NOW + dt.timedelta(days=150)  # the clock jumps no further: the programs keep running
EXAMPLES = 30
UPDATES = 80  # per example (a batch): 2,400 in all; a batch's actions stop at that budget
BATCH = 80  # actions drawn per batch, enough for the budget (a walk is several updates)
QUIET = 0.01  # seconds without a call to the stand-in: the bot has answered

# -- what the handlers can produce ------------------------------------------------------------


def known_flows() -> frozenset[str]:
    """Every dialog flow in the registry (bot/dialogs.py), which importing every flow fills:
    the only names a stored dialog may carry."""
    router.load_all()
    return frozenset(dialogs.FLOWS)


FLOWS = known_flows()
SHAPES = callback_shapes()
PREFIXES = sorted(buttons.prefixes())
NO_DIALOG = {
    translator(lang).plain(key)
    for lang in ("de", "en")
    for key in ("error.no_dialog", "error.no_dialog.new")
}
INTERNAL_ERRORS = {translator(lang).plain("error.internal") for lang in ("de", "en")}
# Formatting the bot itself never uses (but for links to a partner's chat, `MENTION`): in a
# bot message it can only come from user input rendered as HTML.
INJECTED = {"underline", "strikethrough", "spoiler", "text_link", "blockquote", "pre"}
MENTION = "tg://user?id="
# Surnames of the first program's people: never in a chat of the second program's people.
FIRST_PROGRAM_ONLY = ("Emil Mentee", "Unterstrich", "Geheimagentin", "Wartend")


def test_the_scans_see_the_flows_and_buttons() -> None:
    assert {"reg", "meet", "newprogram", "broadcast", "survey"} <= FLOWS
    assert {parts[0] for parts in SHAPES} >= set(PREFIXES) - {"lg"}
    assert len(SHAPES) > 100


# -- strategies -------------------------------------------------------------------------------

Text = str | tuple[str, int]  # a string, or a short piece and how often to repeat it


def clip(text: str, units: int) -> str:
    """At most `units` UTF-16 code units, the way Telegram counts a message's length."""
    return text.encode("utf-16-le")[: 2 * units].decode("utf-16-le", errors="ignore")


def expand(value: Text) -> str:
    """The text a user sends. A repeated piece is drawn as (piece, times) so that hypothesis
    keeps and prints a short value, not 10 kB. Telegram delivers no longer message than 4096
    characters (a client splits a longer one), so that is the most there is to fuzz with:
    12 kB of UTF-8 in "€" * 4096."""
    return clip(value if isinstance(value, str) else value[0] * value[1], TELEGRAM_TEXT)


TELEGRAM_TEXT, TELEGRAM_CAPTION = 4096, 1024
# 12 kB, 8 kB, 8 kB (𝕏 is two UTF-16 units), and HTML that grows when escaped
REPEATED = [("€", 4096), ("ü", 4096), ("𝕏", 2048), ("<b>&amp;</b>", 342)]
HOSTILE = [
    "<b>fett</b> & <i>",
    "</i></b></code>",
    "<b><i>verschachtelt</b></i>",
    "</a><script>alert(1)</script>",
    "&amp;&lt;&#0;&#x110000;&bogus;",
    "a < b && c > d",
    "<3 <<>> ><",
    "\u202eevil\u202c \u200f\u200b\ufeff",
    "🧑‍🤝‍🧑" * 50,
    "Müller & Söhne <GmbH>",
    "' OR 1=1; --",
    "{name} {0} %s %(x)s ${x} {{x}}",
    "a\n\n\n\nb",
]
INJECTION = [
    "<u>unterstrichen</u>",
    "<s>durch</s><del>gestrichen</del>",
    "<tg-spoiler>geheim</tg-spoiler>",
    '<span class="tg-spoiler">auch geheim</span>',
    '<a href="https://evil.example/">klick mich</a>',
    "<blockquote>Zitat</blockquote>",
    '<pre><code class="language-python">x</code></pre>',
]
PLAUSIBLE = [
    "morgen 18 Uhr",
    "übermorgen 9:30",
    "25.6. 17:30",
    "1.7.2027 10:00",
    "in 3 Tagen 14 Uhr",
    "heute 20 Uhr",
    "gestern",
    "tomorrow 6pm",
    "90 min",
    "2 Std.",
    "0",
    "1",
    "2",
    "5",
    "12",
    "ja",
    "nein",
    "Anna Schmidt",
    "Alstom",
    "Bahntechnik",
    "Leitung",
    "Kommunikation, Resilienz",
    "Café <Müller> & Söhne",
    "https://meet.example.org/t?a=1&b=2",
    "2027-09-01",
    "01.09.2027 18:00",
    "Sommerfest <b>2027</b> & Grillen",
    "Hallo & willkommen <3",
    "@mentee2000",
    "-",
    "ok",
]
ODD_IDS = ["0", "-1", "999999", "9" * 18, "9" * 19, "٣", "1e3", " 1", "0x1", "", "None", "1.5"]

printable = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
text_strategy: st.SearchStrategy[Text] = st.one_of(
    st.text(printable, min_size=1, max_size=200).filter(str.strip),
    st.sampled_from([*HOSTILE, *INJECTION, *REPEATED]),
    st.lists(st.sampled_from([*HOSTILE, *INJECTION, *PLAUSIBLE]), min_size=2, max_size=6).map(
        " ".join
    ),
    st.tuples(st.text(printable, min_size=1, max_size=8).filter(str.strip), st.integers(500, 4096)),
)
id_strategy = st.one_of(st.integers(0, 30).map(str), st.sampled_from(ODD_IDS))


def fit(data: str) -> str:
    """Callback data as a Telegram client can send it: 1 to 64 bytes of UTF-8."""
    return data.encode()[:64].decode(errors="ignore") or "x"


def fill(shape: tuple[str | None, ...], ids: list[str]) -> str:
    return fit(":".join(part if part is not None else ids[i] for i, part in enumerate(shape)))


forged_strategy = st.one_of(
    st.text(printable, min_size=1, max_size=64).map(fit),
    st.binary(min_size=1, max_size=64).map(lambda raw: fit(raw.decode("latin-1"))),
    st.builds(fill, st.sampled_from(SHAPES), st.lists(id_strategy, min_size=8, max_size=8)),
    st.builds(
        lambda prefix, parts: fit(":".join([prefix, *parts])),
        st.sampled_from(PREFIXES),
        st.lists(id_strategy, max_size=5),
    ),
)
COMMANDS = sorted(
    {*PARTICIPANT_COMMANDS, *COORDINATOR_COMMANDS}
    | {"nonsense", "start@TandemTestBot", "help@OtherBot", "START", "meet@TandemTestBot"}
)
KINDS = (
    ["walk"] * 8
    + ["press"] * 22
    + ["answer"] * 10
    + ["hostile"] * 8
    + ["command"] * 12
    + ["invite"] * 4
    + ["forge"] * 5
    + ["mutate"] * 6
    + ["replay"] * 5
    + ["sticker", "photo"] * 2
    + ["edit"] * 4
    + ["group"] * 3
    + ["newgroup", "block", "advance"]
)
MUTATIONS = ["id", "id", "drop", "add", "prefix", "cut", "twice"]
DELTAS = [dt.timedelta(minutes=5), dt.timedelta(hours=1), dt.timedelta(hours=7)] + [
    dt.timedelta(days=d) for d in (1, 1, 3, 8)
]


@dataclass(frozen=True, repr=False)
class Action:
    """One step, drawn whole before it runs. What the bot's state decides (which message, which
    button, which real callback data) is chosen with `picks` modulo what is there, and which
    fields are drawn depends on `kind` alone: the draws never depend on the bot, so hypothesis
    sees the same shape of data whatever the bot did."""

    kind: str
    who: int
    settle: bool  # let the bot answer before the next step
    picks: tuple[int, int, int]
    steps: tuple[int, ...] = ()  # a walk's choices, step by step
    text: Text = "-"
    plausible: str = "-"
    argument: int = 0  # 0: none, 1: one that means something to the bot, 2: random text
    command: str = "help"
    forged: str = "x"
    ident: str = "1"
    mutation: str = "id"
    delta: dt.timedelta = dt.timedelta(0)

    def __repr__(self) -> str:
        drawn = ", ".join(
            f"{name}={value!r}"
            for name, value in vars(self).items()
            if name in ("kind", "who") or value != getattr(Action, name, None)
        )
        return f"Action({drawn})"


small = st.integers(0, 1000)
TEXTUAL = {"press", "answer", "hostile", "command", "invite", "photo", "edit", "group", "newgroup"}


@st.composite
def actions(draw: st.DrawFn) -> Action:
    kind = draw(st.sampled_from(KINDS))
    fields: dict[str, Any] = {
        "kind": kind,
        "who": draw(small),
        "settle": draw(st.integers(0, 9)) < 6,
        "picks": draw(st.tuples(small, small, small)),
    }
    if kind == "walk":
        fields["steps"] = tuple(draw(st.lists(small, min_size=2, max_size=16)))
    if kind in TEXTUAL:
        fields["text"] = draw(text_strategy)
        fields["plausible"] = draw(st.sampled_from(PLAUSIBLE))
    if kind in ("command", "invite"):
        fields["argument"] = draw(st.integers(0, 2))
    if kind in ("command", "edit", "group"):
        fields["command"] = draw(st.sampled_from(COMMANDS))
    if kind == "forge":
        fields["forged"] = draw(forged_strategy)
    if kind == "mutate":
        fields["mutation"] = draw(st.sampled_from(MUTATIONS))
        fields["ident"] = draw(id_strategy)
    if kind == "advance":
        fields["delta"] = draw(st.sampled_from(DELTAS))
    return Action(**fields)


# -- the world --------------------------------------------------------------------------------


@dataclass(repr=False)
class Actor:
    user: FakeUser
    codes: list[str]  # invite codes this person may know
    arguments: list[str]  # command arguments that mean something to the bot
    menu: list[str] = field(default_factory=list)  # commands that start their flows
    weight: int = 1
    sent: list[dict[str, Any]] = field(default_factory=list)  # their own text messages


@dataclass(repr=False)
class World:
    api: FakeBotApi
    db: Database
    app: AnyApplication
    clock: FrozenClock
    actors: list[Actor]
    group: FakeGroup
    foreign: list[FakeUser]  # the second program's people
    queries: list[tuple[FakeUser, str, str]] = field(default_factory=list)
    pressed: list[tuple[FakeUser, str, str]] = field(default_factory=list)  # real buttons
    counts: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)
    groups: int = 0

    def __repr__(self) -> str:
        return f"World(after {self.updates} updates)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for the fixture in a failing example (it would list the
        whole world field by field)."""
        printer.text(repr(self))

    @property
    def updates(self) -> int:
        return sum(self.counts.values())

    def actor(self, who: int) -> Actor:
        weighted = [actor for actor in self.actors for _ in range(actor.weight)]
        return weighted[who % len(weighted)]

    def real_callbacks(self, *, besides: FakeUser | None = None) -> list[str]:
        return sorted(
            {
                button.callback_data
                for actor in self.actors
                if actor.user is not besides
                for message in actor.user.chat
                for row in message.buttons
                for button in row
                if button.callback_data
            }
        )


async def invite_code(db: Database, program_id: int) -> str:
    async with db.session() as session:
        code = await session.scalar(select(Program.invite_code).where(Program.id == program_id))
        assert code is not None
        return code


@pytest.fixture
async def world(
    api: FakeBotApi, db: Database, coordinator: FakeUser, settings: Settings
) -> AsyncIterator[World]:
    pair = await seed_pair(db, api, NOW)
    first = pair.program_id
    # Unmatched people of the first program whose names would render as formatting.
    ulla = api.add_user(3000, "<u>Ulla</u>", username="ulla3000")
    await seed_participant(
        db, first, 3000, "<u>Ulla</u> Unterstrich & <s>Co</s>", NOW, role="mentor",
        company="<b>Firma</b> & Söhne <GmbH>", username="ulla3000",
    )  # fmt: skip
    eva = api.add_user(3001, "Eva", language_code="en", username="eva3001")
    await seed_participant(
        db, first, 3001, '<a href="https://evil.example/">Eva</a> Geheimagentin <i>', NOW,
        role="mentee", company="Evil & Co <script>", username="eva3001", language="en",
    )  # fmt: skip
    paula = api.add_user(3002, "Paula")
    await seed_participant(
        db, first, 3002, "Paula <tg-spoiler>Wartend</tg-spoiler>", NOW, role="mentee",
        status="pending", username="paula3002",
    )  # fmt: skip
    # A second program with its own tandem and its own coordinator.
    second = await seed_program(db, NOW, name="Zweiter <Jahrgang> & Co", created_by=None)
    other = await seed_pair(
        db, api, NOW, program_id=second, base=5000, mentor_name="Paul Zweiter",
        mentee_name="Pia Zweite",
    )  # fmt: skip
    coordinator2 = api.add_user(7000, "Zora", username="zora7000")
    async with db.session() as session:
        await users.upsert(
            session, user_id=7000, identity=users.Identity("Zora", username="zora7000"), now=NOW
        )
        await users.grant_coordinator(session, 7000, granted_by=9001, now=NOW, program_id=second)
    code1, code2 = await invite_code(db, first), await invite_code(db, second)
    newcomer = api.add_user(6001, "<b>Neu</b> & Co", username="neu6001")
    newcomer_en = api.add_user(6002, "O'Brien <i>", language_code="en")
    stranger = api.add_user(4444, "Sam", language_code="en")
    ids = [str(n) for n in (first, second, pair.tandem_id, pair.mentee_participant, 3001, 2000)]
    people = ["@mentee2000", "@mentor2000", "@ulla3000", "@neu6001", "2001", "3000", "6001"]
    participant = ["/meet", "/feedback", "/events", "/profile", "/tandem", "/survey", "/language"]
    coordinating = [
        "/newprogram", "/programs", "/match", "/tandems", "/broadcast", "/survey",
        "/certificates", "/stats", "/export", "/events",
    ]  # fmt: skip
    actors = [
        Actor(coordinator, [code1], ids + people, coordinating, weight=4),
        Actor(coordinator2, [code2], [*ids, "@mentee5000", "5001"], coordinating, weight=2),
        Actor(pair.mentor, [code1], ids, participant, weight=3),
        Actor(pair.mentee, [code1], ids, participant, weight=3),
        Actor(ulla, [code1], ids, participant),
        Actor(eva, [code1], ids, participant),
        Actor(paula, [code1], ids, participant),
        Actor(other.mentor, [code2], ids, participant),
        Actor(other.mentee, [code2], ids, participant),
        Actor(newcomer, [code1], ids, [f"/start {code1}", *participant], weight=2),
        Actor(newcomer_en, [code1], ids, [f"/start {code1}"], weight=2),
        Actor(stranger, [code1, "NOPE1234", "x" * 64], ids, ["/start", "/help"]),
    ]
    clock = FrozenClock(NOW)
    async with bot_running(settings, clock=clock) as app:
        world = World(
            api,
            db,
            app,
            clock,
            actors,
            api.add_group(-1009, "Kaffeeküche <b>"),
            [coordinator2, other.mentor, other.mentee],
        )
        yield world
        reached = await reached_state(db)
    pressed = sorted({":".join(data.split(":")[:2]) for _, _, data in world.pressed})
    print(
        f"\nfuzz ({db.engine.dialect.name}) reached {reached}; real buttons pressed: "
        f"{len(pressed)} kinds: {' '.join(pressed)}"
    )
    held_back = "" if "edited_message" in ALLOWED_UPDATES else " (Telegram held the edits back)"
    print(
        f"\nfuzz ({db.engine.dialect.name}): {world.updates} updates{held_back}, "
        f"{len(world.queries)} presses, {world.groups} groups joined, clock "
        f"+{world.clock.now() - NOW}: {dict(sorted(world.counts.items()))}"
    )


async def reached_state(db: Database) -> dict[str, int]:
    """How far the fuzz got: rows of the tables the flows fill."""
    tables = [
        "participants", "tandems", "meetings", "meeting_feedback", "program_events",
        "event_rsvps", "broadcasts", "deliveries", "surveys", "survey_responses",
        "certificates", "coordinators", "programs", "reminders", "dialogs", "audit_log",
    ]  # fmt: skip
    async with db.session() as session:
        return {
            table: int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608
            for table in tables
        }


# -- actions ----------------------------------------------------------------------------------


def mutate(action: Action, real: str) -> str:
    parts = real.split(":")
    index = action.picks[2] % len(parts)
    if action.mutation == "id":
        parts[index] = action.ident
    elif action.mutation == "drop" and len(parts) > 1:
        del parts[index]
    elif action.mutation == "add":
        parts.append(action.ident)
    elif action.mutation == "prefix":
        parts[0] = PREFIXES[action.picks[2] % len(PREFIXES)]
    elif action.mutation == "cut":
        return fit(real[: 1 + action.picks[2] % len(real)])
    else:
        parts += parts[1:]
    return fit(":".join(parts))


async def send(world: World, actor: Actor, kind: str, message: str) -> None:
    if (prompt := actor.user.last_message) is not None:  # for the trail of a failing batch
        world.log[-1] += f" (to {prompt.text[:50]!r})"
    actor.sent.append(await actor.user.send(message))
    world.counts[kind] += 1


async def walk(world: World, actor: Actor, action: Action) -> None:
    """A few steps the way a person goes through a flow: a command of their menu, then press a
    button of the newest prompt or answer it with a plausible value, waiting for the bot each
    time."""
    user = actor.user
    start = actor.menu[action.steps[0] % len(actor.menu)]
    world.log.append(f"{user.id} walk {start!r}")
    await send(world, actor, "walk", start)
    await world.api.wait_idle(timeout=30, quiet=QUIET)
    for step in action.steps[1:]:
        prompt = user.last_message  # a prompt without buttons wants text
        buttons = [b for row in prompt.buttons for b in row if b.callback_data] if prompt else []
        if prompt is not None and buttons and step % 8:
            data = buttons[step % len(buttons)].callback_data
            assert data is not None
            world.log.append(f"{user.id} walk {data!r}")
            query = await user.press_data(data, message=prompt)
            world.queries.append((user, query, data))
            world.pressed.append(world.queries[-1])
            world.counts["walk"] += 1
        else:
            value = PLAUSIBLE[step % len(PLAUSIBLE)]
            world.log.append(f"{user.id} walk {value!r}")
            await send(world, actor, "walk", value)
        await world.api.wait_idle(timeout=30, quiet=QUIET)
        latest = user.last_message
        if latest is None or any(text in latest.text for text in NO_DIALOG):
            return  # the flow is over (or never began): the rest of the walk would be noise


async def act(world: World, action: Action) -> None:
    actor = world.actor(action.who)
    user, kind, (first, second, _) = actor.user, action.kind, action.picks
    world.log.append(f"{user.id} {kind}")
    if user.blocked:
        user.unblock()
        world.counts["unblock"] += 1
    keyboards = [m for m in user.chat if m.has_inline_keyboard]
    if kind == "walk":
        await walk(world, actor, action)
    elif kind == "press" and keyboards:
        # Mostly the newest keyboard, else one of the last ten: a stale button.
        message = keyboards[-1] if first % 4 else keyboards[-1 - first % min(10, len(keyboards))]
        buttons = [b for row in message.buttons for b in row]
        button = buttons[second % len(buttons)]
        if button.callback_data is None:  # a link button: nothing for the bot
            return
        world.log[-1] += f" {button.callback_data!r}"
        query = await user.press_data(button.callback_data, message=message)
        world.queries.append((user, query, button.callback_data))
        world.pressed.append(world.queries[-1])
        world.counts[kind] += 1
    elif kind in ("press", "answer"):
        # Text where a prompt wants it: plausible values, or a button's label typed out.
        labels = [b.text for row in keyboards[-1].buttons for b in row] if keyboards else []
        choices = [action.plausible, expand(action.text), *labels[:1]]
        if labels:
            choices.append(labels[second % len(labels)])
        value = choices[first % len(choices)]
        world.log[-1] += f" {value[:40]!r}"
        await send(world, actor, "answer", value)
    elif kind == "hostile":
        await send(world, actor, kind, expand(action.text))
    elif kind in ("command", "invite"):
        name = "start" if kind == "invite" else action.command
        meaningful = actor.codes if kind == "invite" else actor.arguments
        argument = ["", meaningful[first % len(meaningful)], expand(action.text)[:100]][
            action.argument
        ]
        world.log[-1] += f" /{name} {argument[:40]!r}"
        await send(world, actor, kind, f"/{name} {argument}".strip())
    elif kind in ("forge", "mutate", "replay"):
        # A press hangs on a message: text or a document (the /mydata file, an export).
        chat = user.chat[-5:]
        if not chat:
            await send(world, actor, "command", "/help")
            return
        forged = action.forged
        if kind != "forge":
            real = world.real_callbacks(besides=user if kind == "replay" else None)
            if not real:
                return
            forged = real[first % len(real)]
            if kind == "mutate":
                forged = mutate(action, forged)
        world.log[-1] += f" {forged!r}"
        query = await user.press_data(forged, message=chat[second % len(chat)])
        world.queries.append((user, query, forged))
        world.counts[kind] += 1
    elif kind == "sticker":
        await user.send_sticker(["👍", "🤡", "<b>"][first % 3])
        world.counts[kind] += 1
    elif kind == "photo":
        await user.send_photo(
            caption=clip(expand(action.text), TELEGRAM_CAPTION) if first % 2 else None
        )
        world.counts[kind] += 1
    elif kind == "edit":
        if not actor.sent:
            await send(world, actor, "answer", action.plausible)
            return
        original = actor.sent[-1 - first % min(10, len(actor.sent))]
        new_text = [action.plausible, expand(action.text), f"/{action.command}"][second % 3]
        await user.edit_sent(original, new_text)
        world.counts[kind] += 1
    elif kind == "group":
        said = [f"/{action.command}", action.plausible, expand(action.text)][first % 3]
        sent = await user.send(said, group=world.group)
        world.counts[kind] += 1
        if second % 2:
            await user.edit_sent(sent, f"/{action.command}")
            world.counts["edit"] += 1
    elif kind == "newgroup":
        world.groups += 1
        group = world.api.add_group(-2000 - world.groups, expand(action.text)[:128])
        group.add_bot(by=user)
        world.counts[kind] += 1
    elif kind == "block":
        user.block()
        world.counts[kind] += 1
    elif world.clock.now() < LATEST:  # advance
        world.log[-1] += f" {action.delta}"
        await advance(world.app, world.clock, action.delta)
    if action.settle:
        await world.api.wait_idle(timeout=30, quiet=QUIET)


# -- checks -----------------------------------------------------------------------------------


INVARIANTS = {
    "two active tandems for one mentee": "SELECT count(*) FROM (SELECT mentee_id FROM tandems "
    "WHERE status = 'active' GROUP BY mentee_id HAVING count(*) > 1) AS twice",
    "a tandem across programs": "SELECT count(*) FROM tandems t "
    "JOIN participants m ON m.id = t.mentor_id JOIN participants e ON e.id = t.mentee_id "
    "WHERE m.program_id <> t.program_id OR e.program_id <> t.program_id",
    "a tandem of the wrong roles": "SELECT count(*) FROM tandems t "
    "JOIN participants m ON m.id = t.mentor_id JOIN participants e ON e.id = t.mentee_id "
    "WHERE m.role <> 'mentor' OR e.role <> 'mentee'",
    "an active tandem with someone erased": "SELECT count(*) FROM tandems t "
    "JOIN participants m ON m.id = t.mentor_id JOIN participants e ON e.id = t.mentee_id "
    "WHERE t.status = 'active' AND (m.erased_at IS NOT NULL OR e.erased_at IS NOT NULL)",
    "a person without user not erased, or erased with a user": "SELECT count(*) "
    "FROM participants WHERE (user_id IS NULL) <> (erased_at IS NOT NULL)",
    "an erased registration not 'left'": "SELECT count(*) FROM participants "
    "WHERE erased_at IS NOT NULL AND status <> 'left'",
    "a reminder stuck in 'sending'": "SELECT count(*) FROM reminders WHERE state = 'sending'",
    "a delivery stuck in 'sending'": "SELECT count(*) FROM deliveries WHERE state = 'sending'",
    "two deliveries of a broadcast to one person": "SELECT count(*) FROM (SELECT broadcast_id, "
    "user_id FROM deliveries GROUP BY broadcast_id, user_id HAVING count(*) > 1) AS twice",
    "a meeting ending before it starts": "SELECT count(*) FROM meetings WHERE ends_at < starts_at",
    "a survey answer from another program": "SELECT count(*) FROM survey_responses r "
    "JOIN surveys s ON s.id = r.survey_id JOIN participants p ON p.id = r.participant_id "
    "WHERE p.program_id <> s.program_id",
    "an update handled twice": "SELECT count(*) - count(DISTINCT update_id) FROM processed_updates",
}


def describe_target(api: FakeBotApi, params: dict[str, Any]) -> str:
    """The call's text and, for an edit, the message it was meant for."""
    said = f"chat {params.get('chat_id')}: {str(params.get('text', ''))[:300]!r}"
    try:
        chat = api.users[int(params["chat_id"])]
        target = api._messages[chat.id][int(params["message_id"])]
    except (KeyError, ValueError):
        return said
    return f"{said}\n  edits #{target.message_id}: {target.describe()[:500]}"


async def settle(world: World) -> None:
    """Idle, and every press answered: a report or an export answers its press only once the
    file is made, which takes longer than the stand-in's quiet period."""
    await world.api.wait_idle(timeout=60, quiet=0.2)
    deadline = asyncio.get_running_loop().time() + 60
    while any(user.callback_answer(query) is None for user, query, _ in world.queries):
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    await world.api.wait_idle(timeout=60, quiet=0.2)


async def check(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await settle(world)
    trail = "\n".join(world.log[-UPDATES:])
    bad = refused_calls(world.api)
    refused = [
        (call.method, call.response.get("description"), describe_target(world.api, call.params))
        for call in world.api.calls
        if bad and (call.method, call.status, call.response) in bad
    ]
    assert refused == [], trail
    errors = [
        f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}"
        for r in caplog.records
        if r.levelname in ("ERROR", "CRITICAL")
        and r.name.startswith(("bot", "handlers", "core", "storage", "telegram", "apscheduler"))
    ]
    assert errors == [], f"{errors}\n{trail}"
    unanswered = [(u.id, data) for u, q, data in world.queries if u.callback_answer(q) is None]
    assert unanswered == [], trail
    for user, query, data in world.queries:
        answer = user.callback_answer(query) or {}
        assert answer.get("text") not in INTERNAL_ERRORS, (user.id, data, trail)
    chats = [actor.user for actor in world.actors] + [world.group]
    for user in chats:
        for message in user.chat:
            assert not any(e in message.text for e in INTERNAL_ERRORS), (user.id, trail)
            injected = [
                e
                for e in message.entities
                if e["type"] in INJECTED and not e.get("url", "").startswith(MENTION)
            ]
            assert injected == [], (user.id, message.describe(), injected)
            if user in world.foreign:
                leaked = [name for name in FIRST_PROGRAM_ONLY if name in message.text]
                assert leaked == [], (user.id, message.describe())
    async with world.db.session() as session:
        broken = {
            what: found
            for what, statement in INVARIANTS.items()
            if (found := await session.scalar(text(statement)))
        }
        flows = set((await session.scalars(text("SELECT DISTINCT flow FROM dialogs"))).all())
        handled = await session.scalar(text("SELECT count(*) FROM processed_updates"))
    assert broken == {}, trail
    assert flows <= FLOWS, flows - FLOWS
    assert (handled or 0) <= world.updates


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # One bot serves every example, so a batch cannot be replayed alone: shrinking would only
    # re-run batches against a bot in another state. A failure reports the batch's trail.
    phases=[Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    database=None,
)
@given(batch=st.lists(actions(), min_size=BATCH, max_size=BATCH))
async def test_fuzzing_deep_into_the_flows(
    world: World, caplog: pytest.LogCaptureFixture, batch: list[Action]
) -> None:
    budget = world.updates + UPDATES
    for action in batch:
        if world.updates >= budget:
            break
        await act(world, action)
    await check(world, caplog)


async def test_a_press_forged_on_a_document_is_handled_without_a_refused_edit(
    api: FakeBotApi, db: Database, coordinator: FakeUser, settings: Settings
) -> None:
    pair = await seed_pair(db, api, NOW)
    async with bot_running(settings, clock=FrozenClock(NOW)):
        await pair.mentee.send("/mydata")
        document = await pair.mentee.next_message()
        assert document.document is not None
        for data in ("lg:en", "rg:x:1"):  # a language button; a registration's "cancel"
            await pair.mentee.press_data(data, message=document)
        await api.wait_idle(quiet=0.2)
        assert refused_calls(api) == []
