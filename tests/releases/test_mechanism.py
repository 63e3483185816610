"""The discrete Laplace mechanism: the right amount of noise, everywhere, and consistent sums."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.analytics.dp_mechanism import accuracy, discrete_laplace, share_interval
from brightline.analytics.indicator_queries import ALL, UNASSIGNED
from brightline.analytics.release import RegionUnit, margin, noisy_table

DRAWS = 20_000


def expected_abs(scale: float) -> tuple[float, float]:
    """E|Z| and the standard deviation of |Z| for discrete Laplace of this scale."""
    p = math.exp(-1 / scale)
    mean = 2 * p / (1 - p * p)
    second = 2 * p / (1 - p) ** 2
    return mean, math.sqrt(second - mean * mean)


@pytest.mark.parametrize(("epsilon", "sensitivity"), [(0.5, 1), (1.0, 1), (0.25, 2)])
def test_mean_absolute_error_matches_the_mechanism_scale(epsilon: float, sensitivity: int) -> None:
    truth = [100] * DRAWS
    noisy = discrete_laplace(truth, epsilon, sensitivity)
    assert noisy.scale == pytest.approx(sensitivity / epsilon)
    errors = [abs(v - t) for v, t in zip(noisy.values, truth, strict=True)]
    mean, sd = expected_abs(noisy.scale)
    # Six standard errors: a false alarm about once in 500 million runs.
    assert abs(sum(errors) / DRAWS - mean) < 6 * sd / math.sqrt(DRAWS)


def test_the_stated_95_percent_accuracy_holds_over_many_draws() -> None:
    noisy = discrete_laplace([0] * DRAWS, 0.5, 1)
    bound = accuracy(noisy.scale)
    inside = sum(abs(v) <= bound for v in noisy.values) / DRAWS
    assert inside >= 0.95 - 6 * math.sqrt(0.05 * 0.95 / DRAWS)


UNITS = [RegionUnit("A1", ("P",)), RegionUnit("A2", ("P",)), RegionUnit("B1", ("Q",))]


def test_every_cell_is_noised_none_negative_and_parents_are_the_sum_of_children() -> None:
    exact = {("A1", "eyes"): 40, ("A2", "eyes"): 0, ("B1", "eyes"): 3}
    changed = {"A1": 0, "A2": 0}
    for _ in range(200):
        table = noisy_table(exact, UNITS, "surgeries", 0.2)
        counts = {(c["region"], c["category"]): c["count"] for c in table["counts"]}
        assert set(counts) == {(r, "eyes") for r in ("A1", "A2", "B1", UNASSIGNED, "P", "Q", ALL)}
        assert min(counts.values()) >= 0
        assert counts[("P", "eyes")] == counts[("A1", "eyes")] + counts[("A2", "eyes")]
        assert counts[("Q", "eyes")] == counts[("B1", "eyes")]
        assert counts[(ALL, "eyes")] == sum(
            counts[(r, "eyes")] for r in ("A1", "A2", "B1", UNASSIGNED)
        )
        for region in changed:
            changed[region] += counts[(region, "eyes")] != exact[(region, "eyes")]
    # At scale 10 a draw is zero about 5 % of the time, so a count of 40 nearly always moves;
    # a true zero moves up about half the time (a negative draw is published as 0). An
    # un-noised cell would never move.
    assert changed["A1"] > 0.85 * 200 and changed["A2"] > 0.3 * 200


@given(
    a=st.integers(0, 10_000),
    b=st.integers(0, 10_000),
    ma=st.integers(0, 50),
    mb=st.integers(0, 50),
)
def test_share_interval_contains_every_share_within_the_margins(
    a: int, b: int, ma: int, mb: int
) -> None:
    value, low, high = share_interval(a, b, ma, mb)
    assert low is not None and high is not None and 0 <= low <= high <= 1
    if value is not None:
        assert low <= value <= high
    # Any true counts within the margins give a share inside the interval (corners included).
    for ta in (max(0, a - ma), a + ma):
        for tb in (max(0, b - mb), b + mb):
            if ta + tb:
                assert low - 1e-4 <= ta / (ta + tb) <= high + 1e-4


def test_margin_of_a_sum_grows_with_its_draws() -> None:
    assert margin(10.0, 1) == accuracy(10.0)
    assert margin(10.0, 4) > margin(10.0, 1)
