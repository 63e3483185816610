"""Default triage (docs/triage.md, after WHO/RAAB): a rule table, rule-set checks and properties."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.acuity import VA_6_18, VA_6_60, VisualAcuity, parse_va
from brightline.reasons import reason
from brightline.triage import (
    DECISIONS,
    DEFAULT_RULES,
    EYES,
    LENS_STATUSES,
    SYMPTOMS,
    EyeFindings,
    TriageInput,
    TriageInputError,
    TriageRuleError,
    TriageRules,
    rules_from_mapping,
    triage,
)

AT_6_18 = replace(DEFAULT_RULES, version="test-6-18", refer_worse_than=VA_6_18)
URGENT_COMPLICATION = replace(DEFAULT_RULES, version="test-urgent-iol", complication_urgent=True)
NO_URGENT_SYMPTOMS = replace(DEFAULT_RULES, version="test-calm", urgent_symptoms=frozenset())


def eye(presenting: str | None, pinhole: str | None = None, lens: str | None = None) -> EyeFindings:
    """One eye's findings written as a screener would."""
    return EyeFindings(
        presenting=None if presenting is None else parse_va(presenting),
        pinhole=None if pinhole is None else parse_va(pinhole),
        lens=lens,
    )


def person(right: EyeFindings, left: EyeFindings, *symptoms: str) -> TriageInput:
    """A screened person with both eyes and any symptoms."""
    return TriageInput(right=right, left=left, symptoms=frozenset(symptoms))


def with_eye(findings: TriageInput, name: str, changed: EyeFindings) -> TriageInput:
    """The same person with one eye's findings replaced."""
    right, left = (changed, findings.left) if name == "right" else (findings.right, changed)
    return TriageInput(right=right, left=left, symptoms=findings.symptoms)


FINE = eye("6/6", lens="clear")

# decision, suspected cataract, possible complication, failing eyes
# fmt: off
RULE_TABLE = [
    pytest.param(person(FINE, FINE), DEFAULT_RULES, "none", False, False, (), id="both-6/6"),
    pytest.param(
        person(eye("6/12"), eye("6/12")), DEFAULT_RULES, "none", False, False, (), id="both-6/12"
    ),
    pytest.param(
        person(eye("6/15"), FINE), DEFAULT_RULES, "review", False, False, ("right",),
        id="6/15-refer-at-6/12",
    ),
    pytest.param(person(eye("6/15"), FINE), AT_6_18, "none", False, False, (), id="6/15-at-6/18"),
    pytest.param(person(eye("6/18"), FINE), AT_6_18, "none", False, False, (), id="6/18-at-6/18"),
    pytest.param(
        person(FINE, eye("6/19")), AT_6_18, "review", False, False, ("left",), id="6/19-at-6/18"
    ),
    pytest.param(
        person(eye("6/60", "6/9"), eye("6/36", "6/12")), DEFAULT_RULES, "refraction", False,
        False, ("right", "left"), id="pinhole-fixes-both",
    ),
    pytest.param(
        person(eye("6/60", "6/9"), eye("6/36", "6/24")), DEFAULT_RULES, "review", False, False,
        ("right", "left"), id="pinhole-fixes-one-of-two",
    ),
    pytest.param(
        person(eye("6/24"), FINE), DEFAULT_RULES, "review", False, False, ("right",),
        id="pinhole-missing",
    ),
    pytest.param(
        person(FINE, eye("6/60", "6/36", "opacity")), DEFAULT_RULES, "review", True, False,
        ("left",), id="opacity-suspected-cataract",
    ),
    pytest.param(
        person(eye("6/24", "6/9", "opacity"), FINE), DEFAULT_RULES, "refraction", False, False,
        ("right",), id="opacity-but-pinhole-corrects",
    ),
    pytest.param(
        person(FINE, eye("6/6", lens="opacity")), DEFAULT_RULES, "none", False, False, (),
        id="opacity-with-good-vision",
    ),
    *[
        pytest.param(
            person(FINE, FINE, symptom), DEFAULT_RULES, "urgent_review", False, False, (),
            id=f"symptom-{symptom}",
        )
        for symptom in SYMPTOMS
    ],
    pytest.param(
        person(FINE, FINE, "trauma"), NO_URGENT_SYMPTOMS, "review", False, False, (),
        id="symptom-not-urgent-in-programme",
    ),
    pytest.param(
        person(eye("2/60"), eye("1/60")), DEFAULT_RULES, "urgent_review", False, False,
        ("right", "left"), id="better-eye-2/60",
    ),
    pytest.param(
        person(eye("3/60"), eye("HM")), DEFAULT_RULES, "review", False, False, ("right", "left"),
        id="better-eye-3/60",
    ),
    pytest.param(
        person(eye("NLP", lens="not_visible"), FINE), DEFAULT_RULES, "review", False, False,
        ("right",), id="one-eye-blind-other-fine",
    ),
    pytest.param(
        person(eye("6/60", lens="pseudophakia"), FINE), DEFAULT_RULES, "review", False, True,
        ("right",), id="pseudophakic-6/60",
    ),
    pytest.param(
        person(eye("6/60", lens="pseudophakia"), FINE), URGENT_COMPLICATION, "urgent_review",
        False, True, ("right",), id="pseudophakic-6/60-urgent-programme",
    ),
    pytest.param(
        person(eye("6/24", "6/9", "pseudophakia"), FINE), DEFAULT_RULES, "refraction", False,
        False, ("right",), id="pseudophakic-corrected-by-pinhole",
    ),
    pytest.param(
        person(eye("6/15", lens="pseudophakia"), FINE), AT_6_18, "none", False, False, (),
        id="pseudophakic-good-outcome",
    ),
    pytest.param(
        person(eye(None), eye(None)), DEFAULT_RULES, "review", False, False, (),
        id="not-measured",
    ),
    pytest.param(
        person(eye(None), eye(None, lens="opacity")), DEFAULT_RULES, "review", True, False, (),
        id="not-measured-opacity",
    ),
    pytest.param(
        person(eye(None), FINE), DEFAULT_RULES, "none", False, False, (), id="one-eye-measured"
    ),
    pytest.param(
        person(eye(None), eye("CF")), DEFAULT_RULES, "urgent_review", False, False, ("left",),
        id="only-measured-eye-blind",
    ),
]
# fmt: on


@pytest.mark.parametrize(
    ("findings", "rules", "decision", "cataract", "complication", "failing"), RULE_TABLE
)
def test_rule_table(
    findings: TriageInput,
    rules: TriageRules,
    decision: str,
    cataract: bool,
    complication: bool,
    failing: tuple[str, ...],
) -> None:
    result = triage(findings, rules)
    assert (result.decision, result.suspected_cataract, result.possible_complication) == (
        decision,
        cataract,
        complication,
    )
    assert result.failing_eyes == failing
    assert result.rule_version == rules.version
    assert result.reasons


def test_reasons_name_the_eye_and_the_values() -> None:
    result = triage(
        person(eye("6/60", "6/9"), eye("2/60", "1/60", "opacity")), DEFAULT_RULES
    ).reasons
    assert reason("presenting_worse_than", eye="right", va="6/60", limit="6/12") in result
    assert reason("pinhole_corrects", eye="right", va="6/9", limit="6/12") in result
    assert reason("pinhole_worse_than", eye="left", va="1/60", limit="6/12") in result
    assert reason("suspected_cataract", eye="left") in result
    blind = triage(person(eye("2/60"), eye("LP")), DEFAULT_RULES).reasons
    assert reason("better_eye_blind", va="2/60", limit="3/60") in blind


def test_reasons_at_the_referral_boundaries() -> None:
    at_6_12 = triage(person(eye("6/12"), eye("6/15")), DEFAULT_RULES).reasons
    assert reason("presenting_at_least", eye="right", va="6/12", limit="6/12") in at_6_12
    assert reason("presenting_worse_than", eye="left", va="6/15", limit="6/12") in at_6_12
    at_6_18 = triage(person(eye("6/18"), eye("6/19")), AT_6_18).reasons
    assert reason("presenting_at_least", eye="right", va="6/18", limit="6/18") in at_6_18
    assert reason("presenting_worse_than", eye="left", va="6/19", limit="6/18") in at_6_18


def test_reasons_keep_off_chart_va_as_written() -> None:
    result = triage(person(eye("CF 1m"), eye(None)), DEFAULT_RULES).reasons
    assert result == (
        reason("presenting_worse_than", eye="right", va="CF 1m", limit="6/12"),
        reason("pinhole_not_measured", eye="right"),
        reason("presenting_not_measured", eye="left"),
        reason("only_eye_blind", va="CF 1m", limit="3/60"),
    )


def test_reasons_for_complication_and_symptoms() -> None:
    result = triage(
        person(FINE, eye("6/60", lens="pseudophakia"), "painful_red_eye"), DEFAULT_RULES
    )
    assert reason("possible_complication", eye="left", va="6/60", limit="6/18") in result.reasons
    assert reason("symptom_urgent", symptom="painful_red_eye") in result.reasons
    urgent = triage(person(FINE, eye("6/60", lens="pseudophakia")), URGENT_COMPLICATION)
    assert (
        reason("possible_complication_urgent", eye="left", va="6/60", limit="6/18")
        in urgent.reasons
    )
    calm = triage(person(FINE, FINE, "trauma"), NO_URGENT_SYMPTOMS)
    assert reason("symptom_review", symptom="trauma") in calm.reasons


def test_rule_version_is_carried() -> None:
    rules = replace(DEFAULT_RULES, version="county-7-2025")
    assert triage(person(FINE, FINE), rules).rule_version == "county-7-2025"


def test_unknown_symptom_rejected() -> None:
    with pytest.raises(TriageInputError, match=r'"headache" is not known.*"sudden_vision_loss"'):
        person(FINE, FINE, "headache")


def test_unknown_lens_status_rejected() -> None:
    with pytest.raises(TriageInputError, match=r'"cloudy" is not known.*"opacity"'):
        EyeFindings(presenting=parse_va("6/6"), lens="cloudy")


def test_rules_reject_a_threshold_other_than_6_12_or_6_18() -> None:
    with pytest.raises(TriageRuleError, match=r"refer_worse_than.*\"6/12\", \"6/18\""):
        TriageRules(version="x", refer_worse_than=VA_6_60)


def test_rules_reject_a_pinhole_target_below_the_referral_line() -> None:
    with pytest.raises(TriageRuleError, match="pinhole_corrects_to"):
        TriageRules(version="x", pinhole_corrects_to=VA_6_18)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"version": "x", "refer_worse_than": "6/24"}, "triage.refer_worse_than"),
        ({"version": "x", "refer_worse_thn": "6/18"}, "triage.refer_worse_thn"),
        ({"version": "x", "refer_worse_than": 0.3}, "triage.refer_worse_than"),
        ({"version": "x", "pinhole_corrects_to": "6/0"}, "triage.pinhole_corrects_to"),
        ({"version": "x", "urgent_symptoms": ["trauma", "fever"]}, "triage.urgent_symptoms"),
        ({"version": "x", "urgent_symptoms": "trauma"}, "triage.urgent_symptoms"),
        ({"version": "x", "complication_urgent": "yes"}, "triage.complication_urgent"),
        ({"refer_worse_than": "6/18"}, "triage.version"),
        ({"version": " "}, "triage.version"),
        ({"version": "who-default-1", "refer_worse_than": "6/18"}, "triage.version"),
    ],
)
def test_rules_from_mapping_names_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(TriageRuleError, match=rf"^county\.toml: {key}\b"):
        rules_from_mapping(table, source="county.toml")


def test_rules_from_mapping_defaults_are_the_default_rules() -> None:
    assert rules_from_mapping({"version": "who-default-1"}) == DEFAULT_RULES
    imperial = rules_from_mapping({"version": "who-default-1", "refer_worse_than": "20/40"})
    assert imperial.same_rules_as(DEFAULT_RULES)


# Properties over every chart line from 6/3 (logMAR -0.30) to NLP (3.00).
acuities = st.integers(min_value=-30, max_value=300).map(lambda h: VisualAcuity(h / 100))
# What a screener can enter: every chart line to 1/60, then CF at a distance, HM, LP, NLP.
entered = st.integers(min_value=-30, max_value=178).map(
    lambda h: VisualAcuity(h / 100)
) | st.sampled_from(["CF", "CF 50cm", "CF 10cm", "HM", "LP", "NLP"]).map(parse_va)
eyes = st.builds(
    EyeFindings,
    presenting=st.none() | entered,
    pinhole=st.none() | entered,
    lens=st.none() | st.sampled_from(LENS_STATUSES),
)
findings_strategy = st.builds(
    TriageInput, right=eyes, left=eyes, symptoms=st.frozensets(st.sampled_from(SYMPTOMS))
)
rule_sets = st.sampled_from([DEFAULT_RULES, AT_6_18, URGENT_COMPLICATION, NO_URGENT_SYMPTOMS])


@given(findings_strategy, rule_sets)
def test_never_none_when_an_eye_fails(findings: TriageInput, rules: TriageRules) -> None:
    result = triage(findings, rules)
    failing = [
        name
        for name in EYES
        if (va := findings.eye(name).presenting) is not None
        and va.is_worse_than(rules.refer_worse_than)
    ]
    assert result.failing_eyes == tuple(failing)
    if failing:
        assert result.decision != "none"
    assert result.decision in DECISIONS
    assert result.rule_version == rules.version


@given(findings_strategy, rule_sets, st.sampled_from(EYES), acuities, st.integers(0, 330))
def test_worse_presenting_va_never_lowers_the_decision(
    findings: TriageInput, rules: TriageRules, name: str, start: VisualAcuity, loss: int
) -> None:
    better = with_eye(findings, name, replace(findings.eye(name), presenting=start))
    worse_va = VisualAcuity(min(300, start.logmar_hundredths + loss) / 100)
    worse = with_eye(findings, name, replace(findings.eye(name), presenting=worse_va))
    assert triage(worse, rules).severity >= triage(better, rules).severity


@given(findings_strategy, rule_sets, st.sampled_from(EYES), acuities, st.integers(0, 330))
def test_worse_pinhole_va_never_lowers_the_decision(
    findings: TriageInput, rules: TriageRules, name: str, start: VisualAcuity, loss: int
) -> None:
    better = with_eye(findings, name, replace(findings.eye(name), pinhole=start))
    worse_va = VisualAcuity(min(300, start.logmar_hundredths + loss) / 100)
    worse = with_eye(findings, name, replace(findings.eye(name), pinhole=worse_va))
    assert triage(worse, rules).severity >= triage(better, rules).severity
