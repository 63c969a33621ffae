"""The offline gazetteer: typed towns and postcodes to coordinates for the matching's distance."""

from __future__ import annotations

import math

import pytest

from core.places import POSTCODE_REGIONS, TOWNS, locate


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(
    ("typed", "town"),
    [
        ("Salzgitter", "Salzgitter"),
        ("  salzgitter-lebenstedt ", "Salzgitter"),
        ("38226 Salzgitter", "Salzgitter"),
        ("WOLFENBUETTEL", "Wolfenbüttel"),
        ("Wolfenbüttel", "Wolfenbüttel"),
        ("Frankfurt", "Frankfurt am Main"),
        ("Hannover-Linden", "Hannover"),
        ("München", "München"),
        ("Muenchen", "München"),
        ("Dessau-Rosslau", "Dessau-Roßlau"),
        ("Halle (Saale)", "Halle (Saale)"),
    ],
)
def test_known_towns_are_found_however_they_are_typed(typed: str, town: str) -> None:
    assert locate(typed) == TOWNS[town]


def test_a_postcode_alone_finds_its_region() -> None:
    spot = locate("38259")  # Salzgitter-Bad: region 38 (Braunschweig / Salzgitter / Wolfsburg)
    assert spot == POSTCODE_REGIONS["38"]
    assert km(spot, TOWNS["Salzgitter"]) < 40
    assert km(locate("D-80331") or (0, 0), TOWNS["München"]) < 10
    assert km(locate("10115 irgendwo") or (0, 0), TOWNS["Berlin"]) < 10


@pytest.mark.parametrize("typed", ["", "Atlantis", "1234", "123456", "00000", "Nähe Bahnhof"])
def test_unknown_places_have_no_coordinates(typed: str) -> None:
    assert locate(typed) is None


def test_the_tables_are_plausible() -> None:
    assert len(TOWNS) >= 100
    assert all(47 < lat < 55.1 and 5.8 < lon < 15.1 for lat, lon in TOWNS.values())
    assert all(47 < lat < 55.1 and 5.8 < lon < 15.1 for lat, lon in POSTCODE_REGIONS.values())
    assert all(len(code) == 2 and code.isdigit() for code in POSTCODE_REGIONS)
    assert len(POSTCODE_REGIONS) >= 90
    # Each town lies near the centre of its own region (a typo in the tables would not).
    for town, code in [("Salzgitter", "38"), ("Hannover", "30"), ("Köln", "50"), ("Kiel", "24")]:
        assert km(TOWNS[town], POSTCODE_REGIONS[code]) < 50
    assert 45 < km(TOWNS["Salzgitter"], TOWNS["Hannover"]) < 65
