"""How the bot writes about a person: the form of address they chose at registration.

German grammar needs the person's form of address and the case of the phrase: "mit Ihrer
Mentorin Petra Schulz", "an Ihren Mentor Jonas Weber". Whoever chose the neutral form is
written about by name only ("Ihr Tandem mit Alex Kim"): no slash forms in running text. The
catalogs hold one entry per (role, form, case), `who.<role>.<form>.<case>`, so that a message
never builds a grammatical form by hand; the catalog test expands every combination, so a
missing one fails there, not in a user's chat.
English needs no gender; its entries differ only between a chosen form and the neutral one.
"""

from __future__ import annotations

from enum import StrEnum


class FormOfAddress(StrEnum):
    FEMALE = "f"  # "Frau", "Ihre Mentorin"
    MALE = "m"  # "Herr", "Ihr Mentor"
    NEUTRAL = "n"  # by name only, no "Frau"/"Herr"


class Case(StrEnum):
    """The grammatical case the surrounding sentence asks for."""

    NOMINATIVE = "nom"  # "Sie und {partner} haben …"
    START = "start"  # nominative opening a sentence (English capitalises "Your mentor")
    ACCUSATIVE = "acc"  # "Ihr Vorschlag ist an {partner} gegangen"
    DATIVE = "dat"  # "Ihr Treffen mit {partner}"
    BARE = "bare"  # for the program team: role noun without article, "Mentorin Petra Schulz"


ROLES = ("mentor", "mentee")


def form_of(value: object) -> FormOfAddress:
    """A stored or draft value as a form; anything unknown (an erased or old row) is neutral."""
    try:
        return FormOfAddress(str(value))
    except ValueError:
        return FormOfAddress.NEUTRAL


def role_of(value: object) -> str:
    """The role for choosing wording; an unknown value reads as a mentee (no gendered noun)."""
    return "mentor" if value == "mentor" else "mentee"
