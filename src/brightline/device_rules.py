"""The triage rules and VA reading constants as JSON for the offline screener app.

The browser runs the same rules as the server (``triage``, ``acuity``) from this one export,
so a programme's rule file and the parser's limits reach the device unchanged, with the rule
version every provisional result carries (WHO/RAAB triage, ICD-10 H54 categories).
"""

from __future__ import annotations

from typing import Any

from brightline import acuity
from brightline.acuity import VisualAcuity
from brightline.triage import DECISIONS, EYES, LENS_STATUSES, SYMPTOMS, TriageRules
from brightline.vocabulary import Untestable, values

DEVICE_RULES_FORMAT = 2
"""Bumped when the shape of the export changes, so an app never reads a shape it does not know."""


def _acuity_setting(va: VisualAcuity) -> dict[str, Any]:
    """A VA threshold as the device compares it: integer hundredths, with its metric label."""
    return {"hundredths": va.logmar_hundredths, "metric": va.snellen_metric}


def acuity_constants() -> dict[str, Any]:
    """What the VA parser needs to read every notation exactly as ``acuity.parse_va`` does."""
    # Private constants are read on purpose: the device must follow the server's limits.
    low, high = acuity._CF_DISTANCE_RANGE_M
    return {
        "best_hundredths": acuity._BEST_HUNDREDTHS,
        "worst_hundredths": acuity._WORST_HUNDREDTHS,
        # Snellen, decimal and logMAR entries must lie on a chart (6/3 to 1/60; WHO H54).
        "chart_range_hundredths": list(acuity.CHART_RANGE_HUNDREDTHS),
        "decimal_max": 2.0,
        # ICD-11 9D90: "no impairment" is 6/12 or better, "mild" below it within category 0.
        "icd11_none_limit_hundredths": acuity.VA_6_12.logmar_hundredths,
        "off_chart_logmar": dict(acuity.OFF_CHART_LOGMAR),
        "cf_distance_range_m": [low, high],
        "category_limits": [list(limit) for limit in acuity._CATEGORY_LIMITS],
        "metric_lines": list(acuity._METRIC_LINES),
        "imperial_lines": list(acuity._IMPERIAL_LINES),
        "accepted_forms": acuity.ACCEPTED_FORMS,
    }


def device_rules(rules: TriageRules) -> dict[str, Any]:
    """The programme's triage rules and the VA parser's constants, for the browser."""
    return {
        "format": DEVICE_RULES_FORMAT,
        "version": rules.version,
        "triage": {
            "refer_worse_than": _acuity_setting(rules.refer_worse_than),
            "pinhole_corrects_to": _acuity_setting(rules.pinhole_corrects_to),
            "urgent_symptoms": sorted(rules.urgent_symptoms),
            "urgent_better_eye_worse_than": _acuity_setting(rules.urgent_better_eye_worse_than),
            "complication_worse_than": _acuity_setting(rules.complication_worse_than),
            "complication_urgent": rules.complication_urgent,
            "blindness_hundredths": acuity.VA_3_60.logmar_hundredths,
        },
        "vocabulary": {
            "eyes": list(EYES),
            "lens_statuses": list(LENS_STATUSES),
            "symptoms": list(SYMPTOMS),
            "decisions": list(DECISIONS),
            # Why an eye could not be tested (RAAB 7); such an eye is WHO category 9.
            "untestable": list(values(Untestable)),
        },
        "acuity": acuity_constants(),
    }
