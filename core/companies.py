"""Employers: the key under which spellings of one company meet.

Kept apart from the matching engine (and from numpy) because registration, the company directory
and the migration that built the directory need it too, and none of them should pay for the
engine's imports.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# Legal forms and their fragments. They are dropped anywhere but in the first word, because
# people write "Salzgitter AG", "Salzgitter Aktiengesellschaft" or just "Salzgitter".
_LEGAL_WORDS = frozenset((
    "gmbh", "mbh", "ggmbh", "ag", "se", "kg", "kgaa", "ohg", "gbr", "ev", "eg", "ug",
    "haftungsbeschränkt", "haftungsbeschraenkt", "aktiengesellschaft", "kommanditgesellschaft",
    "gesellschaft", "mit", "beschränkter", "beschraenkter", "haftung", "ltd", "limited", "inc",
    "incorporated", "corp", "corporation", "llc", "llp", "plc", "lp", "sa", "sas", "sarl", "srl",
    "spa", "bv", "nv", "ab", "oy", "co", "cokg", "gmbhcokg",
))  # fmt: skip
_DOTTED = re.compile(r"(?<=\w)\.(?=\w)|\.")
_NON_WORD = re.compile(r"[^\w&+]+")


@lru_cache(maxsize=65536)
def normalize_company(name: str) -> str:
    """A key under which spellings of the same company meet ("ALSTOM GmbH" == "Alstom").

    Only spelling is forgiven here. Subsidiaries ("Alstom Transport Deutschland"), branches and
    typos get keys of their own; the company directory (`storage.companies`) joins them: aliases
    of one company, companies of one corporate group.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _DOTTED.sub("", text)  # e.V. -> ev, S.A. -> sa, Co. -> co
    text = text.replace("+", " & ").replace("&", " & ")
    words = [w for w in _NON_WORD.split(text) if w]
    words = ["&" if w in {"und", "and"} else w for w in words]
    kept = words[:1] + [w for w in words[1:] if w not in _LEGAL_WORDS and w != "&"]
    key = "".join(w for w in kept if w != "&")
    return key or "".join(words)


# How close two keys must be to count as one employer misspelt. Short keys are left out of
# edit-distance matching: "bosch" and "borsig" are two edits apart and two different employers.
_MIN_CONTAINED = 4
_MIN_FUZZY = 8
_MAX_EDITS = 2
_MIN_RATIO = 90.0


def probably_same_keys(a: str, b: str) -> bool:
    """`probably_same` on keys already normalised (the directory keeps them in its rows)."""
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= _MIN_CONTAINED and shorter in longer:
        return True
    if len(shorter) >= _MIN_FUZZY and Levenshtein.distance(a, b) <= _MAX_EDITS:
        return True
    return fuzz.ratio(a, b) >= _MIN_RATIO


def _first_word(name: str) -> str:
    words = [w for w in _NON_WORD.split(unicodedata.normalize("NFKC", name).casefold()) if w]
    return _DOTTED.sub("", words[0]) if words else ""


def probably_same(a: str, b: str) -> bool:
    """Whether two typed names probably stand for one employer, so nobody pairs them silently.

    One key containing the other catches branches and subsidiaries ("Volkswagen AG, Werk
    Salzgitter", "Salzgitter Flachstahl GmbH"); a small edit distance catches typos
    ("Landessparkase"). Keys under four characters ("IHK", "VW") would be found inside too many
    unrelated names, so they count only as the whole first word of the other name ("IHK
    Braunschweig"), never as a piece of a word.
    """
    key_a, key_b = normalize_company(a), normalize_company(b)
    if probably_same_keys(key_a, key_b):
        return True
    short_key, other_name = (key_a, b) if len(key_a) <= len(key_b) else (key_b, a)
    return 0 < len(short_key) < _MIN_CONTAINED and _first_word(other_name) == short_key


def closeness(a: str, b: str) -> float:
    """Higher is closer: the order in which probable spellings are offered.

    The edit similarity of the keys, plus up to 20 for a shared beginning: "Volkswagen AG, Werk
    Salzgitter" contains both "volkswagen" and "salzgitter", but names it after Volkswagen.
    """
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    shortest = min(len(a), len(b)) or 1
    return float(fuzz.ratio(a, b)) + 20.0 * prefix / shortest


class AliasOutcome(StrEnum):
    """What became of another name a coordinator typed for a company."""

    ADDED = "added"
    ALREADY = "already"  # the name already stands for this company
    TAKEN = "taken"  # the name stands for another company: a merge, decided explicitly
    EMPTY = "empty"  # nothing left of the name once normalised
