"""Visual acuity parsing, storage, WHO / ICD categories, H54 codes and outcome grading."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.acuity import (
    NOTATIONS,
    VA_1_60,
    VA_3_60,
    VA_6_12,
    VA_6_18,
    VA_6_60,
    AcuityError,
    VisualAcuity,
    better_eye,
    format_va,
    h54_code,
    outcome_category,
    parse_va,
    person_category,
    who_category,
    worse_eye,
)

# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "logmar"),
    [
        ("6/6", 0.0),
        ("6/18", 0.48),
        ("6 / 18", 0.48),
        ("  6/18  ", 0.48),
        ("6/19", 0.50),
        ("6/12", 0.30),
        ("6/60", 1.00),
        ("3/60", 1.30),
        ("1/60", 1.78),
        ("6/7.5", 0.10),
        ("6/5", -0.08),
        ("6/4", -0.18),
        ("6/3", -0.30),
        ("20/20", 0.0),
        ("20/60", 0.48),
        ("20/63", 0.50),
        ("20/200", 1.00),
        ("1.0", 0.0),
        ("0.5", 0.30),
        (".5", 0.30),
        ("0.33", 0.48),
        ("0.32", 0.49),
        ("0.1", 1.00),
        ("2.0", -0.30),
        ("logMAR 0.48", 0.48),
        ("LOGMAR0.3", 0.30),
        ("logmar -0.1", -0.10),
        ("logMAR: 1.0", 1.00),
        ("logmar 0.485", 0.49),
        ("logMAR -0.3", -0.30),
    ],
)
def test_chart_notations_are_stored_as_logmar(text: str, logmar: float) -> None:
    va = parse_va(text)
    assert va.logmar == logmar
    assert va.off_chart is None


@pytest.mark.parametrize(
    ("text", "label", "distance", "logmar"),
    [
        ("CF", "CF", None, 1.90),
        ("cf", "CF", None, 1.90),
        ("FC", "CF", None, 1.90),
        ("counting fingers", "CF", None, 1.90),
        ("Counting Finger", "CF", None, 1.90),
        ("CF 1m", "CF", 1.0, 1.78),
        ("CF 1 m", "CF", 1.0, 1.78),
        ("CF1m", "CF", 1.0, 1.78),
        ("CF at 2m", "CF", 2.0, 1.48),
        ("cf @ 3 m", "CF", 3.0, 1.30),
        ("CF 50cm", "CF", 0.5, 2.08),
        ("CF 50 cm", "CF", 0.5, 2.08),
        ("counting fingers at 1 metre", "CF", 1.0, 1.78),
        ("CF 1.5 meters", "CF", 1.5, 1.60),
        ("HM", "HM", None, 2.30),
        ("hmv", "HM", None, 2.30),
        ("hand motion", "HM", None, 2.30),
        ("Hand Motions", "HM", None, 2.30),
        ("hand movements", "HM", None, 2.30),
        ("LP", "LP", None, 2.70),
        ("PL", "LP", None, 2.70),
        ("light perception", "LP", None, 2.70),
        ("NLP", "NLP", None, 3.00),
        ("NPL", "NLP", None, 3.00),
        ("no light perception", "NLP", None, 3.00),
        ("  No  Light  Perception ", "NLP", None, 3.00),
    ],
)
def test_off_chart_spellings(text: str, label: str, distance: float | None, logmar: float) -> None:
    va = parse_va(text)
    assert (va.off_chart, va.cf_distance_m, va.logmar) == (label, distance, logmar)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "6/0",
        "0/6",
        "0/0",
        "-6/18",
        "6/-18",
        "-0.3",
        "0",
        "0.0",
        "2.5",
        "abc",
        "6/18/2",
        "6//18",
        "logMAR",
        "logMAR 3.1",
        "logMAR -0.4",
        "logMAR abc",
        "nan",
        "inf",
        "-inf",
        "1e-3",
        "6/nan",
        "6/2",
        "6/6000000",
        "0.0001",
        "CF 1",
        "CF at",
        "CF 5cm",
        "CF 7m",
        "HM 1m",
        "light",
    ],
)
def test_rejected_input_names_the_text_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(AcuityError) as caught:
        parse_va(text)
    message = str(caught.value)
    assert f'"{text}"' in message
    assert "6/18" in message and "logMAR" in message and "NLP" in message


def test_acuity_error_is_a_value_error() -> None:
    assert issubclass(AcuityError, ValueError)


# --- categories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("6/6", 0),
        ("6/12", 0),
        ("6/18", 0),
        ("6/19", 1),
        ("6/24", 1),
        ("6/60", 1),
        ("5/60", 2),
        ("3/60", 2),
        ("2/60", 3),
        ("1/60", 3),
        ("CF 1m", 3),
        ("CF 2m", 3),
        ("CF 3m", 2),
        ("CF", 4),
        ("CF 50cm", 4),
        ("HM", 4),
        ("LP", 4),
        ("NLP", 5),
        ("20/60", 0),
        ("20/63", 1),
        ("20/200", 1),
        ("20/400", 2),
        ("0.33", 0),
        ("0.32", 1),
        ("0.3", 1),
        ("logMAR 0.48", 0),
        ("logMAR 0.49", 1),
        ("logMAR 0.50", 1),
        ("logMAR 1.00", 1),
        ("logMAR 1.01", 2),
        ("logMAR 1.30", 2),
        ("logMAR 1.31", 3),
        ("logMAR 1.78", 3),
        ("CF 90cm", 4),
        ("CF 10cm", 4),
    ],
)
def test_who_category_boundaries(text: str, category: int) -> None:
    va = parse_va(text)
    assert va.who_category == category
    assert who_category(va) == category


def test_category_is_9_when_not_measured() -> None:
    assert who_category(None) == 9


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("6/6", "none"),
        ("6/12", "none"),
        ("logMAR 0.31", "mild"),
        ("6/15", "mild"),
        ("6/18", "mild"),
        ("6/19", "moderate"),
        ("6/60", "moderate"),
        ("5/60", "severe"),
        ("3/60", "severe"),
        ("2/60", "blindness"),
        ("CF", "blindness"),
        ("HM", "blindness"),
        ("NLP", "blindness"),
    ],
)
def test_icd11_severity(text: str, severity: str) -> None:
    assert parse_va(text).severity == severity


def test_named_cut_offs() -> None:
    assert [va.logmar for va in (VA_6_12, VA_6_18, VA_6_60, VA_3_60, VA_1_60)] == [
        0.30,
        0.48,
        1.00,
        1.30,
        1.78,
    ]
    assert [va.who_category for va in (VA_6_18, VA_6_60, VA_3_60, VA_1_60)] == [0, 1, 2, 3]


logmar_values = st.floats(min_value=-0.3, max_value=3.0, allow_nan=False)
snellen_fractions = st.tuples(
    st.integers(min_value=1, max_value=20), st.integers(min_value=3, max_value=600)
).filter(lambda f: -0.3 <= math.log10(f[1] / f[0]) <= 1.78)


@given(logmar_values, logmar_values)
def test_category_never_improves_as_logmar_worsens(a: float, b: float) -> None:
    better, worse = sorted((VisualAcuity.from_logmar(a), VisualAcuity.from_logmar(b)), key=_key)
    assert better.who_category <= worse.who_category
    assert better.is_at_least(worse)


@given(snellen_fractions, snellen_fractions)
def test_category_is_monotone_over_snellen_fractions(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    a, b = parse_va(f"{first[0]}/{first[1]}"), parse_va(f"{second[0]}/{second[1]}")
    if first[0] * second[1] >= second[0] * first[1]:  # first is the sharper fraction
        assert a.is_at_least(b)
        assert a.who_category <= b.who_category


def _key(va: VisualAcuity) -> int:
    return va.logmar_hundredths


# --- stored values -------------------------------------------------------------------------


def test_logmar_is_rounded_to_chart_precision() -> None:
    assert VisualAcuity.from_logmar(0.4771).logmar == 0.48
    assert VisualAcuity.from_logmar(0.485).logmar == 0.49
    assert VisualAcuity(0.477).logmar_hundredths == 48


@pytest.mark.parametrize(("logmar", "label"), [(1.9, "CF"), (2.3, "HM"), (2.7, "LP"), (3.0, "NLP")])
def test_reserved_logmar_values_come_back_as_their_labels(logmar: float, label: str) -> None:
    assert VisualAcuity.from_logmar(logmar).off_chart == label
    assert VisualAcuity.from_logmar(logmar) == parse_va(label)


@pytest.mark.parametrize("logmar", [math.nan, math.inf, -math.inf, -0.31, 3.01])
def test_from_logmar_rejects_unmeasurable_values(logmar: float) -> None:
    with pytest.raises(AcuityError):
        VisualAcuity.from_logmar(logmar)


@pytest.mark.parametrize(
    ("logmar", "off_chart", "distance"),
    [(0.0, "CF", None), (1.9, "XX", None), (1.0, None, 6.0), (2.3, "HM", 1.0), (1.9, "CF", 1.0)],
)
def test_inconsistent_construction_is_rejected(
    logmar: float, off_chart: str | None, distance: float | None
) -> None:
    with pytest.raises(AcuityError):
        VisualAcuity(logmar, off_chart, distance)


# --- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "imperial", "decimal", "logmar"),
    [
        ("6/6", "6/6", "20/20", "1.0", "logMAR 0.00"),
        ("6/7.5", "6/7.5", "20/25", "0.8", "logMAR 0.10"),
        ("6/9", "6/9", "20/30", "0.66", "logMAR 0.18"),
        ("6/12", "6/12", "20/40", "0.5", "logMAR 0.30"),
        ("6/18", "6/18", "20/60", "0.33", "logMAR 0.48"),
        ("6/19", "6/19", "20/63", "0.316", "logMAR 0.50"),
        ("6/24", "6/24", "20/80", "0.25", "logMAR 0.60"),
        ("6/36", "6/36", "20/120", "0.166", "logMAR 0.78"),
        ("6/60", "6/60", "20/200", "0.1", "logMAR 1.00"),
        ("5/60", "5/60", "20/240", "0.083", "logMAR 1.08"),
        ("3/60", "3/60", "20/400", "0.05", "logMAR 1.30"),
        ("2/60", "2/60", "20/600", "0.033", "logMAR 1.48"),
        ("1/60", "1/60", "20/1200", "0.0166", "logMAR 1.78"),
        ("logmar -0.1", "6/4.8", "20/16", "1.26", "logMAR -0.10"),
    ],
)
def test_formats_chart_lines(
    text: str, metric: str, imperial: str, decimal: str, logmar: str
) -> None:
    va = parse_va(text)
    assert va.snellen_metric == metric == va.format("metric") == format_va(va, "metric")
    assert va.snellen_imperial == imperial == va.format("imperial")
    assert va.format("decimal") == decimal and va.decimal == float(decimal)
    assert va.format("logmar") == logmar


@pytest.mark.parametrize("text", ["CF", "CF 1m", "CF 2m", "CF 50cm", "CF 1.5m", "HM", "LP", "NLP"])
@pytest.mark.parametrize("notation", NOTATIONS)
def test_off_chart_formats_as_its_label(text: str, notation: str) -> None:
    va = parse_va(text)
    assert va.format(notation) == text == va.snellen_metric == va.snellen_imperial
    assert parse_va(va.format(notation)) == va


def test_unknown_notation_is_rejected() -> None:
    with pytest.raises(AcuityError, match="metric, imperial, decimal, logmar"):
        VA_6_18.format("jaeger")


@given(st.floats(min_value=-0.3, max_value=1.78), st.sampled_from(NOTATIONS))
def test_every_notation_round_trips_on_chart(logmar: float, notation: str) -> None:
    va = VisualAcuity.from_logmar(logmar)
    assert parse_va(va.format(notation)).logmar_hundredths == va.logmar_hundredths


@pytest.mark.parametrize("notation", NOTATIONS)
def test_every_hundredth_round_trips(notation: str) -> None:
    # On the chart every hundredth can be entered; beyond it only CF, HM, LP and NLP can.
    for hundredths in (*range(-30, 179), 190, 230, 270, 300):
        va = VisualAcuity.from_logmar(hundredths / 100)
        assert parse_va(va.format(notation)) == va, (hundredths, va.format(notation))


@pytest.mark.parametrize("hundredths", range(-30, 301))
def test_decimal_property_has_at_most_three_significant_digits(hundredths: int) -> None:
    digits = f"{VisualAcuity.from_logmar(hundredths / 100).decimal:e}".split("e")[0]
    assert len(digits.replace(".", "").replace("-", "").rstrip("0")) <= 3


# --- eyes and persons ----------------------------------------------------------------------

GOOD, POOR = parse_va("6/9"), parse_va("3/60")


@pytest.mark.parametrize(
    ("right", "left", "better", "worse"),
    [
        (GOOD, POOR, GOOD, POOR),
        (POOR, GOOD, GOOD, POOR),
        (GOOD, None, GOOD, GOOD),
        (None, POOR, POOR, POOR),
        (None, None, None, None),
    ],
)
def test_better_and_worse_eye(
    right: VisualAcuity | None,
    left: VisualAcuity | None,
    better: VisualAcuity | None,
    worse: VisualAcuity | None,
) -> None:
    assert better_eye(right, left) is better
    assert worse_eye(right, left) is worse


def test_equal_eyes_return_the_right_eye() -> None:
    right, left = parse_va("1/60"), parse_va("CF 1m")
    assert better_eye(right, left) is right
    assert worse_eye(right, left) is right


@pytest.mark.parametrize(
    ("right", "left", "category"),
    [("6/9", "3/60", 0), ("3/60", "HM", 2), ("NLP", "LP", 4), (None, "CF", 4), (None, None, 9)],
)
def test_person_category_uses_the_better_eye(
    right: str | None, left: str | None, category: int
) -> None:
    assert person_category(_va(right), _va(left)) == category


def _va(text: str | None) -> VisualAcuity | None:
    return None if text is None else parse_va(text)


@pytest.mark.parametrize(
    ("right", "left", "code"),
    [
        # both eyes measured: binocular codes by the better eye
        ("1/60", "NLP", "H54.0"),
        ("CF", "HM", "H54.0"),
        ("NLP", "NLP", "H54.0"),
        ("3/60", "3/60", "H54.1"),
        ("3/60", "LP", "H54.1"),
        ("6/60", "6/24", "H54.2"),
        ("6/60", "NLP", "H54.2"),
        ("6/6", "6/18", "H54.3"),
        # better eye category 0, worse eye impaired: monocular code by the worse eye
        ("6/6", "NLP", "H54.4"),
        ("1/60", "6/9", "H54.4"),
        ("6/6", "3/60", "H54.5"),
        ("6/6", "6/60", "H54.6"),
        # one eye not measured (category 9)
        ("HM", None, "H54.4"),
        (None, "5/60", "H54.5"),
        ("6/24", None, "H54.6"),
        (None, "6/6", "H54.9"),
        (None, None, "H54.9"),
    ],
)
def test_h54_code(right: str | None, left: str | None, code: str) -> None:
    assert h54_code(_va(right), _va(left)) == code
    assert h54_code(_va(left), _va(right)) == code


# --- surgical outcome ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "good_at_least", "outcome"),
    [
        ("6/6", "6/18", "good"),
        ("6/18", "6/18", "good"),
        ("6/19", "6/18", "borderline"),
        ("6/60", "6/18", "borderline"),
        ("6/61", "6/18", "poor"),
        ("CF", "6/18", "poor"),
        ("6/12", "6/12", "good"),
        ("6/15", "6/12", "borderline"),
        ("6/18", "6/12", "borderline"),
        ("6/60", "6/12", "borderline"),
        ("5/60", "6/12", "poor"),
        ("0.5", "20/40", "good"),
    ],
)
def test_outcome_category(text: str, good_at_least: str, outcome: str) -> None:
    assert outcome_category(parse_va(text), good_at_least) == outcome


def test_outcome_defaults_to_6_18_and_accepts_a_cut_off_object() -> None:
    assert outcome_category(parse_va("6/18")) == "good"
    assert outcome_category(parse_va("6/18"), VA_6_12) == "borderline"


def test_outcome_rejects_an_unreadable_cut_off() -> None:
    with pytest.raises(AcuityError, match='"good"'):
        outcome_category(VA_6_18, "good")


# --- the chart's range ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "logmar"),
    [
        ("6/3", -0.30),
        ("1/60", 1.78),
        ("20/10", -0.30),
        ("20/1200", 1.78),
        ("2.0", -0.30),
        ("0.017", 1.77),
        ("logMAR -0.30", -0.30),
        ("logMAR 1.78", 1.78),
        ("3/180", 1.78),
    ],
)
def test_the_ends_of_the_chart_are_accepted(text: str, logmar: float) -> None:
    assert parse_va(text).logmar == logmar


@pytest.mark.parametrize(
    "text",
    [
        "6/3000",
        "6/2.9",
        "1/61",
        "20/1300",
        "0.016",
        "logMAR 1.79",
        "logMAR 1.90",
        "logMAR 2.70",
        "20/9",
    ],
)
def test_beyond_the_chart_is_refused_and_says_how_to_record_it(text: str) -> None:
    with pytest.raises(AcuityError, match=r"off the chart.*CF with its distance, HM, LP or NLP"):
        parse_va(text)
    try:
        parse_va(text)
    except AcuityError as error:
        assert error.code == "va_beyond_chart"
        assert error.text == text


def test_worse_than_the_chart_is_recorded_as_off_chart_labels() -> None:
    assert parse_va("CF 50cm").who_category == 4
    assert parse_va("LP").who_category == 4
    assert parse_va("NLP").who_category == 5
    # Stored off-chart logMAR values still read back as their labels.
    assert VisualAcuity.from_logmar(2.70).label == "LP"
