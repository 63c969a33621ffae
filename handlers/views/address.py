"""Writing about a person in the form of address they chose (see core.address).

Every message that names a partner takes its phrase from here, so "Ihre Mentorin Petra Schulz",
"Ihrem Mentor Jonas Weber" or just "Alex Kim" (neutral) follow one rule everywhere.
"""

from __future__ import annotations

import html
from typing import Protocol

from bot.i18n import Safe, Translator
from core.address import Case, form_of, role_of


class Person(Protocol):
    """A participant, or what is left of one that has just erased their data (a departure)."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def form_of_address(self) -> str: ...


def who(t: Translator, person: Person, case: Case) -> Safe:
    """The phrase in the case the sentence needs; the name is escaped here, so the phrase goes
    into any message as ready HTML."""
    role, form = role_of(person.role), form_of(person.form_of_address).value
    return Safe(t(f"who.{role}.{form}.{case.value}", name=person.name))


def introduced_as(t: Translator, person: Person) -> Safe:
    """The introduction's "Ihre Mentorin ist <b>Petra Schulz</b>"."""
    role, form = role_of(person.role), form_of(person.form_of_address).value
    return Safe(t(f"intro.who.{role}.{form}", name=person.name))


def role_label(t: Translator, person: Person) -> str:
    """The role as a label in a card line or list ("Mentorin: Petra Schulz") for the program
    team, who need the role even of someone written about by name only; plain text, so it
    serves button labels too."""
    return role_noun(t, person.role, person.form_of_address)


def role_noun(t: Translator, role_value: object, form_value: object) -> str:
    """`role_label` from the stored values, where no participant is at hand (a profile's)."""
    role, form = role_of(role_value), form_of(form_value).value
    return t.plain(f"role.label.{role}.{form}")


def chat_link(user_id: int | None, name: str, username: str | None) -> Safe:
    """A name that opens the person's chat in Telegram, with the @username where there is one:
    a way to reach someone even without a username. An erased registration (no user) is its
    name alone."""
    shown = html.escape(name, quote=True)
    if user_id is None:
        return Safe(shown)
    link = f'<a href="tg://user?id={user_id}">{shown}</a>'
    return Safe(f"{link} (@{html.escape(username, quote=True)})" if username else link)
