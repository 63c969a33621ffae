"""Fault injection: the bot process is SIGKILLed at random moments while people use it, and
restarted; afterwards no completed step is lost and nothing was sent twice.

The person is played by an agent that reads the bot's latest prompt and answers it, as a real
user would. When a kill swallowed the bot's answer (the update was handled and committed, the
reply not yet sent), the agent does what a person does when the bot falls silent: it asks again
(`/start <code>` resumes a registration where it was). Kills come at random delays after an
action (0-250 ms: before the update is fetched, while it is handled, between commit and reply),
from a seeded random generator so that a failure can be replayed.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fake_bot_api import BotMessage, FakeBotApi, FakeUser, NoMessageError
from storage.db import Database
from storage.models import Participant, Tandem
from tests.e2e.harness import (
    ADDRESS_LABEL,
    CONSENT,
    COORDINATOR_ID,
    FORMAT_LABEL,
    ROLE_LABEL,
    SUBMIT,
    create_program,
)

TANDEM_BOT = str(Path(sys.executable).with_name("tandem-bot"))
READY = "receiving updates by long polling"
KILL_PROBABILITY = 0.4
NAME, COMPANY, INDUSTRY = "Clara <Neumann> & Co", "Salzgitter AG", "Stahl"
POSITION, GOALS, TOPIC = (
    "Gruppenleiterin",
    "Sicherer in der neuen Führungsrolle.",
    "Karriereplanung",
)


class BotRunner:
    """`tandem-bot run` as a real process that can be killed and started again."""

    def __init__(self, api: FakeBotApi, database_url: str, workdir: Path) -> None:
        self.log = workdir / "bot.log"
        self.workdir = workdir
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
            "TANDEM_COORDINATORS": str(COORDINATOR_ID),
            "TANDEM_LEADER_RETRY_SECONDS": "0.2",
        }
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self) -> None:
        ready_before = self.log.read_text().count(READY) if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                TANDEM_BOT, "run", cwd=self.workdir, env=self.env, stdout=out, stderr=out
            )
        async with asyncio.timeout(30):
            while self.log.read_text().count(READY) <= ready_before:
                if self.process.returncode is not None:
                    raise AssertionError(f"bot exited early:\n{self.log.read_text()}")
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def maybe_crash(self, rng: random.Random) -> None:
        """After an action: perhaps kill the bot a moment later, then start it again."""
        if rng.random() >= KILL_PROBABILITY:
            return
        await asyncio.sleep(rng.uniform(0.0, 0.25))
        await self.kill()
        await self.start()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def next_prompt(user: FakeUser) -> BotMessage | None:
    """The bot's latest message: a person answers what the chat shows now, not a prompt that
    a later message (a resumed dialog after a restart) has replaced."""
    try:
        first = await user.next_message(timeout=3.0)
    except NoMessageError:
        return None
    return ([first, *await user.collect(timeout=0.3)])[-1]


async def answer(user: FakeUser, prompt: BotMessage) -> bool:
    """One answer to the bot's prompt, as the person would give it; True once registered."""
    text, buttons = prompt.text, prompt.button_texts
    if "Vielen Dank. Ihre Anmeldung" in text or "wird von der Programmleitung geprüft" in text:
        return True
    if CONSENT["de"] in buttons:
        await user.press(CONSENT["de"], message=prompt)
    elif ROLE_LABEL["de"]["mentee"] in buttons:
        await user.press(ROLE_LABEL["de"]["mentee"], message=prompt)
    elif "Vor- und Nachname" in text:
        await user.send(NAME)
    elif "Bei welchem Unternehmen" in text:
        await user.send(COMPANY)
    elif "In welcher Branche" in text:
        await user.send(INDUSTRY)
    elif "Welche Position" in text:
        await user.send(POSITION)
    elif "Welche Themen" in text:
        if TOPIC in buttons:  # not selected yet (a selected one reads "✅ Karriereplanung")
            await user.press(TOPIC, message=prompt)
            prompt = await user.wait_edit(prompt, timeout=3.0)
        await user.press("rg:td", message=prompt)
    elif "Ziele und Erwartungen" in text:
        await user.send(GOALS)
    elif FORMAT_LABEL["de"]["in_person"] in buttons:
        await user.press(FORMAT_LABEL["de"]["in_person"], message=prompt)
    elif ADDRESS_LABEL["de"]["f"] in buttons:
        await user.press(ADDRESS_LABEL["de"]["f"], message=prompt)
    elif SUBMIT["de"] in buttons:
        await user.press(SUBMIT["de"], message=prompt)
    # Anything else is a note ("Sie sind mitten in der Anmeldung", the welcome): read on.
    return False


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11])
async def test_registration_survives_random_kills(
    api: FakeBotApi,
    coordinator: FakeUser,
    database_url: str,
    db: Database,
    tmp_path: Path,
    seed: int,
) -> None:
    rng = random.Random(seed)
    runner = BotRunner(api, database_url, tmp_path)
    user = api.add_user(1001, "Clara")
    await runner.start()
    try:
        code = await create_program(coordinator)
        await user.send(f"/start {code}")
        done, steps = False, 0
        while not done:
            steps += 1
            assert steps < 80, f"no progress:\n{user.dump()}"
            prompt = await next_prompt(user)
            if prompt is None:  # the kill swallowed the answer: ask where we are
                await user.send(f"/start {code}")
                continue
            try:
                done = await answer(user, prompt)
            except (AssertionError, NoMessageError):
                # An old keyboard (the bot restarted and sent the prompt again): read on.
                continue
            if not done:
                await runner.maybe_crash(rng)
        await asyncio.sleep(1.0)  # anything still in flight arrives now
    finally:
        await runner.stop()

    assert runner.kills >= 2, "the seed must kill the bot a few times"
    async with db.session() as session:
        rows = (await session.scalars(select(Participant))).all()
    assert [
        (p.name, p.company, p.industry, p.position, p.goals, p.role, p.topics) for p in rows
    ] == [(NAME, COMPANY, INDUSTRY, POSITION, GOALS, "mentee", [TOPIC])]
    notices = [m for m in coordinator.chat if "Neue Anmeldung" in m.text and NAME in m.text]
    assert len(notices) == 1, coordinator.dump() + f"\nkills: {runner.kills}"
    assert sum("Vielen Dank. Ihre Anmeldung" in m.text for m in user.chat) <= 1, (
        "never thanked twice"
    )
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tandem)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [8])  # kills twice: after each press
async def test_matching_approval_survives_random_kills(
    api: FakeBotApi,
    coordinator: FakeUser,
    database_url: str,
    db: Database,
    tmp_path: Path,
    seed: int,
) -> None:
    """The coordinator approves a matching and has it introduced now while the bot is killed
    at random moments: the tandems are formed exactly once, and nobody is introduced twice
    (an introduction in flight at a kill may be lost: at most once)."""
    from tests.e2e.test_matching import seed as seed_people

    rng = random.Random(seed)
    await seed_people(db, api)
    participants = [u for u in api.users.values() if u.id != coordinator.id]
    runner = BotRunner(api, database_url, tmp_path)
    await runner.start()
    try:
        for _ in range(40):
            async with db.session() as session:
                if await session.scalar(select(func.count()).select_from(Tandem)):
                    break
            await coordinator.send("/match")
            proposal = await next_prompt(coordinator)
            if proposal is None or "✅ Alle übernehmen" not in proposal.button_texts:
                continue
            await coordinator.press("✅ Alle übernehmen", message=proposal)
            await runner.maybe_crash(rng)
            try:
                ask = await coordinator.wait_edit(proposal, timeout=3.0)
                await coordinator.press("Jetzt vorstellen", message=ask)
            except (AssertionError, NoMessageError):
                continue  # killed meanwhile: look again
            await runner.maybe_crash(rng)
        else:
            raise AssertionError(f"never approved:\n{coordinator.dump()}")
        await asyncio.sleep(5.0)  # introductions due after a kill go out within seconds
    finally:
        await runner.stop()

    assert runner.kills >= 1, "the seed must kill the bot at least once"
    async with db.session() as session:
        tandems = (await session.scalars(select(Tandem))).all()
    assert len(tandems) == 3 and len({t.mentee_id for t in tandems}) == 3
    intros = [sum("Ihr Tandem steht" in m.text for m in u.chat) for u in participants]
    assert max(intros) == 1, "nobody is introduced twice"
    assert sum(intros) >= len(intros) - 2, "at most the introductions in flight at a kill"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [8])
async def test_meeting_acceptance_survives_random_kills(
    api: FakeBotApi,
    coordinator: FakeUser,
    database_url: str,
    db: Database,
    tmp_path: Path,
    seed: int,
) -> None:
    """A mentee proposes a meeting; the mentor accepts while the bot is killed at random
    moments; pressing again on the same proposal is what a person does when nothing happens.
    The meeting is confirmed once, its reminders are planned once, and the mentee hears of it
    exactly once (at most once if that notice was being sent at the very moment of a kill)."""
    import datetime as dt

    from storage.models import Meeting, Reminder
    from tests.e2e.tandems import seed_pair
    from tests.e2e.test_meetings import propose

    rng = random.Random(seed)
    pair = await seed_pair(db, api, dt.datetime.now(dt.UTC))
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).strftime("%d.%m.")
    runner = BotRunner(api, database_url, tmp_path)
    await runner.start()
    try:
        await propose(pair.mentee, f"{day} 17:30")
        proposal = await pair.mentor.next_message()
        assert "schlägt ein Tandem-Treffen vor" in proposal.text, proposal.text
        for _ in range(10):
            try:
                await pair.mentor.press("✅ Passt", message=proposal)
            except AssertionError:
                break  # the buttons are gone: it was answered
            await runner.maybe_crash(rng)
            if await next_prompt(pair.mentor) is not None:
                break
        await asyncio.sleep(2.0)
    finally:
        await runner.stop()

    assert runner.kills >= 1
    async with db.session() as session:
        meetings = (await session.scalars(select(Meeting))).all()
        soon = (
            await session.scalars(select(Reminder).where(Reminder.kind == "meeting_soon"))
        ).all()
    assert [m.status for m in meetings] == ["confirmed"]
    assert len(soon) == len({r.key for r in soon}) == 4  # 24 h and 1 h before, to each
    told = [m for m in pair.mentee.chat if "bestätigt" in m.text]
    async with db.session() as session:
        notices = (
            await session.scalars(
                select(Reminder).where(
                    Reminder.kind == "notice", Reminder.user_id == pair.mentee.id
                )
            )
        ).all()
    interrupted = [n for n in notices if n.state == "interrupted"]
    # Told exactly once, unless the notice was in flight at a kill (then at most once).
    assert len(told) + len(interrupted) == 1, pair.mentee.dump()
    assert sum(m.document is not None for m in pair.mentee.chat) <= 1
    assert sum(m.document is not None for m in pair.mentor.chat) <= 1
