"""A rough leadership level from a free-text position, German or English.

Participants type their position as they like ("Abteilungsleiterin Einkauf", "Head of HR",
"stellv. Teamleiter"), so the matching engine cannot compare titles directly. A keyword table is
crude but predictable, and a coordinator can see exactly why a level was chosen; anything it does
not recognise stays unknown and is scored neutrally instead of being guessed.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum
from functools import lru_cache


class Level(IntEnum):
    """Higher is more senior; the gaps between the values carry no meaning."""

    SPECIALIST = 1
    TEAM = 2
    DEPARTMENT = 3
    DIVISION = 4
    EXECUTIVE = 5


# First match wins, so specific phrases come before the generic words they contain
# ("Projektleiter" before "leiter", "Managing Director" before "Director"). German compounds are
# matched as substrings ("Vertriebsbereichsleiterin"); short English words need word boundaries.
_TABLE: tuple[tuple[str, Level], ...] = (
    # executives
    (r"vorstand", Level.EXECUTIVE),
    (r"geschäftsführ", Level.EXECUTIVE),
    (r"geschaeftsfuehr", Level.EXECUTIVE),
    (r"\bc(?:e|f|o|t|i|hr|d|m|s)o\b", Level.EXECUTIVE),  # CEO, CFO, COO, CTO, CHRO, …
    (r"\bchief\b", Level.EXECUTIVE),
    (r"managing director", Level.EXECUTIVE),
    (r"general manager", Level.EXECUTIVE),
    (r"\bvice president\b|\bvp\b", Level.DIVISION),
    (r"präsident|\bpresident\b", Level.EXECUTIVE),
    (r"inhaber|\bowner\b|gründer|\bfounder\b", Level.EXECUTIVE),
    # divisions / areas / sites
    (r"hauptabteilungsleit", Level.DIVISION),
    (r"bereichsleit|leiter(?:in)? des bereich|bereichsleitung", Level.DIVISION),
    (r"werks?leit|standortleit|niederlassungsleit|betriebsleit", Level.DIVISION),
    (r"prokurist", Level.DIVISION),
    (r"head of department|department head", Level.DEPARTMENT),
    (r"head of team|team head", Level.TEAM),
    (r"\bhead of\b|\bhead\b", Level.DIVISION),
    (r"direktor|\bdirector\b", Level.DIVISION),
    # departments
    (r"abteilungsleit|abteilungsleitung", Level.DEPARTMENT),
    (r"department manager|department lead", Level.DEPARTMENT),
    # teams
    (r"teamleit|team lead|teamlead|gruppenleit|schichtleit|teamkoordinat", Level.TEAM),
    (r"\bsupervisor\b|\bforeman\b|vorarbeiter|polier", Level.TEAM),
    # individual contributors, project roles
    (r"projektleit|projektmanag|project manager|project lead|programm?leit", Level.SPECIALIST),
    (r"product owner|scrum master|account manager", Level.SPECIALIST),
    # a bare "Leiter/Leitung X" is usually a department; a bare "Manager" usually a small team
    (r"leiter|leitung|\blead\b", Level.DEPARTMENT),
    (r"\bmanager(?:in)?\b", Level.TEAM),
    (
        r"meister|sachbearbeit|referent|spezialist|specialist|ingenieur|engineer|berater|"
        r"consultant|analyst|entwickler|developer|assisten|fachkraft|fachkräft|trainee|"
        r"mitarbeiter|koordinator|coordinator|expert|techniker|technician|kaufmann|kauffrau",
        Level.SPECIALIST,
    ),
)
_COMPILED = tuple((re.compile(pattern), level) for pattern, level in _TABLE)
_DEPUTY = re.compile(r"stellv|stv\.|\bdeputy\b|\bassistant to\b|\bvice\b(?! president)")


@lru_cache(maxsize=65536)
def seniority_level(position: str) -> Level | None:
    """The level of a position, or None when no keyword is recognised.

    A deputy is placed one level below the role they stand in for: they lead, but the
    responsibility is not (yet) theirs, which is what a mentor-mentee gap is about.
    """
    text = unicodedata.normalize("NFC", position).casefold()
    text = " ".join(text.replace("-", "").replace("/", " ").split())
    for pattern, level in _COMPILED:
        if pattern.search(text):
            if _DEPUTY.search(text) and level > Level.SPECIALIST:
                return Level(level - 1)
            return level
    return None
