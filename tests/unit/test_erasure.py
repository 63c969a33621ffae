"""What an erased person leaves in stored texts and JSON (core.erasure)."""

from __future__ import annotations

from core.erasure import ERASED, Scrubber

ZORA = 8765432109


def scrubber() -> Scrubber:
    return Scrubber.of(ZORA, ["Zora <Zyx> & Co", "Kellerbar", "IT", None, "  "])


def test_texts_lose_the_persons_strings_also_when_escaped_and_in_another_case() -> None:
    s = scrubber()
    assert s.text("Neu: <b>Zora &lt;Zyx&gt; &amp; Co</b> in der KELLERBAR") == (
        f"Neu: <b>{ERASED}</b> in der {ERASED}"
    )
    assert s.text(f"callback pp:g:{ZORA}") == f"callback pp:g:{ERASED}"
    # Not part of a longer number; short strings ("IT") name nobody and stay.
    assert s.text(f"id {ZORA}1 IT") == f"id {ZORA}1 IT"


def test_json_keeps_its_structure_and_codes() -> None:
    s = scrubber()
    reasons = [
        {"code": "mentor_senior", "params": {"mentor": "Leitung", "mentee": "Kellerbar"}},
        {"code": "Kellerbar", "params": {}},
        {"target": ZORA, "count": 3, "flag": True},
    ]
    assert s.json(reasons) == [
        {"code": "mentor_senior", "params": {"mentor": "Leitung", "mentee": ERASED}},
        {"code": "Kellerbar", "params": {}},
        {"target": None, "count": 3, "flag": True},
    ]
    assert s.mentioned_in({"data": "zz:zora <zyx> & co"})
    assert s.mentioned_in([ZORA])
    assert not s.mentioned_in({"target": ZORA + 1, "text": "Kellner"})
