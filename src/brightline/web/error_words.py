"""Plain English error sentences of the service and access layers, worded in the reader's language.

Coded problems (``brightline.problems``) are translated by their template; older errors still
carry one English sentence (problem code ``message``). Those are looked up here: a sentence
without values by itself in the catalogue, a sentence with values by its pattern, whose
values (a typed text, a limit) are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from brightline.web.i18n import N_

# Sentences raised without values, marked so that extraction puts them in the catalogue.
SENTENCES = (
    N_("type at least 2 letters of the name"),
    N_("give an ε for at least one table"),
    N_("choose a date (YYYY-MM-DD)"),
    N_("an arrival cannot be in the future"),
    N_("you cannot disable your own account"),
    N_("record surgery at your own centre"),
    N_("change your own password on your account page"),
    N_("the current password is not right"),
    N_("the new password must differ from the current one"),
    N_("write the date as YYYY-MM-DD, e.g. 2026-03-15"),
)
# (pattern of the English sentence, its message id with the pattern's groups as parameters).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"give a date as YYYY-MM-DD, not (?P<text>.*)"),
        N_("give a date as YYYY-MM-DD, not %(text)s"),
    ),
    (
        re.compile(r"give a title of 1 to (?P<most>\d+) characters"),
        N_("give a title of 1 to %(most)s characters"),
    ),
    (
        re.compile(r"ε must be a number above 0 and at most (?P<most>\S+), not (?P<text>.*)"),
        N_("ε must be a number above 0 and at most %(most)s, not %(text)s"),
    ),
    (
        re.compile(
            r"(?P<text>'.*') is not a real date; write it as (?P<forms>.*) or (?P<last>[^ ]*)"
        ),
        N_("%(text)s is not a real date; write it as %(forms)s or %(last)s"),
    ),
    (
        re.compile(
            r"(?P<text>'.*') ends before it starts; write it as (?P<forms>.*) or (?P<last>[^ ]*)"
        ),
        N_("%(text)s ends before it starts; write it as %(forms)s or %(last)s"),
    ),
    (
        re.compile(r"(?P<text>'.*') is not a period; write it as (?P<forms>.*) or (?P<last>[^ ]*)"),
        N_("%(text)s is not a period; write it as %(forms)s or %(last)s"),
    ),
    (
        re.compile(r"no region (?P<text>'.*') in your area"),
        N_("no region %(text)s in your area"),
    ),
    (re.compile(r"no county (?P<text>'.*')"), N_("no county %(text)s")),
    (re.compile(r"(?P<text>'.*') is not a number"), N_("%(text)s is not a number")),
    (
        re.compile(r"write a note of at most (?P<most>\d+) characters"),
        N_("write a note of at most %(most)s characters"),
    ),
)


def worded(sentence: str, gettext: Callable[[str], str]) -> str:
    """One English error sentence in the reader's language (as it is when none is known)."""
    translated = gettext(sentence)
    if translated != sentence:
        return translated
    for pattern, message in PATTERNS:
        if match := pattern.fullmatch(sentence):
            return gettext(message) % match.groupdict()
    return sentence
