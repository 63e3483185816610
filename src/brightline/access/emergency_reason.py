"""Whether a written emergency (break-glass) reason holds real words, in any script."""

from __future__ import annotations

import unicodedata
from typing import Final

from brightline.errors import InvalidInput

MIN_REASON_LETTERS: Final = 10
"""Letters an alphabetic reason needs: about two short words ("unconscious", "fell, bleeding")."""
MIN_REASON_IDEOGRAPHS: Final = 4
"""CJK ideographs a reason needs: each is a word or a syllable, so 4 make a sentence (病人昏迷)."""


def _is_ideograph(character: str) -> bool:
    return unicodedata.name(character, "").startswith(
        ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")
    )


def reason_weight(reason: str) -> float:
    """How much writing ``reason`` holds, in letters: an ideograph counts 10/4 letters.

    Format characters (Unicode category Cf: zero-width spaces, joiners, direction marks),
    whitespace, punctuation, symbols and digits count nothing, so none of them alone can make
    up a reason.
    """
    weight = 0.0
    for character in reason:
        if not unicodedata.category(character).startswith("L"):
            continue
        weight += MIN_REASON_LETTERS / MIN_REASON_IDEOGRAPHS if _is_ideograph(character) else 1
    return weight


def check_emergency_reason(reason: str) -> str:
    """The reason, trimmed, if it holds enough letters or ideographs; else a message why not."""
    if reason_weight(reason) < MIN_REASON_LETTERS:
        raise InvalidInput(
            f"write in words why emergency access is needed (at least {MIN_REASON_LETTERS} "
            f"letters, or {MIN_REASON_IDEOGRAPHS} Chinese characters); spaces, digits and "
            "punctuation do not count",
            field="reason",
        )
    return reason.strip()
