"""Employers: the key under which spellings of one company meet.

Kept apart from the matching engine (and from numpy) because registration, the company directory
and the migration that built the directory need it too, and none of them should pay for the
engine's imports.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
