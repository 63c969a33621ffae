"""Which typed names probably stand for one employer (never paired silently)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.companies import closeness, normalize_company, probably_same

SAME = [
    ("Volkswagen AG", "Volkswagen AG, Werk Salzgitter"),  # a branch: one key contains the other
    ("Braunschweigische Landessparkasse", "Braunschweigische Landessparkase"),  # a typo
    ("Salzgitter AG", "Salzgitter Flachstahl GmbH"),  # a subsidiary
    ("ALSTOM GmbH", "Alstom"),  # a spelling
    ("IHK", "IHK Braunschweig"),  # a short name as the first word
    ("VW", "VW Financial Services"),
    ("Siemens Healthineers", "Siemens Healtineers AG"),
]
DIFFERENT = [
    ("Bosch", "Borsig"),
    ("Alstom", "Siemens"),
    ("Bosch", "Busch"),  # short keys: one letter apart is not enough to say
    ("IHK", "Schihk AG"),  # a short key inside a word says nothing
    ("Stadtwerke Braunschweig", "Stadtwerke Wolfsburg"),
    ("Sparkasse Hannover", "Sparkasse Hameln"),
    ("", "Volkswagen"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_probably_the_same_employer(a: str, b: str) -> None:
    assert probably_same(a, b)
    assert probably_same(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_employers(a: str, b: str) -> None:
    assert not probably_same(a, b)
    assert not probably_same(b, a)


names = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "Zs", "Pd", "Po")), max_size=40
)


@settings(max_examples=300)
@given(names, names)
def test_symmetric(a: str, b: str) -> None:
    assert probably_same(a, b) == probably_same(b, a)


@settings(max_examples=300)
@given(names, st.sampled_from([" GmbH", " AG", " SE", ", Werk Salzgitter", " Holding"]))
def test_a_name_with_a_suffix_is_probably_the_same(base: str, suffix: str) -> None:
    if len(normalize_company(base)) >= 4:
        assert probably_same(base, base + suffix)


def test_the_name_it_begins_with_comes_first() -> None:
    typed = normalize_company("Volkswagen AG, Werk Salzgitter")
    assert closeness(typed, "volkswagen") > closeness(typed, "salzgitter")
