"""Triage reasons as codes: one declared list, every rule reaches only declared codes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given

from brightline.acuity import VA_6_60, parse_va
from brightline.reasons import (
    KINDS,
    REASON_CODES,
    REASON_KINDS,
    UNRECOGNISED,
    WORD_PARAMETERS,
    Reason,
    ReasonError,
    catalogue,
    from_stored,
    placeholders,
    reason,
    render,
    to_stored,
)
from brightline.triage import (
    DEFAULT_RULES,
    EYES,
    SYMPTOMS,
    EyeFindings,
    TriageInput,
    TriageRules,
    triage,
)
from tests.test_triage import (
    AT_6_18,
    FINE,
    NO_URGENT_SYMPTOMS,
    RULE_TABLE,
    URGENT_COMPLICATION,
    eye,
    findings_strategy,
    person,
    rule_sets,
)

# Urgent below 6/60 instead of 3/60: the better-eye rule without the word "blindness".
URGENT_BELOW_6_60 = replace(
    DEFAULT_RULES, version="test-6-60", urgent_better_eye_worse_than=VA_6_60
)

# Every rule of docs/triage.md, with the rule sets that change its wording.
COVERING: list[tuple[TriageInput, TriageRules]] = [
    *[(param.values[0], param.values[1]) for param in RULE_TABLE],
    (person(eye("6/60", "6/36", "not_visible"), FINE), DEFAULT_RULES),
    (person(eye("3/60"), eye("4/60")), URGENT_BELOW_6_60),
    (person(eye(None), eye("6/120")), URGENT_BELOW_6_60),
    (person(FINE, eye("6/60", lens="pseudophakia")), URGENT_COMPLICATION),
    (person(FINE, FINE, "sudden_vision_loss"), NO_URGENT_SYMPTOMS),
    (person(eye("6/18"), eye("6/19")), AT_6_18),
    *[
        (person(EyeFindings(None, untestable=why), FINE), DEFAULT_RULES)
        for why in ("could_not_cooperate", "eye_absent", "not_attempted")
    ],
]


def test_every_code_is_declared_once_with_its_parameters_in_its_template() -> None:
    assert len(REASON_CODES) == len(set(REASON_CODES)) == len(REASON_KINDS)
    for kind in REASON_KINDS:
        assert kind.code.isidentifier() and kind.code == kind.code.lower()
        assert placeholders(kind.template) == set(kind.parameters), kind.code
        assert kind.template.strip(), kind.code


def test_the_rule_table_reaches_every_declared_code() -> None:
    seen = {given.code for findings, rules in COVERING for given in triage(findings, rules).reasons}
    assert seen == set(REASON_CODES) - {UNRECOGNISED}


@given(findings_strategy, rule_sets)
def test_triage_only_gives_declared_codes_with_their_parameters(
    findings: TriageInput, rules: TriageRules
) -> None:
    for given_reason in triage(findings, rules).reasons:
        kind = KINDS[given_reason.code]
        assert tuple(given_reason.parameters) == kind.parameters
        assert given_reason.parameters.get("eye", "right") in EYES
        assert given_reason.parameters.get("symptom", SYMPTOMS[0]) in SYMPTOMS
        for name in ("va", "limit"):
            if name in given_reason.parameters:
                written = given_reason.parameters[name]
                assert parse_va(written).snellen_metric == written
        assert Reason.from_json(given_reason.as_json()) == given_reason


def test_word_parameters_cover_every_symptom_and_eye() -> None:
    assert set(WORD_PARAMETERS["symptom"]) == set(SYMPTOMS)
    assert set(WORD_PARAMETERS["eye"]) == set(EYES)


def test_stored_form_is_a_json_list_of_objects() -> None:
    reasons = (
        reason("presenting_worse_than", eye="right", va="CF", limit="6/12"),
        reason(UNRECOGNISED, text="Seen by the visiting team."),
    )
    stored = to_stored(reasons)
    assert stored == (
        '[{"code": "presenting_worse_than", "eye": "right", "va": "CF", "limit": "6/12"}, '
        '{"code": "unrecognised", "text": "Seen by the visiting team."}]'
    )
    assert from_stored(stored) == reasons


@pytest.mark.parametrize(
    ("code", "parameters", "message"),
    [
        ("presenting_worse", {"eye": "right"}, "not known"),
        ("suspected_cataract", {}, "takes eye; got none"),
        ("suspected_cataract", {"eye": "right", "va": "6/6"}, "takes eye; got eye, va"),
        ("suspected_cataract", {"eye": "both"}, "eye = 'both' is not valid"),
        ("symptom_urgent", {"symptom": "headache"}, "symptom = 'headache'"),
    ],
)
def test_a_reason_outside_the_catalogue_is_refused(
    code: str, parameters: dict[str, str], message: str
) -> None:
    with pytest.raises(ReasonError, match=message):
        Reason(code, parameters)


def test_english_rendering_reads_as_a_sentence() -> None:
    given_reason = reason("presenting_worse_than", eye="right", va="CF 1m", limit="6/12")
    assert render(given_reason) == "Right eye presenting VA CF 1m is worse than 6/12."
    imperial = render(given_reason, show_va=lambda va: parse_va(va).format("imperial"))
    assert imperial == "Right eye presenting VA CF 1m is worse than 20/40."
    assert render(reason("symptom_review", symptom="trauma")) == "Eye trauma reported: review."
    assert render(reason(UNRECOGNISED, text="kept as stored")) == "kept as stored"


def test_the_english_catalogue_exports_every_code() -> None:
    exported = catalogue()
    assert set(exported["templates"]) == set(REASON_CODES)
    assert exported["parameters"]["pinhole_corrects"] == ["eye", "va", "limit"]
    assert exported["words"]["symptom"]["painful_red_eye"] == "painful red eye"
    assert exported["va_parameters"] == ["va", "limit"]


def test_docs_list_every_code_with_its_english_text() -> None:
    page = (Path(__file__).parents[1] / "docs" / "triage.md").read_text(encoding="utf-8")
    for kind in REASON_KINDS:
        assert f"| `{kind.code}` |" in page and kind.template in page, kind.code
