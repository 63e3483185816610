"""Visual acuity: read every notation clinics write, store logMAR, derive WHO / ICD categories.

Decisions (sources and tables in docs/acuity.md):

- logMAR is stored rounded to 2 decimals (chart precision, half away from zero) and every
  comparison uses integer hundredths, so floating point never moves a boundary:
  6/18 = log10(3) = 0.477 -> 0.48 (category 0); 6/19 -> 0.50 (category 1);
  20/63 -> 0.50 (category 1); decimal 0.33 -> 0.48 (category 0); decimal 0.32 -> 0.49 (category 1).
- Categories follow ICD-10 H54 (2016), ICD-11 9D90 and the WHO World report on vision (2019):
  0 if logMAR <= 0.48 (6/18), 1 <= 1.00 (6/60), 2 <= 1.30 (3/60), 3 <= 1.78 (1/60),
  4 worse than 1/60 down to light perception, 5 no light perception, 9 not measured.
- Counting fingers at d metres is the Snellen fraction d/60, logMAR log10(60 / d): the WHO
  table equates counting fingers at 1 metre with 1/60 (so CF 1m is category 3, CF 50cm is 4).
  CF without a distance is logMAR 1.90 and HM 2.30 (Schulze-Bonsel et al. 2006, Invest
  Ophthalmol Vis Sci 47:1236); LP 2.70 and NLP 3.00 (Lange et al. 2009, Graefes Arch Clin Exp
  Ophthalmol 247:137). CF without a distance is category 4: it cannot be claimed as 1/60 or better.
- Those four logMAR values are reserved: a logMAR of exactly 1.90, 2.30, 2.70 or 3.00 (typed,
  stored or computed from a fraction) is read as CF, HM, LP or NLP, so the category depends on
  the logMAR alone and category 5 is only ever NLP.
- A bare number is decimal acuity (0 < d <= 2.0); logMAR must carry its prefix ("logMAR 0.48").
- On-chart notations (Snellen, decimal, logMAR) must lie on a chart: logMAR -0.30 to 1.78
  (6/3 to 1/60, 20/10 to 20/1200, decimal 2.0 to 0.017). Worse vision is not measured on a
  chart and is recorded as CF (with its distance), HM, LP or NLP (WHO/ICD-10 H54 categories
  3-5 are defined by those tests), so "6/3000" or "logMAR 2.0" is refused, never stored as LP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

__all__ = [
    "CHART_RANGE_HUNDREDTHS",
    "NOTATIONS",
    "OFF_CHART_LOGMAR",
    "VA_1_60",
    "VA_3_60",
    "VA_6_12",
    "VA_6_18",
    "VA_6_60",
    "AcuityError",
    "VisualAcuity",
    "better_eye",
    "format_va",
    "h54_code",
    "outcome_category",
    "parse_va",
    "person_category",
    "who_category",
    "worse_eye",
]

ACCEPTED_FORMS: Final = (
    "metric Snellen 6/18, imperial Snellen 20/60, decimal 0.33, logMAR 0.48 (with the word "
    "logMAR), CF (counting fingers), CF 1m, CF 50cm, HM (hand motion), LP (light perception), "
    "NLP (no light perception)"
)

NOTATIONS: Final = ("metric", "imperial", "decimal", "logmar")

# Off-chart logMAR equivalents: Schulze-Bonsel et al. 2006 (CF, HM); Lange et al. 2009 (LP, NLP).
OFF_CHART_LOGMAR: Final = {"CF": 1.90, "HM": 2.30, "LP": 2.70, "NLP": 3.00}
_OFF_CHART_BY_HUNDREDTHS: Final = {190: "CF", 230: "HM", 270: "LP", 300: "NLP"}

_BEST_HUNDREDTHS: Final = -30  # 6/3, decimal 2.0: the best line on standard charts
_CHART_WORST_HUNDREDTHS: Final = 178  # 1/60: worse is tested as CF, HM, LP or NLP (WHO)
CHART_RANGE_HUNDREDTHS: Final = (_BEST_HUNDREDTHS, _CHART_WORST_HUNDREDTHS)
"""The logMAR range (hundredths, inclusive) a Snellen, decimal or logMAR entry must lie in."""
_WORST_HUNDREDTHS: Final = 300  # NLP
_CF_DISTANCE_RANGE_M: Final = (0.1, 6.0)  # closer than 10 cm is tested as HM; 6 m is 6/60

# Upper limits (integer hundredths of logMAR, inclusive) of WHO categories 0-4; ICD-10 H54 2016.
_CATEGORY_LIMITS: Final = ((48, 0), (100, 1), (130, 2), (178, 3), (299, 4))

_NUMBER: Final = r"(?:\d+(?:\.\d*)?|\.\d+)"
_FRACTION_RE: Final = re.compile(rf"({_NUMBER}) ?/ ?({_NUMBER})")
_DECIMAL_RE: Final = re.compile(rf"([+-]?) ?({_NUMBER})")
_LOGMAR_RE: Final = re.compile(rf"log ?mar ?[:=]? ?([+-]? ?{_NUMBER})")
_CF_WORDS: Final = r"(?:cf|fc|counting fingers?|count fingers|finger count(?:ing)?)"
_CF_RE: Final = re.compile(
    rf"{_CF_WORDS}(?: ?(?:at|@)? ?({_NUMBER}) ?"
    r"(m|cm|metres?|meters?|centimetres?|centimeters?))?"
)
_CF_NO_UNIT_RE: Final = re.compile(rf"{_CF_WORDS} ?(?:at|@)? ?{_NUMBER}")
_LABEL_RES: Final = (
    ("NLP", re.compile(r"nlp|npl|no light perception|no perception of light|no pl")),
    ("HM", re.compile(r"hm|hmv|hand motions?|hand movements?")),
    ("LP", re.compile(r"lp|pl|light perception|perception of light")),
)

# Chart lines printed in preference to computed fractions when they name the same hundredth.
_METRIC_LINES: Final = "3 3.8 4.8 5 6 7.5 9 9.5 12 15 18 19 24 30 36 38 48 60".split()  # noqa: SIM905
_IMPERIAL_LINES: Final = (
    "10 12.5 15 16 20 25 30 32 40 50 60 63 70 80 100 120 125 160 200 400 600 800 1200".split()  # noqa: SIM905
)


class AcuityError(ValueError):
    """A visual acuity that cannot be read or is outside the measurable range.

    ``code`` names the problem (``brightline.problems``) and ``text`` is the entry as typed,
    so every shell words it in its reader's language.
    """

    def __init__(self, message: str, code: str = "va_unreadable", text: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.text = text


def _error(text: str, reason: str, code: str = "va_unreadable") -> AcuityError:
    """Build the user-facing error: the input quoted, why it failed and what would be valid."""
    return AcuityError(
        f'Visual acuity "{text}" {reason}. Accepted forms: {ACCEPTED_FORMS}.', code, str(text)
    )


def _round_hundredths(logmar: float) -> int:
    """Integer hundredths of logMAR, half away from zero on the number as written."""
    return int((Decimal(repr(logmar)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fraction_hundredths(numerator: float, denominator: float) -> int:
    """Hundredths of logMAR for a Snellen fraction: log10(denominator / numerator)."""
    return _round_hundredths(math.log10(denominator / numerator))


def _decimal_hundredths(decimal: float) -> int:
    """Hundredths of logMAR for a decimal acuity: -log10(decimal)."""
    return _round_hundredths(-math.log10(decimal))


def _cf_hundredths(distance_m: float) -> int:
    """Counting fingers at d metres as the fraction d/60 (WHO: CF at 1 m = 1/60)."""
    return _fraction_hundredths(distance_m, 60.0)


def _trim(number: float, places: int) -> str:
    """Fixed-point text without trailing zeros: 7.50 -> "7.5", 18.0 -> "18"."""
    text = f"{number:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shortest(value: float, hundredths: int, to_hundredths: Callable[[float], int]) -> str:
    """Fewest decimal places for value that still reads back as the same hundredth of logMAR."""
    for places in range(7):
        text = _trim(value, places)
        if float(text) > 0 and to_hundredths(float(text)) == hundredths:
            return text
    raise AssertionError(f"no round-trip text for {value}")  # pragma: no cover


def _line_table(numerator: float, denominators: list[str]) -> dict[int, str]:
    """Map hundredths of logMAR to the printed chart line that reads back as that hundredth."""
    table: dict[int, str] = {}
    for denominator in denominators:
        table.setdefault(_fraction_hundredths(numerator, float(denominator)), denominator)
    return table


_METRIC_BY_HUNDREDTHS: Final = _line_table(6.0, _METRIC_LINES)
_IMPERIAL_BY_HUNDREDTHS: Final = _line_table(20.0, _IMPERIAL_LINES)


def _category(hundredths: int) -> int:
    """WHO / ICD-10 H54 category 0-5 from integer hundredths of logMAR."""
    for limit, category in _CATEGORY_LIMITS:
        if hundredths <= limit:
            return category
    return 5


@dataclass(frozen=True, slots=True)
class VisualAcuity:
    """One eye's visual acuity stored as logMAR (2 decimals), with its off-chart label if any."""

    logmar: float
    off_chart: str | None = None
    cf_distance_m: float | None = None

    def __post_init__(self) -> None:
        """Round to chart precision and keep logMAR and off-chart label consistent."""
        if not isinstance(self.logmar, int | float) or not math.isfinite(self.logmar):
            raise _error(str(self.logmar), "is not a finite logMAR value")
        hundredths = _round_hundredths(float(self.logmar))
        if not _BEST_HUNDREDTHS <= hundredths <= _WORST_HUNDREDTHS:
            raise _error(
                f"logMAR {self.logmar}", "is outside the measurable range logMAR -0.30 to 3.00"
            )
        if self.cf_distance_m is not None and self.off_chart != "CF":
            raise _error(str(self.off_chart), "cannot carry a counting-fingers distance")
        if self.off_chart is None:
            object.__setattr__(self, "off_chart", _OFF_CHART_BY_HUNDREDTHS.get(hundredths))
        elif self.off_chart not in OFF_CHART_LOGMAR:
            raise _error(self.off_chart, "is not an off-chart label (CF, HM, LP, NLP)")
        else:
            expected = (
                _cf_hundredths(self.cf_distance_m)
                if self.cf_distance_m is not None
                else _round_hundredths(OFF_CHART_LOGMAR[self.off_chart])
            )
            if hundredths != expected:
                raise _error(
                    f"{self.off_chart} at logMAR {self.logmar}",
                    f"does not match the stored equivalent logMAR {expected / 100:.2f}",
                )
        object.__setattr__(self, "logmar", hundredths / 100)

    @classmethod
    def from_logmar(cls, logmar: float) -> VisualAcuity:
        """Rebuild a stored logMAR; 1.90, 2.30, 2.70 and 3.00 come back as CF, HM, LP, NLP."""
        return cls(logmar)

    @property
    def logmar_hundredths(self) -> int:
        """logMAR as integer hundredths: the exact value every comparison uses."""
        return round(self.logmar * 100)

    @property
    def label(self) -> str | None:
        """Off-chart text as written on the record: "CF", "CF 1m", "CF 50cm", "HM", "LP", "NLP"."""
        if self.off_chart != "CF" or self.cf_distance_m is None:
            return self.off_chart
        if self.cf_distance_m >= 1:
            return f"CF {_trim(self.cf_distance_m, 2)}m"
        return f"CF {_trim(self.cf_distance_m * 100, 1)}cm"

    @property
    def decimal(self) -> float:
        """Decimal acuity 10 ** -logMAR to at most 3 significant digits that read back exactly."""
        return float(self._decimal_text())

    @property
    def snellen_metric(self) -> str:
        """Metric Snellen: 6/x down to 6/60, then n/60 (WHO style); off-chart as its label."""
        if self.label is not None:
            return self.label
        hundredths = self.logmar_hundredths
        if hundredths in _METRIC_BY_HUNDREDTHS:
            return f"6/{_METRIC_BY_HUNDREDTHS[hundredths]}"
        if hundredths <= 100:
            denominator = _shortest(
                6 * 10 ** (hundredths / 100), hundredths, lambda d: _fraction_hundredths(6, d)
            )
            return f"6/{denominator}"
        numerator = _shortest(
            60 / 10 ** (hundredths / 100), hundredths, lambda n: _fraction_hundredths(n, 60)
        )
        return f"{numerator}/60"

    @property
    def snellen_imperial(self) -> str:
        """Imperial Snellen 20/x; off-chart as its label."""
        if self.label is not None:
            return self.label
        hundredths = self.logmar_hundredths
        if hundredths in _IMPERIAL_BY_HUNDREDTHS:
            return f"20/{_IMPERIAL_BY_HUNDREDTHS[hundredths]}"
        denominator = _shortest(
            20 * 10 ** (hundredths / 100), hundredths, lambda d: _fraction_hundredths(20, d)
        )
        return f"20/{denominator}"

    @property
    def who_category(self) -> int:
        """WHO category 0-5 (ICD-10 H54 2016, ICD-11 9D90, WHO World report on vision 2019)."""
        return _category(self.logmar_hundredths)

    @property
    def severity(self) -> str:
        """ICD-11 9D90 grade: none (6/12 or better), mild, moderate, severe, blindness."""
        category = self.who_category
        if category == 0:
            return "none" if self.logmar_hundredths <= 30 else "mild"
        return {1: "moderate", 2: "severe"}.get(category, "blindness")

    def format(self, notation: str = "metric") -> str:
        """Text in one notation ("metric", "imperial", "decimal", "logmar") that parses back."""
        if notation not in NOTATIONS:
            raise AcuityError(f'Unknown notation "{notation}"; use one of: {", ".join(NOTATIONS)}.')
        if self.label is not None:
            return self.label
        if notation == "metric":
            return self.snellen_metric
        if notation == "imperial":
            return self.snellen_imperial
        if notation == "decimal":
            return self._decimal_text()
        # The prefix is part of the value: a bare "0.48" would read back as decimal acuity.
        return f"logMAR {self.logmar_hundredths / 100:.2f}"

    def is_at_least(self, other: VisualAcuity) -> bool:
        """This acuity is equal to or better than other (lower or equal logMAR hundredths)."""
        return self.logmar_hundredths <= other.logmar_hundredths

    def is_worse_than(self, other: VisualAcuity) -> bool:
        """This acuity is strictly worse than other (higher logMAR hundredths)."""
        return self.logmar_hundredths > other.logmar_hundredths

    def _decimal_text(self) -> str:
        """Shortest decimal text (1 to 3 significant digits) that reads back as this logMAR."""
        hundredths = self.logmar_hundredths
        value = 10 ** (-hundredths / 100)
        for digits in (1, 2, 3, 4):
            text = f"{value:.{digits}g}"
            if _decimal_hundredths(float(text)) == hundredths:
                return text if "." in text else f"{text}.0"
        raise AssertionError(f"no round-trip decimal for logMAR {self.logmar}")  # pragma: no cover


def _from_hundredths(text: str, hundredths: int) -> VisualAcuity:
    """Build a chart acuity after checking it lies on a chart: logMAR -0.30 (6/3) to 1.78 (1/60)."""
    if not _BEST_HUNDREDTHS <= hundredths <= _CHART_WORST_HUNDREDTHS:
        raise _error(
            text,
            f"is logMAR {hundredths / 100:.2f}, off the chart (logMAR -0.30, 6/3, to 1.78, "
            "1/60); record worse vision as CF with its distance, HM, LP or NLP",
            "va_beyond_chart",
        )
    return VisualAcuity(hundredths / 100)


def _parse_counting_fingers(text: str, distance: str | None, unit: str | None) -> VisualAcuity:
    """CF with an optional distance; without one it is logMAR 1.90 (Schulze-Bonsel 2006)."""
    if distance is None or unit is None:
        return VisualAcuity(OFF_CHART_LOGMAR["CF"], "CF")
    metres = float(distance) / (100 if unit.startswith("c") else 1)
    low, high = _CF_DISTANCE_RANGE_M
    if not low <= metres <= high:
        raise _error(text, "has a counting-fingers distance outside 10 cm to 6 m", "va_cf_distance")
    metres = round(metres, 3)
    return VisualAcuity(_cf_hundredths(metres) / 100, "CF", metres)


def parse_va(text: str) -> VisualAcuity:
    """Read a visual acuity as written in clinic: Snellen, decimal, logMAR, CF/HM/LP/NLP."""
    normal = " ".join(str(text).lower().split())
    if not normal:
        raise _error(text, "is empty")
    if match := _FRACTION_RE.fullmatch(normal):
        numerator, denominator = float(match[1]), float(match[2])
        if numerator <= 0 or denominator <= 0:
            raise _error(text, "needs a numerator and a denominator greater than 0")
        return _from_hundredths(text, _fraction_hundredths(numerator, denominator))
    if match := _LOGMAR_RE.fullmatch(normal):
        return _from_hundredths(text, _round_hundredths(float(match[1].replace(" ", ""))))
    if match := _DECIMAL_RE.fullmatch(normal):
        decimal = float(match[2])
        if match[1] or not 0 < decimal <= 2.0:
            raise _error(
                text,
                "is read as decimal acuity, which must be above 0 and at most 2.0 "
                '(write logMAR values with the word logMAR, e.g. "logMAR 0.48")',
                "va_decimal_range",
            )
        return _from_hundredths(text, _decimal_hundredths(decimal))
    if match := _CF_RE.fullmatch(normal):
        return _parse_counting_fingers(text, match[1], match[2])
    if _CF_NO_UNIT_RE.fullmatch(normal):
        raise _error(text, "needs a unit for the counting-fingers distance (m or cm)", "va_cf_unit")
    for label, pattern in _LABEL_RES:
        if pattern.fullmatch(normal):
            return VisualAcuity(OFF_CHART_LOGMAR[label], label)
    raise _error(text, "is not a recognised notation")


def format_va(va: VisualAcuity, notation: str = "metric") -> str:
    """Text for one eye's acuity in the chosen notation; same as VisualAcuity.format."""
    return va.format(notation)


def better_eye(right: VisualAcuity | None, left: VisualAcuity | None) -> VisualAcuity | None:
    """The eye with the lower logMAR (right on a tie); the person's category uses it (WHO)."""
    if right is None or left is None:
        return right if left is None else left
    return left if right.is_worse_than(left) else right


def worse_eye(right: VisualAcuity | None, left: VisualAcuity | None) -> VisualAcuity | None:
    """The eye with the higher logMAR (right on a tie); the only measured eye if one is None."""
    if right is None or left is None:
        return right if left is None else left
    return left if left.is_worse_than(right) else right


def who_category(va: VisualAcuity | None) -> int:
    """WHO category 0-5 of one eye, 9 when not measured (ICD-10 H54 2016)."""
    return 9 if va is None else va.who_category


def person_category(right: VisualAcuity | None, left: VisualAcuity | None) -> int:
    """A person's WHO category: that of the better eye, 9 if neither eye was measured."""
    return who_category(better_eye(right, left))


_MONOCULAR_H54: Final = {1: "H54.6", 2: "H54.5", 3: "H54.4"}
_BINOCULAR_H54: Final = {1: "H54.2", 2: "H54.1", 3: "H54.0"}


def h54_code(right: VisualAcuity | None, left: VisualAcuity | None) -> str:
    """ICD-10 (2016) H54 code from both eyes' categories; the better eye sets binocular codes."""
    categories = sorted(who_category(va) for va in (right, left) if va is not None)
    if not categories:
        return "H54.9"
    if len(categories) == 1:
        # The other eye is category 9: one eye at 0 cannot say anything about both eyes.
        return _MONOCULAR_H54.get(min(categories[0], 3), "H54.9")
    better, worse = categories
    if better > 0:
        return _BINOCULAR_H54[min(better, 3)]
    if worse == 0:
        return "H54.3"
    return _MONOCULAR_H54[min(worse, 3)]


def outcome_category(va: VisualAcuity, good_at_least: str | VisualAcuity = "6/18") -> str:
    """Surgical outcome: good (at least G), borderline (to 6/60), poor (worse than 6/60); WHO."""
    good = good_at_least if isinstance(good_at_least, VisualAcuity) else parse_va(good_at_least)
    if va.is_at_least(good):
        return "good"
    return "borderline" if va.is_at_least(VA_6_60) else "poor"


VA_6_12: Final = parse_va("6/12")
VA_6_18: Final = parse_va("6/18")
VA_6_60: Final = parse_va("6/60")
VA_3_60: Final = parse_va("3/60")
VA_1_60: Final = parse_va("1/60")
