"""Medians, percentiles and ratios. Ratios of two things measured in the same run
hold on a noisy machine; absolute times do not, so they are reported but not judged."""
from __future__ import annotations

import math
import statistics


def percentile(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values, scale: float = 1.0, digits: int = 3) -> dict:
    """n, median, p99, min and max of the values times `scale`."""
    values = [v * scale for v in values]
    return {"n": len(values), "median": round(statistics.median(values), digits),
            "p99": round(percentile(values, 99), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def ratio(numerator: float, denominator: float, digits: int = 2) -> float | None:
    return round(numerator / denominator, digits) if denominator else None


def verdict(value: float | None, goal: float) -> str:
    if value is None:
        return "n/a"
    return "met" if value <= goal else "over"


def paired_ratio(numerators, denominators, digits: int = 2) -> float | None:
    """Median of the ratios of pairs measured back to back: drift that hits both sides of a
    pair alike cancels, even when it moves the medians of the two sides apart."""
    pairs = [n / d for n, d in zip(numerators, denominators, strict=False) if d]
    return round(statistics.median(pairs), digits) if pairs else None
