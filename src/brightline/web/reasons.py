"""Triage reasons in the reader's language.

``brightline.triage`` words each reason in English (stored with the screening, so a record
reads the same forever); these patterns match those sentences and re-word them through the
catalogue. A sentence no pattern knows is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from brightline.web.i18n import N_

_EYE = r"(?P<eye>right|left)"
_VA = r"(?P<va>[^ ,()]+(?: \d+c?m)?)"
_LIMIT = r"(?P<limit>[^ ,():]+)"
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), message)
    for pattern, message in (
        (rf"^{_EYE} eye presenting VA not measured\.$", N_("%(eye)s: presenting VA not measured.")),
        (
            rf"^{_EYE} eye presenting VA {_VA} is {_LIMIT} or better\.$",
            N_("%(eye)s: presenting VA %(va)s is %(limit)s or better."),
        ),
        (
            rf"^{_EYE} eye presenting VA {_VA} is worse than {_LIMIT}\.$",
            N_("%(eye)s: presenting VA %(va)s is worse than %(limit)s."),
        ),
        (
            rf"^Pinhole VA not measured in the {_EYE} eye: .*$",
            N_(
                "%(eye)s: pinhole VA not measured, so refractive error cannot be told apart "
                "from other causes."
            ),
        ),
        (
            rf"^Pinhole improves the {_EYE} eye to {_VA} \({_LIMIT} or better\): .*$",
            N_(
                "%(eye)s: pinhole improves vision to %(va)s (%(limit)s or better): refractive "
                "error likely."
            ),
        ),
        (
            rf"^Pinhole VA in the {_EYE} eye is {_VA}, worse than {_LIMIT}: .*$",
            N_(
                "%(eye)s: pinhole VA %(va)s is worse than %(limit)s: not explained by "
                "refractive error alone."
            ),
        ),
        (
            rf"^Lens opacity in the {_EYE} eye: suspected cataract\.$",
            N_("%(eye)s: lens opacity, suspected cataract."),
        ),
        (
            rf"^Lens opacity in the {_EYE} eye, not counted as suspected cataract: .*$",
            N_(
                "%(eye)s: lens opacity, not counted as suspected cataract because pinhole "
                "corrects the eye."
            ),
        ),
        (
            rf"^Lens not visible in the {_EYE} eye: .*$",
            N_("%(eye)s: lens not visible; the cause is for the reviewer."),
        ),
        (
            rf"^Pseudophakic {_EYE} eye sees {_VA}, worse than {_LIMIT}: .*$",
            N_(
                "%(eye)s: after cataract surgery the eye sees %(va)s, worse than %(limit)s: "
                "possible complication."
            ),
        ),
        (
            r"^Visual acuity not measured in either eye: .*$",
            N_("Visual acuity not measured in either eye: the person needs to be seen."),
        ),
        (
            rf"^(?:Better eye|Only measured eye) {_VA} is worse than {_LIMIT}.*: urgent\.$",
            N_("The better eye sees %(va)s, worse than %(limit)s: urgent."),
        ),
        (r"^Sudden loss of vision reported: .*$", N_("Sudden loss of vision reported.")),
        (r"^Painful red eye reported: .*$", N_("Painful red eye reported.")),
        (r"^Eye (?:injury|trauma) reported: .*$", N_("Eye injury reported.")),
    )
)
EYE_WORDS = {"right": N_("Right eye"), "left": N_("Left eye")}


def translate_reason(
    reason: str, translate: Callable[[str], str], show_va: Callable[[str], str]
) -> str:
    """One stored triage reason in the reader's language and the programme's VA notation."""
    for pattern, message in PATTERNS:
        match = pattern.match(reason)
        if match is None:
            continue
        found = match.groupdict()
        values = {
            "eye": translate(EYE_WORDS[found["eye"].lower()]) if found.get("eye") else "",
            "va": show_va(found["va"]) if found.get("va") else "",
            "limit": show_va(found["limit"]) if found.get("limit") else "",
        }
        return translate(message) % values
    return reason
