"""The demo's seeded cohort: a cross-mentoring program in the Salzgitter, Braunschweig and
Wolfsburg region with 18 mentors and 18 mentees, registered and approved.

The companies are real employers of the region and of different industries; every person is
fictitious. Each company sends one mentor and one mentee, so the matching has to cross employers
for every tandem, and two pairs of competitors are kept apart (company exclusions), as a program
team would do. Written through the storage layer, exactly as the registration and the approval
leave participants behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.events import EventKind
from core.programs import ParticipantStatus
from core.reminders import Policy, plan_event
from storage import companies, events, participants, programs, reminders, rounds, users
from storage.db import Database

PROGRAM_NAME = "Cross-Mentoring Salzgitter 2027"
KICKOFF_TITLE = "Auftaktveranstaltung"
KICKOFF_PLACE = "Forum Salzgitter-Lebenstedt, Saal 2"
KICKOFF_IN_DAYS = 21  # the program starts with its kickoff three weeks after the demo starts
KICKOFF_TIME = dt.time(17, 0)  # local time
TIMEZONE = "Europe/Berlin"
FIRST_PERSON_ID = 20_001  # Telegram user ids of the seeded people (demo only)


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # mentor | mentee
    company: str
    industry: str
    position: str
    topics: tuple[str, ...]
    meeting_format: str  # in_person | online | both
    form_of_address: str  # f | m | n
    goals: str


MENTOR_GOAL = (
    "Ich möchte meine Erfahrung als Führungskraft weitergeben und andere Branchen kennenlernen."
)
MENTEE_GOAL = (
    "Ich möchte in meiner neuen Führungsrolle sicherer werden und mein Netzwerk erweitern."
)

# (company, industry, mentor, mentor position, mentee, mentee position), one company per line.
_COMPANIES: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("Salzgitter AG", "Stahl", "Dr. Katrin Wehmeyer", "f", "Bereichsleiterin Qualitätswesen",
     "Jonas Albrecht", "m", "Teamleiter Walzwerk"),
    ("Volkswagen AG", "Automobil", "Thomas Brandes", "m", "Werkleiter Komponente",
     "Lea Hoffmeister", "f", "Teamleiterin Logistik"),
    ("Alstom", "Bahntechnik", "Sabine Ohlendorf", "f", "Abteilungsleiterin Fertigung",
     "Murat Yıldız", "m", "Gruppenleiter Inbetriebnahme"),
    ("Siemens Mobility", "Bahntechnik", "Frank Heuer", "m", "Bereichsleiter Engineering",
     "Nina Castellano", "f", "Projektleiterin Stellwerkstechnik"),
    ("MAN Truck & Bus", "Nutzfahrzeuge", "Gabriele Kuhnt", "f", "Werkleiterin",
     "Tobias Reinecke", "m", "Schichtleiter Montage"),
    ("Braunschweigische Landessparkasse", "Bank", "Michael Sporleder", "m",
     "Abteilungsleiter Firmenkunden", "Hanna Lüddecke", "f", "Teamleiterin Privatkunden"),
    ("Volksbank BraWo", "Bank", "Ulrike Feldmann", "f", "Bereichsleiterin Personal",
     "Kevin Marx", "m", "Teamleiter Kreditservice"),
    ("Öffentliche Versicherung Braunschweig", "Versicherung", "Jörg Wittkopf", "m",
     "Abteilungsleiter Schaden", "Svenja Bartels", "f", "Gruppenleiterin Vertrieb"),
    ("Städtisches Klinikum Braunschweig", "Gesundheit", "Dr. Anja Rosenthal", "f",
     "Pflegedirektorin", "Patrick Nowak", "m", "Stationsleiter Intensivpflege"),
    ("Technische Universität Braunschweig", "Wissenschaft", "Prof. Dr. Henning Lau", "m",
     "Institutsleiter", "Mira Olbrich", "f", "Teamleiterin Forschungsförderung"),
    ("Physikalisch-Technische Bundesanstalt", "Forschung", "Dr. Claudia Vogt", "f",
     "Abteilungsleiterin Metrologie", "Daniel Krüger", "m", "Laborleiter Akustik"),
    ("Nordzucker AG", "Lebensmittel", "Stefan Pape", "m", "Bereichsleiter Produktion",
     "Julia Wendt", "f", "Teamleiterin Einkauf"),
    ("Mast-Jägermeister SE", "Getränke", "Birgit Hallmann", "f", "Leiterin Marketing",
     "Felix Roloff", "m", "Teamleiter Abfüllung"),
    ("New Yorker", "Einzelhandel", "Andreas Kettler", "m", "Bereichsleiter Filialen",
     "Laura Sommerfeld", "f", "Gruppenleiterin E-Commerce"),
    ("BS|ENERGY", "Energie", "Martina Düvel", "f", "Abteilungsleiterin Netze",
     "Simon Jaschke", "m", "Teamleiter Kundenservice"),
    ("WEVG Salzgitter", "Energie", "Rainer Tappe", "m", "Geschäftsführer",
     "Aylin Demir", "f", "Projektleiterin Wärmewende"),
    ("Stadt Salzgitter", "Öffentliche Verwaltung", "Petra Lindemann", "f",
     "Fachbereichsleiterin Bürgerdienste", "Marco Held", "m", "Sachgebietsleiter Digitalisierung"),
    ("Wolfsburg AG", "Wirtschaftsförderung", "Holger Strube", "m", "Bereichsleiter Innovation",
     "Sophie Brinkmann", "f", "Teamleiterin Gründungsberatung"),
)  # fmt: skip

# Names that look alike but are different employers, as the program team confirmed in /companies
# ("Getrennt halten"), so that the proposal does not ask about them.
DIFFERENT_EMPLOYERS: tuple[tuple[str, str], ...] = (
    ("Salzgitter AG", "WEVG Salzgitter"),
    ("Salzgitter AG", "Stadt Salzgitter"),
)

# Competitors the program team keeps apart, as /companies would (company exclusions).
COMPETITORS: tuple[tuple[str, str], ...] = (
    ("Alstom", "Siemens Mobility"),
    ("Braunschweigische Landessparkasse", "Volksbank BraWo"),
)

_TOPICS = (
    ("Führung und Führungsrolle", "Kommunikation", "Feedback"),
    ("Vom Kollegen zur Führungskraft", "Konfliktmanagement"),
    ("Selbstmarketing und Sichtbarkeit", "Karriereplanung", "Netzwerken"),
    ("Work-Life-Balance und Stressmanagement", "Generationen im Team"),
    ("Unternehmenskultur und Perspektivwechsel", "Personalentwicklung", "Kommunikation"),
    ("Konfliktmanagement", "Feedback", "Netzwerken"),
)
_FORMATS = ("both", "both", "in_person", "online", "both", "in_person")


def people() -> list[Person]:
    """The 36 participants, mentors first."""
    mentors, mentees = [], []
    for index, row in enumerate(_COMPANIES):
        company, industry, mentor, mentor_addr, mentor_pos, mentee, mentee_addr, mentee_pos = row
        mentors.append(
            Person(mentor, "mentor", company, industry, mentor_pos,
                   _TOPICS[index % len(_TOPICS)], _FORMATS[index % len(_FORMATS)],
                   mentor_addr, MENTOR_GOAL)
        )  # fmt: skip
        mentees.append(
            Person(mentee, "mentee", company, industry, mentee_pos,
                   _TOPICS[(index + 2) % len(_TOPICS)], _FORMATS[(index + 1) % len(_FORMATS)],
                   mentee_addr, MENTEE_GOAL)
        )  # fmt: skip
    return mentors + mentees


@dataclass(frozen=True)
class Seeded:
    program_id: int
    invite_code: str
    user_ids: dict[str, int]  # name -> Telegram user id
    kickoff_id: int
    reminder_ids: list[int]  # planned event messages, for the scheduler


def kickoff_day(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """Three weeks ahead, or the day before when the kickoff's hour would fall later than that:
    a demo started in the evening would otherwise have its kickoff 21 days and some hours away,
    and a week's fast-forward would stop just short of the reminder 14 days before."""
    day = (now + dt.timedelta(days=KICKOFF_IN_DAYS)).astimezone(zone).date()
    if dt.datetime.combine(day, KICKOFF_TIME, zone) > now + dt.timedelta(days=KICKOFF_IN_DAYS):
        day -= dt.timedelta(days=1)
    return day


async def seed(db: Database, now: dt.datetime, coordinator_id: int) -> Seeded:
    """The program (starting in three weeks with its kickoff, for a year), its approved
    participants, the competitor exclusions and the kickoff with its invitations and reminders
    (the invitations are due at once; the reminders come 14 and 2 days before)."""
    zone = ZoneInfo(TIMEZONE)
    starts = kickoff_day(now, zone)
    user_ids: dict[str, int] = {}
    async with db.session() as session:
        program = await programs.create(
            session,
            name=PROGRAM_NAME,
            starts_on=starts,
            ends_on=starts.replace(year=starts.year + 1) - dt.timedelta(days=1),
            timezone=TIMEZONE,
            created_by=coordinator_id,
            now=now,
        )
        for offset, person in enumerate(people()):
            user_id = FIRST_PERSON_ID + offset
            parts = person.name.replace("Prof. ", "").replace("Dr. ", "").split()
            await users.upsert(
                session,
                user_id=user_id,
                identity=users.Identity(parts[0], last_name=parts[-1]),
                now=now,
                language="de",
            )
            row = await participants.create_from_draft(
                session,
                program_id=program.id,
                user_id=user_id,
                draft={
                    "role": person.role,
                    "name": person.name,
                    "company": person.company,
                    "industry": person.industry,
                    "position": person.position,
                    "topics": list(person.topics),
                    "goals": person.goals,
                    "meeting_format": person.meeting_format,
                    "form_of_address": person.form_of_address,
                },
                consent_at=now,
                now=now,
            )
            row.status = ParticipantStatus.ACTIVE
            user_ids[person.name] = user_id
        for first, second in DIFFERENT_EMPLOYERS:
            a, b = await companies.find(session, first), await companies.find(session, second)
            assert a is not None and b is not None
            await companies.keep_apart(session, a.id, b.id, now)
        for first, second in COMPETITORS:
            await rounds.add_company_exclusion(
                session, program.id, first, second, by=coordinator_id, now=now
            )
        await session.flush()
        kickoff_at = dt.datetime.combine(starts, KICKOFF_TIME, zone).astimezone(dt.UTC)
        kickoff = await events.create(
            session,
            program_id=program.id,
            kind=EventKind.KICKOFF.value,
            title=KICKOFF_TITLE,
            starts_at=kickoff_at,
            ends_at=kickoff_at + dt.timedelta(hours=3),
            place=KICKOFF_PLACE,
            created_by=coordinator_id,
            now=now,
        )
        invited = await events.active_participants(session, program.id)
        planned = plan_event(
            event_id=kickoff.id,
            starts_at=kickoff.starts_at,
            user_ids=[p.user_id for p in invited if p.user_id is not None],
            policy=Policy.from_settings(program.settings),
            now=now,
        )
        rows = await reminders.plan(session, planned, now=now, event_id=kickoff.id)
        return Seeded(
            program.id, program.invite_code, user_ids, kickoff.id, [row[0] for row in rows]
        )
