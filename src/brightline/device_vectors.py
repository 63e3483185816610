"""Test vectors for the offline app's VA parser and triage, generated from the Python code.

Every boundary of docs/acuity.md (each hundredth of logMAR from below -0.30 to above 3.00, the
WHO/ICD-10 H54 category limits, CF distances, rejected entries) and of docs/triage.md (the
referral line, pinhole target, lens statuses, better-eye blindness, pseudophakia, symptoms,
each under several programme rule sets, and eyes that could not be tested with each reason) is
run through ``acuity.parse_va`` and ``triage.triage``, and what the screening form refuses
(a VA or a reason per eye; the coded problems of ``brightline.problems``) and the registration
form refuses (the year of birth, the phone) through the server's own checks; the browser must
give the same answer for each. The committed table is checked against this generator by a test, so a
change to either side shows at once.

    python -m brightline.device_vectors > tests/web/device_vectors.json
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import date
from typing import Any

from brightline.acuity import AcuityError, VisualAcuity, h54_code, parse_va, person_category
from brightline.device_rules import device_rules
from brightline.problems import Problems, birth_year_of
from brightline.service.people import phone_problem
from brightline.service.screenings import UNTESTABLE, _assessed
from brightline.triage import (
    DEFAULT_RULES,
    LENS_STATUSES,
    SYMPTOMS,
    EyeFindings,
    TriageInput,
    TriageRules,
    rules_from_mapping,
    triage,
)

RULE_SETS: dict[str, TriageRules] = {
    "default": DEFAULT_RULES,
    "refer_6_18": rules_from_mapping({"version": "v-6-18", "refer_worse_than": "6/18"}),
    "pinhole_6_9": rules_from_mapping({"version": "v-ph-6-9", "pinhole_corrects_to": "6/9"}),
    "urgent_6_60_no_symptoms": rules_from_mapping(
        {"version": "v-urgent", "urgent_better_eye_worse_than": "6/60", "urgent_symptoms": []}
    ),
    "complication_urgent": rules_from_mapping(
        {"version": "v-compl", "complication_urgent": True, "complication_worse_than": "6/12"}
    ),
}

_CHART_LINES = "6/3 6/4 6/5 6/6 6/7.5 6/9 6/12 6/15 6/18 6/18.1 6/19 6/24 6/36 6/60 6/60.5 6/61"
_IMPERIAL = "20/10 20/20 20/25 20/40 20/60 20/63 20/70 20/200 20/400 20/1200 20/2000"
_PER_60 = "6/60 5/60 4/60 3.1/60 3/60 2.9/60 2/60 1.5/60 1/60 0.9/60 0.5/60"
_ODD_FRACTIONS = "6/0 0/6 6/2.9 6/3000 6/6000 1/600 6/ /60 6/18/60 6/nan"
_DECIMALS = (
    "2.0 2.01 1.0 .5 0.5 0.33 0.32 0.3 0.1 0.05 0.017 0.0166 0.016 0.01 0.001 0 -0.1 +0.5 1e-1 3 1."
)
# Either end of the chart (logMAR -0.30 = 6/3 = 20/10, 1.78 = 1/60 = 20/1200) and just past it.
_CHART_ENDS = (
    "6/3 6/2.95 6/2.9 20/10 20/9.5 20/1200 20/1250 20/1300 6/360 6/362 6/380 1/59 1/60 1/61"
)
_LOGMAR = (
    "0.48|-0.1|0.485|0.475|-0.305|-0.3|-0.31|1.0|1.78|1.785|1.79|1.90|2.3|2.70|3.00|3.01|- 0.2|nan"
)
_COUNTING = (
    "CF|FC|cf|counting fingers|count fingers|finger count|finger counting|counting finger|"
    "CF 1m|CF at 2m|CF 50cm|CF 3m|CF 6m|CF 6.5m|CF 10cm|CF 9cm|CF 1|CF @ 1 m|CF 0.5m|"
    "Counting Fingers at 1 metre|cf 2 meters|CF 30 centimetres|CF 1.5 metres|fc at 75 cm"
)
_LABELS = (
    "HM|HMV|hand motion|hand motions|hand movements|hand movement|LP|PL|light perception|"
    "perception of light|NLP|NPL|no light perception|no perception of light|no pl"
)
_ODD = "6 / 18|  6/18  |20/ 40|LOGMAR0.3|logmar: 1.0|logmar = 1.78|abc|nan|inf|-inf||   |6/18 OU"
_WRITTEN_VA = (
    *" ".join((_CHART_LINES, _IMPERIAL, _PER_60, _ODD_FRACTIONS, _DECIMALS, _CHART_ENDS)).split(),
    *(f"logMAR {value}" for value in _LOGMAR.split("|")),
    *_COUNTING.split("|"),
    *_LABELS.split("|"),
    *_ODD.split("|"),
)

# Chart lines at and either side of every boundary of the triage rules and WHO categories.
_PRESENTING = (None, "6/6", "6/9", "6/12", "6/15", "6/18", "6/19", "6/60", "3/60", "2/60", "CF")
_PRESENTING_SHORT = (None, "6/12", "6/15", "6/18", "6/19", "3/60", "2/60", "HM")
_PINHOLE_SHORT = (None, "6/9", "6/12", "6/15")
_PINHOLE = (None, "6/6", "6/9", "6/12", "6/15", "6/60")
_LENSES = (None, *LENS_STATUSES)
_FELLOW = (None, "6/6", "2/60")


def va_outcome(va: VisualAcuity) -> dict[str, Any]:
    """What the device must derive from one parsed VA."""
    return {
        "hundredths": va.logmar_hundredths,
        "off_chart": va.off_chart,
        "label": va.label,
        "metric": va.snellen_metric,
        "category": va.who_category,
        "severity": va.severity,
    }


def va_vectors() -> list[dict[str, Any]]:
    """Each written VA (and every hundredth as logMAR text) and what it reads as, or refused."""
    written = list(_WRITTEN_VA)
    written += [f"logMAR {h / 100:.2f}" for h in range(-35, 306)]
    vectors: list[dict[str, Any]] = []
    for text in dict.fromkeys(written):
        try:
            expect: dict[str, Any] = va_outcome(parse_va(text))
        except AcuityError as error:
            expect = {"error": error.code}
        vectors.append({"text": text, "expect": expect})
    return vectors


def _va(text: str | None) -> VisualAcuity | None:
    return None if text is None else parse_va(text)


def triage_case(rule_set: str, written: dict[str, Any]) -> dict[str, Any]:
    """One screening's findings (as typed) with the server's triage of them."""
    right, left = (
        EyeFindings(
            _va(written[f"{eye}_presenting_va"]),
            _va(written[f"{eye}_pinhole_va"]),
            written[f"{eye}_lens"],
            written[f"{eye}_untestable"],
        )
        for eye in ("right", "left")
    )
    result = triage(TriageInput(right, left, frozenset(written["symptoms"])), RULE_SETS[rule_set])
    return {
        "rules": rule_set,
        "input": written,
        "expect": {
            "decision": result.decision,
            "reasons": [{"code": r.code, **r.parameters} for r in result.reasons],
            "rule_version": result.rule_version,
            "suspected_cataract": result.suspected_cataract,
            "possible_complication": result.possible_complication,
            "failing_eyes": list(result.failing_eyes),
            "who_category": person_category(right.presenting, left.presenting),
            "h54": h54_code(right.presenting, left.presenting),
        },
    }


def _findings(
    right: tuple[str | None, str | None, str | None],
    left: tuple[str | None, str | None, str | None],
    symptoms: tuple[str, ...] = (),
    untestable: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    return {
        "right_presenting_va": right[0],
        "right_pinhole_va": right[1],
        "right_lens": right[2],
        "right_untestable": untestable[0],
        "left_presenting_va": left[0],
        "left_pinhole_va": left[1],
        "left_lens": left[2],
        "left_untestable": untestable[1],
        "symptoms": list(symptoms),
    }


# One eye as the form may leave it: measured (VA text) or not tested (its reason).
_EYE_STATES: tuple[tuple[str | None, str | None], ...] = (
    *((va, None) for va in ("6/6", "6/18", "6/60", "2/60", "CF", "NLP")),
    *((None, reason) for reason in UNTESTABLE),
)


def untestable_vectors() -> list[dict[str, Any]]:
    """Each reason an eye could not be tested beside every state of the other eye (RAAB 7)."""
    vectors: list[dict[str, Any]] = []
    for rule_set in ("default", "urgent_6_60_no_symptoms"):
        for (right, why_right), (left, why_left), lens, symptoms in itertools.product(
            _EYE_STATES, _EYE_STATES, (None, "opacity"), ((), ("trauma",))
        ):
            if why_right is None and why_left is None:
                continue  # both eyes measured: the other vectors cover it
            findings = _findings(
                (right, None, lens), (left, None, lens), symptoms, (why_right, why_left)
            )
            vectors.append(triage_case(rule_set, findings))
    return vectors


_ENTRY_VA = (None, "", "  ", "6/12", "6/3000", "CF 9cm", "abc", "CF 2", "logMAR 1.90", "x" * 30)
_ENTRY_REASONS = (None, *UNTESTABLE, "blind")


def entry_vectors() -> list[dict[str, Any]]:
    """What the screening form refuses, per eye: a VA or a reason, never neither or both."""
    vectors: list[dict[str, Any]] = []
    for right, why_right, left, why_left, pinhole in itertools.product(
        _ENTRY_VA, _ENTRY_REASONS, ("6/9", None), (None, "eye_absent"), (None, "6/2")
    ):
        written = (right, left, pinhole, None)
        try:
            _assessed(DEFAULT_RULES, written, (None, None), (why_right, why_left), ())
            found: list[dict[str, Any]] = []
        except Problems as refused:
            found = [
                {"field": p.field, "code": p.code, "parameters": dict(p.parameters)}
                for p in refused.problems
            ]
        entry = {
            "right_presenting_va": right,
            "left_presenting_va": left,
            "right_pinhole_va": pinhole,
            "left_pinhole_va": None,
            "right_untestable": why_right,
            "left_untestable": why_left,
        }
        vectors.append({"input": entry, "expect": found})
    return vectors


_BIRTH_YEARS = (
    None,
    "",
    "  ",
    "1950",
    " 1950 ",
    "1906",
    "1905",
    "1910",
    "1900",
    "1899",
    "1850",
    "2026",
    "2027",
    "2030",
    "2031",
    "75",
    "0",
    "19500",
    "195",
    "abc",
    "19a0",
    "-1950",
    "1950.5",
    "+1950",
)


_PHONES = (
    None,
    "",
    "  ",
    "0871 234 567",
    "+86 138-0013-8000",
    "(0871) 234.567",
    "\uff10\uff18\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # full-width digits
    "\uff0b86 138\u30000013 8000",  # full-width + and space
    "12345",
    "1234",
    "123456789012345",
    "1234567890123456",
    "1" * 32,
    "1" * 40,
    "+",
    "banana",
    "0871 234 567 ext 2",
    "86+138 0013 8000",
    "++86 138 0013 8000",
    "0871/234567",
    "+86 138 0013 8000 ",
    "\u0660\u0661\u0662\u0663\u0664\u0665",  # Arabic-Indic digits
)


def _registration_problems(birth_year: str | None, phone: str | None, today: date) -> list[Any]:
    """The server's problems for a registration, year of birth first, as the device lists them."""
    found: list[Any] = []
    try:
        birth_year_of(birth_year or "", "", today)
    except Problems as refused:
        found += refused.problems
    if phone and (wrong := phone_problem(phone)) is not None:
        found.append(wrong)
    return [{"field": p.field, "code": p.code, "parameters": dict(p.parameters)} for p in found]


def registration_vectors() -> list[dict[str, Any]]:
    """What the registration form refuses: a year of birth within the last 120 years and not
    in the future (the server's ``birth_year_of``), for two years the device may be in, and a
    phone of 5 to 15 digits (``phone_problem``), beside a good and a bad year."""
    vectors: list[dict[str, Any]] = []
    for this_year, written in itertools.product((2026, 2030), _BIRTH_YEARS):
        found = _registration_problems(written, None, date(this_year, 6, 15))
        vectors.append({"input": {"birth_year": written}, "this_year": this_year, "expect": found})
    for year, phone in itertools.product(("1950", "1850"), _PHONES):
        found = _registration_problems(year, phone, date(2026, 6, 15))
        written_down = {"birth_year": year, "phone": phone}
        vectors.append({"input": written_down, "this_year": 2026, "expect": found})
    return vectors


def triage_vectors() -> list[dict[str, Any]]:
    """The right eye over every boundary, lens and pinhole, beside a few fellow eyes."""
    vectors: list[dict[str, Any]] = []
    for presenting, pinhole, lens, fellow in itertools.product(
        _PRESENTING, _PINHOLE, _LENSES, _FELLOW
    ):
        if presenting is None and pinhole is not None:
            continue  # pinhole is only measured on an eye whose presenting VA was
        findings = _findings((presenting, pinhole, lens), (fellow, None, "clear"))
        vectors.append(triage_case("default", findings))
    for rule_set in list(RULE_SETS)[1:]:
        for presenting, pinhole, lens in itertools.product(
            _PRESENTING_SHORT, _PINHOLE_SHORT, (None, "opacity", "pseudophakia")
        ):
            findings = _findings((presenting, pinhole, lens), ("6/60", "6/60", "opacity"))
            vectors.append(triage_case(rule_set, findings))
    for rule_set, count in itertools.product(RULE_SETS, range(len(SYMPTOMS) + 1)):
        for symptoms in itertools.combinations(SYMPTOMS, count):
            findings = _findings(("6/6", None, "clear"), ("6/9", None, None), symptoms)
            vectors.append(triage_case(rule_set, findings))
    return vectors + untestable_vectors()


def build_vectors() -> dict[str, Any]:
    """The whole table: the rule sets as the device receives them, VA and triage vectors."""
    return {
        "rule_sets": {name: device_rules(rules) for name, rules in RULE_SETS.items()},
        "va": va_vectors(),
        "triage": triage_vectors(),
        "entry": entry_vectors(),
        "registration": registration_vectors(),
    }


def dumps(table: dict[str, Any]) -> str:
    """The committed form: one vector per line, so a diff names the vectors that changed."""
    lines = ["{", f'"rule_sets": {json.dumps(table["rule_sets"], sort_keys=True)},']
    for part in ("va", "triage", "entry", "registration"):
        rows = ",\n".join(json.dumps(v, sort_keys=True, ensure_ascii=False) for v in table[part])
        closing = "]" if part == "registration" else "],"
        lines.append(f'"{part}": [\n{rows}\n{closing}')
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the make target's entry point
    sys.stdout.write(dumps(build_vectors()))
