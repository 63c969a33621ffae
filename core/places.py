"""Where a typed town or postcode lies, offline: a small gazetteer for the matching's distance.

Registration may ask for the place a person works or lives ("Salzgitter", "38226", "38226
Salzgitter-Lebenstedt"). Coordinates come from two built-in tables, no web service:

- `TOWNS`: the about 80 largest German cities, plus the towns of the Braunschweig / Salzgitter /
  Wolfsburg / Hannover / Hildesheim / Goslar / Peine / Wolfenbüttel region the first programs
  run in; a town's centre, rounded to two decimals (about a kilometre).
- `POSTCODE_REGIONS`: a German five-digit postcode's first two digits (its "Leitregion") and
  the approximate centre of that region, accurate to some 20-40 km, which is enough to tell
  "nearby" from "across the country".

A known town wins over the postcode region (it is closer). Anything else is kept as typed with
no coordinates: it neither helps nor hurts a pair's score, and coordinators see the text.
"""

from __future__ import annotations

import re
import unicodedata

Coordinates = tuple[float, float]

# Name (as written) -> (latitude, longitude).
TOWNS: dict[str, Coordinates] = {
    # The region of the first programs.
    "Salzgitter": (52.15, 10.33),
    "Braunschweig": (52.27, 10.52),
    "Wolfsburg": (52.42, 10.79),
    "Hannover": (52.37, 9.74),
    "Hildesheim": (52.15, 9.95),
    "Goslar": (51.91, 10.43),
    "Peine": (52.32, 10.23),
    "Wolfenbüttel": (52.16, 10.54),
    "Gifhorn": (52.48, 10.55),
    "Helmstedt": (52.23, 11.01),
    "Bad Harzburg": (51.88, 10.56),
    "Seesen": (51.89, 10.18),
    "Clausthal-Zellerfeld": (51.81, 10.34),
    "Langelsheim": (51.94, 10.33),
    "Schöppenstedt": (52.14, 10.77),
    "Königslutter": (52.25, 10.82),
    "Vechelde": (52.26, 10.37),
    "Lehrte": (52.37, 9.98),
    "Sarstedt": (52.24, 9.86),
    "Alfeld": (51.99, 9.83),
    "Bad Salzdetfurth": (52.06, 10.01),
    "Laatzen": (52.31, 9.81),
    "Garbsen": (52.42, 9.60),
    "Langenhagen": (52.44, 9.74),
    "Celle": (52.62, 10.08),
    "Uelzen": (52.97, 10.56),
    "Northeim": (51.71, 10.00),
    "Einbeck": (51.82, 9.87),
    "Osterode am Harz": (51.73, 10.25),
    "Holzminden": (51.83, 9.45),
    "Hameln": (52.10, 9.36),
    "Burgdorf": (52.45, 10.01),
    "Wunstorf": (52.43, 9.44),
    "Haldensleben": (52.29, 11.41),
    "Halberstadt": (51.90, 11.05),
    "Wernigerode": (51.84, 10.78),
    "Göttingen": (51.54, 9.93),
    "Magdeburg": (52.13, 11.63),
    # The largest German cities.
    "Berlin": (52.52, 13.40),
    "Hamburg": (53.55, 9.99),
    "München": (48.14, 11.58),
    "Köln": (50.94, 6.96),
    "Frankfurt am Main": (50.11, 8.68),
    "Stuttgart": (48.78, 9.18),
    "Düsseldorf": (51.23, 6.78),
    "Leipzig": (51.34, 12.37),
    "Dortmund": (51.51, 7.47),
    "Essen": (51.46, 7.01),
    "Bremen": (53.08, 8.80),
    "Dresden": (51.05, 13.74),
    "Nürnberg": (49.45, 11.08),
    "Duisburg": (51.43, 6.76),
    "Bochum": (51.48, 7.22),
    "Wuppertal": (51.26, 7.15),
    "Bielefeld": (52.02, 8.53),
    "Bonn": (50.73, 7.10),
    "Münster": (51.96, 7.63),
    "Mannheim": (49.49, 8.47),
    "Karlsruhe": (49.01, 8.40),
    "Augsburg": (48.37, 10.90),
    "Wiesbaden": (50.08, 8.24),
    "Mönchengladbach": (51.19, 6.44),
    "Gelsenkirchen": (51.51, 7.10),
    "Aachen": (50.78, 6.08),
    "Kiel": (54.32, 10.14),
    "Chemnitz": (50.83, 12.92),
    "Halle (Saale)": (51.48, 11.97),
    "Krefeld": (51.33, 6.56),
    "Freiburg im Breisgau": (47.99, 7.85),
    "Lübeck": (53.87, 10.69),
    "Oberhausen": (51.47, 6.85),
    "Erfurt": (50.98, 11.03),
    "Mainz": (50.00, 8.27),
    "Rostock": (54.09, 12.10),
    "Kassel": (51.31, 9.48),
    "Hagen": (51.36, 7.47),
    "Potsdam": (52.39, 13.06),
    "Saarbrücken": (49.24, 6.99),
    "Hamm": (51.68, 7.82),
    "Ludwigshafen am Rhein": (49.48, 8.44),
    "Mülheim an der Ruhr": (51.43, 6.88),
    "Oldenburg": (53.14, 8.21),
    "Osnabrück": (52.28, 8.05),
    "Leverkusen": (51.03, 6.98),
    "Heidelberg": (49.40, 8.67),
    "Solingen": (51.17, 7.08),
    "Darmstadt": (49.87, 8.65),
    "Herne": (51.54, 7.22),
    "Neuss": (51.20, 6.69),
    "Regensburg": (49.01, 12.10),
    "Paderborn": (51.72, 8.75),
    "Ingolstadt": (48.76, 11.43),
    "Offenbach am Main": (50.10, 8.77),
    "Fürth": (49.48, 10.99),
    "Würzburg": (49.79, 9.95),
    "Ulm": (48.40, 9.99),
    "Heilbronn": (49.14, 9.22),
    "Pforzheim": (48.89, 8.70),
    "Bottrop": (51.52, 6.93),
    "Reutlingen": (48.49, 9.21),
    "Bremerhaven": (53.54, 8.58),
    "Koblenz": (50.36, 7.59),
    "Bergisch Gladbach": (50.99, 7.13),
    "Jena": (50.93, 11.59),
    "Remscheid": (51.18, 7.19),
    "Erlangen": (49.59, 11.00),
    "Moers": (51.45, 6.63),
    "Siegen": (50.87, 8.02),
    "Trier": (49.75, 6.64),
    "Recklinghausen": (51.61, 7.20),
    "Cottbus": (51.76, 14.33),
    "Gütersloh": (51.91, 8.38),
    "Witten": (51.44, 7.34),
    "Gera": (50.88, 12.08),
    "Schwerin": (53.63, 11.41),
    "Zwickau": (50.72, 12.50),
    "Iserlohn": (51.38, 7.70),
    "Düren": (50.80, 6.48),
    "Esslingen am Neckar": (48.74, 9.31),
    "Ratingen": (51.30, 6.85),
    "Marl": (51.66, 7.09),
    "Lünen": (51.62, 7.53),
    "Hanau": (50.13, 8.92),
    "Velbert": (51.34, 7.04),
    "Ludwigsburg": (48.90, 9.19),
    "Flensburg": (54.79, 9.44),
    "Wilhelmshaven": (53.53, 8.11),
    "Dessau-Roßlau": (51.84, 12.25),
    "Tübingen": (48.52, 9.06),
    "Konstanz": (47.66, 9.18),
    "Worms": (49.63, 8.36),
    "Villingen-Schwenningen": (48.06, 8.46),
    "Minden": (52.29, 8.92),
    "Lüneburg": (53.25, 10.41),
}

# Other spellings people type for the same town.
ALIASES: dict[str, str] = {
    "Frankfurt": "Frankfurt am Main",
    "Halle": "Halle (Saale)",
    "Freiburg": "Freiburg im Breisgau",
    "Ludwigshafen": "Ludwigshafen am Rhein",
    "Mülheim": "Mülheim an der Ruhr",
    "Offenbach": "Offenbach am Main",
    "Esslingen": "Esslingen am Neckar",
    "Dessau": "Dessau-Roßlau",
    "Osterode": "Osterode am Harz",
    "Munich": "München",
    "Cologne": "Köln",
    "Nuremberg": "Nürnberg",
    "Hanover": "Hannover",
    "Brunswick": "Braunschweig",
    "Clausthal": "Clausthal-Zellerfeld",
    "Lebenstedt": "Salzgitter",
    "Salzgitter-Bad": "Salzgitter",
    "Alfeld (Leine)": "Alfeld",
}

# A postcode's first two digits -> the approximate centre of that region.
POSTCODE_REGIONS: dict[str, Coordinates] = {
    "01": (51.05, 13.74),
    "02": (51.15, 14.60),
    "03": (51.76, 14.33),
    "04": (51.34, 12.37),
    "06": (51.48, 11.97),
    "07": (50.88, 12.08),
    "08": (50.65, 12.45),
    "09": (50.83, 12.92),
    "10": (52.52, 13.40),
    "12": (52.45, 13.45),
    "13": (52.57, 13.33),
    "14": (52.39, 13.06),
    "15": (52.35, 14.20),
    "16": (52.80, 13.45),
    "17": (53.60, 13.40),
    "18": (54.09, 12.10),
    "19": (53.63, 11.41),
    "20": (53.55, 9.99),
    "21": (53.40, 10.20),
    "22": (53.60, 10.00),
    "23": (53.87, 10.69),
    "24": (54.32, 10.14),
    "25": (54.20, 9.30),
    "26": (53.20, 7.80),
    "27": (53.30, 8.80),
    "28": (53.08, 8.80),
    "29": (52.80, 10.30),
    "30": (52.37, 9.74),
    "31": (52.10, 9.60),
    "32": (52.10, 8.70),
    "33": (51.90, 8.50),
    "34": (51.31, 9.48),
    "35": (50.60, 8.70),
    "36": (50.55, 9.68),
    "37": (51.54, 9.93),
    "38": (52.20, 10.50),
    "39": (52.13, 11.63),
    "40": (51.23, 6.78),
    "41": (51.19, 6.44),
    "42": (51.26, 7.15),
    "44": (51.51, 7.47),
    "45": (51.46, 7.01),
    "46": (51.55, 6.80),
    "47": (51.43, 6.76),
    "48": (51.96, 7.63),
    "49": (52.28, 8.05),
    "50": (50.94, 6.96),
    "51": (50.95, 7.10),
    "52": (50.78, 6.08),
    "53": (50.73, 7.10),
    "54": (49.75, 6.64),
    "55": (50.00, 8.27),
    "56": (50.36, 7.59),
    "57": (50.87, 8.02),
    "58": (51.36, 7.47),
    "59": (51.68, 7.82),
    "60": (50.11, 8.68),
    "61": (50.25, 8.65),
    "63": (50.10, 9.00),
    "64": (49.87, 8.65),
    "65": (50.08, 8.24),
    "66": (49.24, 6.99),
    "67": (49.45, 8.20),
    "68": (49.49, 8.47),
    "69": (49.40, 8.67),
    "70": (48.78, 9.18),
    "71": (48.85, 9.10),
    "72": (48.45, 9.00),
    "73": (48.70, 9.60),
    "74": (49.14, 9.22),
    "75": (48.89, 8.70),
    "76": (49.01, 8.40),
    "77": (48.47, 7.95),
    "78": (47.90, 8.70),
    "79": (47.99, 7.85),
    "80": (48.14, 11.58),
    "81": (48.12, 11.60),
    "82": (47.95, 11.30),
    "83": (47.85, 12.20),
    "84": (48.50, 12.40),
    "85": (48.40, 11.60),
    "86": (48.37, 10.90),
    "87": (47.75, 10.40),
    "88": (47.75, 9.60),
    "89": (48.40, 9.99),
    "90": (49.45, 11.08),
    "91": (49.55, 10.90),
    "92": (49.45, 12.10),
    "93": (49.01, 12.10),
    "94": (48.60, 13.30),
    "95": (50.05, 11.80),
    "96": (50.10, 10.90),
    "97": (49.79, 9.95),
    "98": (50.60, 10.70),
    "99": (50.98, 11.03),
}

MAX_PLACE_LENGTH = 80

_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


def _key(name: str) -> str:
    """A town's name as compared: case, accents, punctuation and the spelling of umlauts and
    "ß" ("Muenchen", "Rosslau") do not matter."""
    text = unicodedata.normalize("NFC", name.casefold())
    for letter, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(letter, spelled)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_INDEX: dict[str, Coordinates] = {_key(name): spot for name, spot in TOWNS.items()}
_INDEX.update({_key(alias): TOWNS[name] for alias, name in ALIASES.items()})


def _town(text: str) -> Coordinates | None:
    """The whole text as a town, else its longest known beginning ("Salzgitter Lebenstedt",
    "Hannover-Linden" find their town)."""
    words = _key(text).split()
    for end in range(len(words), 0, -1):
        found = _INDEX.get(" ".join(words[:end]))
        if found is not None:
            return found
    return None


def locate(text: str) -> Coordinates | None:
    """Coordinates for a typed place, or None when it is not known."""
    without_code = _POSTCODE.sub(" ", text)
    town = _town(without_code)
    if town is not None:
        return town
    code = _POSTCODE.search(text)
    if code is not None:
        return POSTCODE_REGIONS.get(code.group(1)[:2])
    return None
