"""Default triage of a screened person: no referral, glasses, online review or urgent review.

Source: WHO and RAAB screening practice (WHO, *World report on vision*, 2019; ICD-11 9D90
vision impairment categories; RAAB 7 pinhole examination) — refer when presenting
VA is worse than 6/12 (or 6/18) in either eye, pinhole separates refractive error from other
causes, blindness (< 3/60, WHO/ICD-11 9D90) in the better eye is urgent. The rules are data
(``TriageRules``) with a version that every result carries, so a stored decision can always be
traced to the rule set that produced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from brightline.acuity import VA_3_60, VA_6_12, VA_6_18, AcuityError, VisualAcuity, parse_va
from brightline.reasons import Reason, reason
from brightline.vocabulary import Eye, LensStatus, Symptom, TriageDecision, values

EYES = values(Eye)
LENS_STATUSES = values(LensStatus)
SYMPTOMS = values(Symptom)
DECISIONS = values(TriageDecision)
"""Triage decisions in order of severity: a later decision always outranks an earlier one."""

REFER_THRESHOLDS = ("6/12", "6/18")
"""Referral thresholds a programme may choose (ICD-11 9D90: 6/12 is the mild VI boundary, 6/18
the moderate one)."""

DEFAULT_RULE_VERSION = "who-default-1"

RULE_KEYS = (
    "version",
    "refer_worse_than",
    "pinhole_corrects_to",
    "urgent_symptoms",
    "urgent_better_eye_worse_than",
    "complication_worse_than",
    "complication_urgent",
)
"""Settings of the ``[triage]`` table of a programme file, in the order they are documented."""

_NONE, _REFRACTION, _REVIEW, _URGENT = range(len(DECISIONS))


class TriageRuleError(ValueError):
    """A triage rule set that cannot be used; the message names the setting and valid values."""


class TriageInputError(ValueError):
    """Screening findings that triage cannot use (unknown lens status or symptom code)."""


def _written(value: object) -> str:
    """A value as it is written in a programme file (TOML): "6/12", true, ["trauma"]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_written(item) for item in value) + "]"
    return str(value)


def _same_acuity(first: VisualAcuity, second: VisualAcuity) -> bool:
    """Whether two VAs are the same chart line, whatever notation they were written in."""
    return first.is_at_least(second) and second.is_at_least(first)


def _listed(values: Iterable[str]) -> str:
    """Valid values quoted as they are written in a programme file."""
    return ", ".join(_written(value) for value in values)


@dataclass(frozen=True)
class EyeFindings:
    """What the screener recorded for one eye: presenting VA, pinhole VA, lens status, and why
    the VA could not be tested (``vocabulary.Untestable``) when it was not."""

    presenting: VisualAcuity | None
    pinhole: VisualAcuity | None = None
    lens: str | None = None
    untestable: str | None = None

    def __post_init__(self) -> None:
        if self.lens is not None and self.lens not in LENS_STATUSES:
            raise TriageInputError(
                f"lens status {_written(self.lens)} is not known; "
                f"valid values: {_listed(LENS_STATUSES)}."
            )


@dataclass(frozen=True)
class TriageInput:
    """Screening findings for one person: both eyes and any reported symptoms."""

    right: EyeFindings
    left: EyeFindings
    symptoms: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # A set or list from a form is accepted; the stored value must stay hashable and frozen.
        object.__setattr__(self, "symptoms", frozenset(self.symptoms))
        unknown = sorted(self.symptoms - set(SYMPTOMS))
        if unknown:
            raise TriageInputError(
                f"symptom {_written(unknown[0])} is not known; valid values: {_listed(SYMPTOMS)}."
            )

    def eye(self, eye: str) -> EyeFindings:
        """Findings of the ``"right"`` or ``"left"`` eye."""
        if eye == "right":
            return self.right
        if eye == "left":
            return self.left
        raise TriageInputError(f"eye {_written(eye)} is not known; valid values: {_listed(EYES)}.")


@dataclass(frozen=True)
class TriageRules:
    """A versioned triage rule set; the defaults follow WHO/RAAB practice (docs/triage.md)."""

    version: str
    refer_worse_than: VisualAcuity = VA_6_12
    pinhole_corrects_to: VisualAcuity = VA_6_12
    urgent_symptoms: frozenset[str] = frozenset(SYMPTOMS)
    urgent_better_eye_worse_than: VisualAcuity = VA_3_60
    # Below 6/18 a pseudophakic eye is no longer a "good" outcome (WHO/PBL/98.68).
    complication_worse_than: VisualAcuity = VA_6_18
    complication_urgent: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "urgent_symptoms", frozenset(self.urgent_symptoms))
        if not self.version.strip():
            raise TriageRuleError('version is empty; give the rules a name such as "county-1".')
        refer = self.refer_worse_than.snellen_metric
        if not any(_same_acuity(self.refer_worse_than, va) for va in (VA_6_12, VA_6_18)):
            raise TriageRuleError(
                f"refer_worse_than = {_written(refer)} is not allowed; "
                f"valid values: {_listed(REFER_THRESHOLDS)}."
            )
        if self.pinhole_corrects_to.is_worse_than(self.refer_worse_than):
            # Glasses that leave an eye below the referral line would not solve its problem.
            raise TriageRuleError(
                f"pinhole_corrects_to = {_written(self.pinhole_corrects_to.snellen_metric)} is "
                f"worse than refer_worse_than = {_written(refer)}; "
                f"valid values: {_written(refer)} or better."
            )
        unknown = sorted(self.urgent_symptoms - set(SYMPTOMS))
        if unknown:
            raise TriageRuleError(
                f"urgent_symptoms contains {_written(unknown[0])}; "
                f"valid values: {_listed(SYMPTOMS)}."
            )

    def same_rules_as(self, other: TriageRules) -> bool:
        """Whether two rule sets decide alike, whatever their versions and VA notations."""
        return (
            _same_acuity(self.refer_worse_than, other.refer_worse_than)
            and _same_acuity(self.pinhole_corrects_to, other.pinhole_corrects_to)
            and self.urgent_symptoms == other.urgent_symptoms
            and _same_acuity(self.urgent_better_eye_worse_than, other.urgent_better_eye_worse_than)
            and _same_acuity(self.complication_worse_than, other.complication_worse_than)
            and self.complication_urgent == other.complication_urgent
        )


DEFAULT_RULES = TriageRules(version=DEFAULT_RULE_VERSION)
"""The default triage (refer below 6/12, pinhole to 6/12, urgent below 3/60; docs/triage.md)."""


@dataclass(frozen=True)
class TriageResult:
    """A triage decision with its reasons (codes, ``brightline.reasons``) and rule version."""

    decision: str
    reasons: tuple[Reason, ...]
    rule_version: str
    suspected_cataract: bool
    possible_complication: bool
    failing_eyes: tuple[str, ...]

    @property
    def severity(self) -> int:
        """Rank of the decision: 0 none, 1 refraction, 2 review, 3 urgent review."""
        return DECISIONS.index(self.decision)


@dataclass
class _Assessment:
    """Running triage of one person: the decision so far and the reasons given for it."""

    severity: int = _NONE
    reasons: list[Reason] = field(default_factory=list)
    failing_eyes: list[str] = field(default_factory=list)
    suspected_cataract: bool = False
    possible_complication: bool = False

    def note(self, given: Reason, severity: int = _NONE) -> None:
        """Record a reason; the decision only ever rises to the most severe one seen."""
        self.reasons.append(given)
        self.severity = max(self.severity, severity)


def _assess_eye(eye: str, found: EyeFindings, rules: TriageRules, result: _Assessment) -> None:
    """Referral threshold, pinhole and lens of one eye (RAAB: pinhole tells refractive error)."""
    presenting, pinhole, lens = found.presenting, found.pinhole, found.lens
    if presenting is None and found.untestable == "could_not_cooperate":
        # Vision unknown in an eye that is there: only an examination can rule out cataract.
        result.note(reason("eye_could_not_cooperate", eye=eye), _REVIEW)
        return
    if presenting is None and found.untestable in ("eye_absent", "not_attempted"):
        code = "eye_absent" if found.untestable == "eye_absent" else "eye_not_attempted"
        result.note(reason(code, eye=eye))
        return
    if presenting is None:
        result.note(reason("presenting_not_measured", eye=eye))
        return
    refer = rules.refer_worse_than.snellen_metric
    target = rules.pinhole_corrects_to.snellen_metric
    shown = presenting.snellen_metric
    if not presenting.is_worse_than(rules.refer_worse_than):
        result.note(reason("presenting_at_least", eye=eye, va=shown, limit=refer))
    else:
        result.failing_eyes.append(eye)
        result.note(reason("presenting_worse_than", eye=eye, va=shown, limit=refer))
        corrected = pinhole is not None and pinhole.is_at_least(rules.pinhole_corrects_to)
        if pinhole is None:
            result.note(reason("pinhole_not_measured", eye=eye), _REVIEW)
        elif corrected:
            result.note(
                reason("pinhole_corrects", eye=eye, va=pinhole.snellen_metric, limit=target),
                _REFRACTION,
            )
        else:
            result.note(
                reason("pinhole_worse_than", eye=eye, va=pinhole.snellen_metric, limit=target),
                _REVIEW,
            )
        if lens == "opacity" and not corrected:
            result.suspected_cataract = True
            result.note(reason("suspected_cataract", eye=eye))
        elif lens == "opacity":
            # RAAB assigns the cause to refractive error when pinhole restores vision.
            result.note(reason("opacity_corrected_by_pinhole", eye=eye))
        elif lens == "not_visible" and not corrected:
            result.note(reason("lens_not_visible", eye=eye))
    if lens == "pseudophakia":
        # Pinhole removes residual refractive error, the common harmless cause after surgery;
        # what it cannot correct (capsule opacity, macular oedema, detachment) is the concern.
        seen = presenting if pinhole is None or presenting.is_at_least(pinhole) else pinhole
        if seen.is_worse_than(rules.complication_worse_than):
            result.possible_complication = True
            urgent = rules.complication_urgent
            result.note(
                reason(
                    "possible_complication_urgent" if urgent else "possible_complication",
                    eye=eye,
                    va=seen.snellen_metric,
                    limit=rules.complication_worse_than.snellen_metric,
                ),
                _URGENT if urgent else _REVIEW,
            )


def _assess_person(findings: TriageInput, rules: TriageRules, result: _Assessment) -> None:
    """Blindness in the better eye (WHO categories use the better eye), or no VA at all."""
    presenting = (findings.right.presenting, findings.left.presenting)
    measured = [va for va in presenting if va is not None]
    both_absent = all(findings.eye(e).untestable == "eye_absent" for e in EYES)
    if not measured:
        if both_absent:
            return  # no eye to examine or operate: nothing to refer for
        # Someone who could not be assessed at screening still needs an eye examination.
        result.note(reason("not_measured_either_eye"), _REVIEW)
        for eye in EYES:
            if findings.eye(eye).lens == "opacity":
                result.suspected_cataract = True
                result.note(reason("suspected_cataract", eye=eye))
        return
    better = min(measured, key=lambda va: va.logmar)
    which = "better_eye" if len(measured) == 2 else "only_eye"
    limit = rules.urgent_better_eye_worse_than
    if better.is_worse_than(limit):
        # 3/60 is the WHO/ICD-11 9D90 boundary of blindness; another limit is not named so.
        level = "blind" if _same_acuity(limit, VA_3_60) else "worse_than"
        result.note(
            reason(f"{which}_{level}", va=better.snellen_metric, limit=limit.snellen_metric),
            _URGENT,
        )


def triage(findings: TriageInput, rules: TriageRules) -> TriageResult:
    """Decide referral for one screened person (docs/triage.md, after WHO/RAAB practice)."""
    result = _Assessment()
    for eye in EYES:
        _assess_eye(eye, findings.eye(eye), rules, result)
    _assess_person(findings, rules, result)
    for symptom in SYMPTOMS:
        if symptom in findings.symptoms:
            # A known symptom is never ignored: a programme only decides whether it is urgent.
            urgent = symptom in rules.urgent_symptoms
            result.note(
                reason("symptom_urgent" if urgent else "symptom_review", symptom=symptom),
                _URGENT if urgent else _REVIEW,
            )
    return TriageResult(
        decision=DECISIONS[result.severity],
        reasons=tuple(result.reasons),
        rule_version=rules.version,
        suspected_cataract=result.suspected_cataract,
        possible_complication=result.possible_complication,
        failing_eyes=tuple(result.failing_eyes),
    )


def _acuity_setting(
    data: Mapping[str, Any], key: str, default: VisualAcuity, source: str
) -> VisualAcuity:
    """A VA setting of the ``[triage]`` table, written as text such as "6/12"."""
    if key not in data:
        return default
    value = data[key]
    if not isinstance(value, str):
        raise TriageRuleError(
            f'{source}: triage.{key} must be a visual acuity in quotes, such as "6/12"; '
            f"got {_written(value)}."
        )
    try:
        return parse_va(value)
    except AcuityError as exc:
        raise TriageRuleError(f"{source}: triage.{key} = {_written(value)}: {exc}") from exc


def rules_from_mapping(data: Mapping[str, Any], *, source: str = "programme file") -> TriageRules:
    """Triage rules from the ``[triage]`` table of a programme file, checked key by key."""
    unknown = sorted(set(data) - set(RULE_KEYS))
    if unknown:
        raise TriageRuleError(
            f"{source}: triage.{unknown[0]} is not a known setting; "
            f"valid settings: {', '.join(RULE_KEYS)}."
        )
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise TriageRuleError(
            f"{source}: triage.version must be a non-empty name in quotes, such as "
            f'"{DEFAULT_RULE_VERSION}"; got {_written(version)}.'
        )
    symptoms = data.get("urgent_symptoms", list(SYMPTOMS))
    if not isinstance(symptoms, list) or not all(isinstance(s, str) for s in symptoms):
        raise TriageRuleError(
            f"{source}: triage.urgent_symptoms must be a list of symptom codes in quotes; "
            f"got {_written(symptoms)}; valid values: {_listed(SYMPTOMS)}."
        )
    complication_urgent = data.get("complication_urgent", False)
    if not isinstance(complication_urgent, bool):
        raise TriageRuleError(
            f"{source}: triage.complication_urgent must be true or false; "
            f"got {_written(complication_urgent)}."
        )
    refer_worse_than = _acuity_setting(data, "refer_worse_than", VA_6_12, source)
    pinhole_corrects_to = _acuity_setting(data, "pinhole_corrects_to", VA_6_12, source)
    urgent_better_eye_worse_than = _acuity_setting(
        data, "urgent_better_eye_worse_than", VA_3_60, source
    )
    complication_worse_than = _acuity_setting(data, "complication_worse_than", VA_6_18, source)
    try:
        rules = TriageRules(
            version=version.strip(),
            refer_worse_than=refer_worse_than,
            pinhole_corrects_to=pinhole_corrects_to,
            urgent_symptoms=frozenset(symptoms),
            urgent_better_eye_worse_than=urgent_better_eye_worse_than,
            complication_worse_than=complication_worse_than,
            complication_urgent=complication_urgent,
        )
    except TriageRuleError as exc:
        # The rule set's own checks name the setting; add the file and table it came from.
        raise TriageRuleError(f"{source}: triage.{exc}") from exc
    if rules.version == DEFAULT_RULE_VERSION and not rules.same_rules_as(DEFAULT_RULES):
        # A version names one rule set: stored results must never claim rules they did not use.
        raise TriageRuleError(
            f"{source}: triage.version = {_written(DEFAULT_RULE_VERSION)} names the default "
            "rules, but these rules differ from them; give the changed rules a new version, "
            'such as "my-programme-1".'
        )
    return rules
