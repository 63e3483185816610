"""The discrete Laplace mechanism through OpenDP, its accuracy, and the post-processing.

Counts of people are integers, so each cell gets discrete Laplace (two-sided geometric)
noise of scale ``sensitivity / ε`` — pure ε-differential privacy with integer support
(Ghosh, Roughgarden and Sundararajan, "Universally utility-maximizing privacy mechanisms",
2012). OpenDP draws it from a cryptographically secure source and states the mechanism's
privacy map, which we check against the ε asked for. Everything after the noise (no
negative counts, regions summing to their parents, rates and intervals) only reads noisy
counts and public figures, so it costs no privacy (post-processing; Dwork and Roth, "The
Algorithmic Foundations of Differential Privacy", 2014, Prop. 2.1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import opendp.prelude as dp

# OpenDP hides mechanisms whose proofs are not yet peer-reviewed behind "contrib"; the
# discrete Laplace on integer vectors is one of them, so we opt in, knowingly, here once.
dp.enable_features("contrib")

# How often a published count may be further from the true count than "typically" says.
TYPICAL_ALPHA = 0.05


@dataclass(frozen=True)
class NoisyCounts:
    """Noisy counts of one table and the mechanism's parameters (what the release states)."""

    values: tuple[int, ...]
    epsilon: float
    sensitivity: int
    scale: float


def noise_scale(epsilon: float, sensitivity: int) -> float:
    """The discrete Laplace scale giving ε for a person who moves the counts by ``sensitivity``."""
    if not epsilon > 0 or not math.isfinite(epsilon):
        raise ValueError(f"ε must be a positive number, not {epsilon!r}")
    return sensitivity / epsilon


def discrete_laplace(counts: Sequence[int], epsilon: float, sensitivity: int) -> NoisyCounts:
    """Add discrete Laplace noise to every count of a table at once (one OpenDP measurement).

    ``sensitivity`` is the L1 distance a single person can move the whole vector of counts:
    1 when each person is in at most one cell (a partition), 2 for operated eyes.
    """
    scale = noise_scale(epsilon, sensitivity)
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )
    # OpenDP's own privacy map must not claim more than the ε that is charged to the ledger.
    spent = float(measurement.map(d_in=sensitivity))  # type: ignore[no-untyped-call]
    if spent > epsilon * (1 + 1e-9):
        raise ValueError(f"the mechanism would spend ε={spent}, more than {epsilon}")
    noisy = measurement([int(c) for c in counts]) if counts else []
    return NoisyCounts(tuple(int(v) for v in noisy), epsilon, sensitivity, scale)


# A release asks the same (scale, α) for each of its cells: OpenDP answers each pair once.
@lru_cache(maxsize=1024)
def accuracy(scale: float, alpha: float = TYPICAL_ALPHA) -> int:
    """The smallest whole ±N such that a noisy count is within N of the true one 1−α of the time."""
    bound = float(dp.discrete_laplacian_scale_to_accuracy(scale=scale, alpha=alpha))
    return math.ceil(bound - 1e-9)


def not_negative(values: Sequence[int]) -> list[int]:
    """No count below zero (post-processing: a negative number of people says nothing true)."""
    return [max(0, v) for v in values]


def share_interval(
    numerator: int, rest: int, margin_numerator: int, margin_rest: int
) -> tuple[float | None, float | None, float | None]:
    """A share a/(a+b) from noisy counts, with the interval their noise allows.

    Given margins that hold together with probability 1−α (the caller takes them so), the
    true share lies in the interval with at least that probability: the share grows with a
    and falls with b, so its extremes are at the corners. None where no one is counted.
    """
    total = numerator + rest
    value = round(numerator / total, 4) if total > 0 else None
    low_a, high_a = max(0, numerator - margin_numerator), numerator + margin_numerator
    low_b, high_b = max(0, rest - margin_rest), rest + margin_rest
    low = low_a / (low_a + high_b) if low_a + high_b > 0 else 0.0
    high = high_a / (high_a + low_b) if high_a + low_b > 0 else 1.0
    return value, round(low, 4), round(high, 4)
