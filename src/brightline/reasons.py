"""Triage reasons as codes with parameters, and the one English wording of each code.

Triage gives every reason as a stable code plus plain parameters (eye, VA, limit, symptom);
that object is what is stored and what the API returns, so a record keeps its meaning in any
language and can be re-worded without parsing prose. The English templates below are the
gettext message ids: translations live in the web UI's catalogues (``brightline/web/locale``)
and are applied by whoever renders. Pure: no files, no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final


def N_(message: str) -> str:
    """Mark a message for extraction into the gettext catalogue; it is translated when shown."""
    return message


@dataclass(frozen=True)
class ReasonKind:
    """One reason code: its English template (a gettext msgid) and the parameters it takes."""

    code: str
    template: str
    parameters: tuple[str, ...] = ()


_EYE_VA_LIMIT = ("eye", "va", "limit")
_VA_LIMIT = ("va", "limit")

UNRECOGNISED: Final = "unrecognised"
"""A stored sentence from before reasons had codes that no pattern recognised; shown as stored."""

REASON_KINDS: Final[tuple[ReasonKind, ...]] = (
    ReasonKind("presenting_not_measured", N_("%(eye)s presenting VA not measured."), ("eye",)),
    ReasonKind(
        "presenting_at_least",
        N_("%(eye)s presenting VA %(va)s is %(limit)s or better."),
        _EYE_VA_LIMIT,
    ),
    ReasonKind(
        "presenting_worse_than",
        N_("%(eye)s presenting VA %(va)s is worse than %(limit)s."),
        _EYE_VA_LIMIT,
    ),
    ReasonKind(
        "pinhole_not_measured",
        N_(
            "Pinhole VA not measured in the %(eye)s: refractive error cannot be told apart "
            "from other causes."
        ),
        ("eye",),
    ),
    ReasonKind(
        "pinhole_corrects",
        N_(
            "Pinhole improves the %(eye)s to %(va)s (%(limit)s or better): refractive error likely."
        ),
        _EYE_VA_LIMIT,
    ),
    ReasonKind(
        "pinhole_worse_than",
        N_(
            "Pinhole VA in the %(eye)s is %(va)s, worse than %(limit)s: not explained by "
            "refractive error alone."
        ),
        _EYE_VA_LIMIT,
    ),
    ReasonKind(
        "suspected_cataract", N_("Lens opacity in the %(eye)s: suspected cataract."), ("eye",)
    ),
    ReasonKind(
        "opacity_corrected_by_pinhole",
        N_(
            "Lens opacity in the %(eye)s, not counted as suspected cataract: pinhole corrects "
            "the eye."
        ),
        ("eye",),
    ),
    ReasonKind(
        "lens_not_visible",
        N_("Lens not visible in the %(eye)s: the cause is for the reviewer."),
        ("eye",),
    ),
    ReasonKind(
        "possible_complication",
        N_(
            "Pseudophakic %(eye)s sees %(va)s, worse than %(limit)s: possible complication of "
            "cataract surgery."
        ),
        _EYE_VA_LIMIT,
    ),
    ReasonKind(
        "possible_complication_urgent",
        N_(
            "Pseudophakic %(eye)s sees %(va)s, worse than %(limit)s: possible complication of "
            "cataract surgery, urgent."
        ),
        _EYE_VA_LIMIT,
    ),
    ReasonKind(
        "not_measured_either_eye",
        N_("Visual acuity not measured in either eye: the person needs to be seen."),
    ),
    ReasonKind(
        "better_eye_blind",
        N_("Better eye %(va)s is worse than %(limit)s (blindness): urgent."),
        _VA_LIMIT,
    ),
    ReasonKind(
        "better_eye_worse_than", N_("Better eye %(va)s is worse than %(limit)s: urgent."), _VA_LIMIT
    ),
    ReasonKind(
        "only_eye_blind",
        N_("Only measured eye %(va)s is worse than %(limit)s (blindness): urgent."),
        _VA_LIMIT,
    ),
    ReasonKind(
        "only_eye_worse_than",
        N_("Only measured eye %(va)s is worse than %(limit)s: urgent."),
        _VA_LIMIT,
    ),
    ReasonKind("symptom_urgent", N_("%(symptom)s reported: urgent."), ("symptom",)),
    ReasonKind("symptom_review", N_("%(symptom)s reported: review."), ("symptom",)),
    ReasonKind(
        "eye_could_not_cooperate",
        N_("%(eye)s could not be tested (could not cooperate): an eye examination is needed."),
        ("eye",),
    ),
    ReasonKind(
        "eye_absent", N_("%(eye)s absent or a prosthesis: not tested, not referred."), ("eye",)
    ),
    ReasonKind("eye_not_attempted", N_("%(eye)s VA not attempted."), ("eye",)),
    ReasonKind(UNRECOGNISED, "%(text)s", ("text",)),
)
"""Every reason code, in the order triage considers them; the one declared list."""

KINDS: Final[Mapping[str, ReasonKind]] = {kind.code: kind for kind in REASON_KINDS}
REASON_CODES: Final[tuple[str, ...]] = tuple(KINDS)

EYE_WORDS: Final[Mapping[str, str]] = {"right": N_("right eye"), "left": N_("left eye")}
"""How the ``eye`` parameter reads inside a sentence."""
SYMPTOM_WORDS: Final[Mapping[str, str]] = {
    "sudden_vision_loss": N_("sudden loss of vision"),
    "painful_red_eye": N_("painful red eye"),
    "trauma": N_("eye trauma"),
}
"""How the ``symptom`` parameter (a symptom code) reads inside a sentence."""
WORD_PARAMETERS: Final[Mapping[str, Mapping[str, str]]] = {
    "eye": EYE_WORDS,
    "symptom": SYMPTOM_WORDS,
}
"""Parameters holding a code that is shown as a translated word."""
VA_PARAMETERS: Final = ("va", "limit")
"""Parameters holding a visual acuity in metric Snellen notation, shown in the reader's."""

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class ReasonError(ValueError):
    """A reason object that is not one of the declared codes with exactly its parameters."""


@dataclass(frozen=True)
class Reason:
    """One triage reason: a declared code and its parameters (plain strings)."""

    code: str
    parameters: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kind = KINDS.get(self.code)
        if kind is None:
            raise ReasonError(f'reason code "{self.code}" is not known.')
        if set(self.parameters) != set(kind.parameters):
            raise ReasonError(
                f'reason "{self.code}" takes {", ".join(kind.parameters) or "no parameters"}; '
                f"got {', '.join(sorted(self.parameters)) or 'none'}."
            )
        for name, value in self.parameters.items():
            words = WORD_PARAMETERS.get(name)
            if not isinstance(value, str) or (words is not None and value not in words):
                raise ReasonError(f'reason "{self.code}": {name} = {value!r} is not valid.')
        # Frozen in declared order, so equal reasons compare and hash alike.
        object.__setattr__(
            self, "parameters", {name: self.parameters[name] for name in kind.parameters}
        )

    def __hash__(self) -> int:
        return hash((self.code, tuple(self.parameters.items())))

    def as_json(self) -> dict[str, str]:
        """The stored and API form: ``{"code": ..., <parameter>: ...}``."""
        return {"code": self.code, **self.parameters}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        """A reason read back from its stored form."""
        parameters = {name: value for name, value in data.items() if name != "code"}
        return cls(str(data.get("code")), parameters)


def to_stored(reasons: Iterable[Reason]) -> str:
    """Reasons as the screening row stores them: a JSON list of their objects."""
    return json.dumps([given.as_json() for given in reasons], ensure_ascii=False)


def from_stored(text: str) -> tuple[Reason, ...]:
    """The reasons of a screening row, read back from its stored JSON list."""
    return tuple(Reason.from_json(item) for item in json.loads(text))


def reason(code: str, **parameters: str) -> Reason:
    """A reason with its parameters given by name: ``reason("suspected_cataract", eye="left")``."""
    return Reason(code, parameters)


def _identity(text: str) -> str:
    return text


def render(
    given: Reason,
    translate: Callable[[str], str] = _identity,
    show_va: Callable[[str], str] = _identity,
) -> str:
    """A reason as a sentence: translated template, translated words, VAs as the reader wants.

    The first letter is upper-cased because a parameter may open the sentence ("right eye
    presenting VA ..."); scripts without case (Chinese) are unchanged.
    """
    if given.code == UNRECOGNISED:
        return given.parameters["text"]
    values: dict[str, str] = {}
    for name, value in given.parameters.items():
        if name in WORD_PARAMETERS:
            values[name] = translate(WORD_PARAMETERS[name][value])
        elif name in VA_PARAMETERS:
            values[name] = show_va(value)
        else:
            values[name] = value
    text = translate(KINDS[given.code].template) % values
    return text[:1].upper() + text[1:]


def placeholders(template: str) -> set[str]:
    """The ``%(name)s`` parameters a template uses (a translation must use the same)."""
    return set(_PLACEHOLDER.findall(template))


def catalogue(translate: Callable[[str], str] = _identity) -> dict[str, Any]:
    """The reason wordings of one language as data, for renderers outside Python.

    ``templates`` maps each code to its sentence with ``%(name)s`` placeholders; ``words``
    maps each word parameter's codes to their wording. Rendering is: replace word parameters
    by their words, VAs by the reader's notation, fill the template, upper-case the first
    letter; ``unrecognised`` is its ``text`` as stored.
    """
    return {
        "templates": {
            kind.code: kind.template if kind.code == UNRECOGNISED else translate(kind.template)
            for kind in REASON_KINDS
        },
        "parameters": {kind.code: list(kind.parameters) for kind in REASON_KINDS},
        "words": {
            name: {code: translate(word) for code, word in words.items()}
            for name, words in WORD_PARAMETERS.items()
        },
        "va_parameters": list(VA_PARAMETERS),
    }
