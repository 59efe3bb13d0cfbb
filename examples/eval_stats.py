"""How many test items does a private evaluation need? Error bars and a paired comparison.

Follows the approach of Miller, "Adding Error Bars to Evals" (arXiv 2411.00640): treat the test items as a sample
from the questions you care about, report the standard error of the mean score, and compare two models on the
*same* items with a paired test, which is far more sensitive than comparing two separate intervals.

Run it:  python examples/eval_stats.py
It prints the 95% half-width of an accuracy score for several test-set sizes, the number of items needed to see
a 5-point gap between two models, and a paired comparison on a simulated test set. Standard library only.
"""

from __future__ import annotations

import math
import random

Z95 = 1.959964  # two-sided 95% normal quantile
Z80 = 0.841621  # one-sided 80% quantile, i.e. 80% power


def half_width(accuracy: float, n: int) -> float:
    """95% half-width of a mean accuracy over n independent items (normal approximation)."""
    return Z95 * math.sqrt(accuracy * (1 - accuracy) / n)


def items_for_gap(gap: float, discordant: float) -> int:
    """Items needed to detect an accuracy gap between two models scored on the same items, at 5% two-sided
    significance and 80% power. `discordant` is the share of items on which the two models disagree (one right,
    one wrong); only those items carry information about the difference. Normal approximation to McNemar's test."""
    if not 0 < gap < discordant <= 1:
        raise ValueError("need 0 < gap < discordant <= 1")
    variance = discordant - gap**2  # variance of the per-item difference d in {-1, 0, +1}
    return math.ceil(((Z95 + Z80) ** 2) * variance / gap**2)


def paired(a: list[int], b: list[int]) -> tuple[float, float]:
    """Mean difference b - a and its standard error, from per-item scores (0/1) on the same items."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("paired scores need the same items, at least two")
    d = [y - x for x, y in zip(a, b)]
    mean = sum(d) / len(d)
    var = sum((v - mean) ** 2 for v in d) / (len(d) - 1)
    return mean, math.sqrt(var / len(d))


def unpaired_se(a: list[int], b: list[int]) -> float:
    """Standard error of the difference if the two models' scores were treated as independent samples."""
    pa, pb = sum(a) / len(a), sum(b) / len(b)
    return math.sqrt(pa * (1 - pa) / len(a) + pb * (1 - pb) / len(b))


def simulate(n: int = 300, seed: int = 6) -> tuple[list[int], list[int]]:
    """Two models on the same n items: item difficulty is shared, so their errors are correlated, as in practice.
    Model B is a few points better on average."""
    rng = random.Random(seed)
    a, b = [], []
    for _ in range(n):
        u = rng.random()  # how hard the item is, shared by both models
        v = u if rng.random() < 0.8 else rng.random()  # B mostly fails where A fails
        a.append(int(u < 0.70))
        b.append(int(v < 0.75))
    return a, b


def main() -> None:
    print("95% half-width of an accuracy score (accuracy 80%)")
    for n in (50, 100, 200, 500, 1000, 2000):
        print(f"  {n:5d} items: +/- {100 * half_width(0.8, n):.1f} points")
    print("Items to detect a 5-point gap on the same items (80% power):")
    for disc in (0.10, 0.20, 0.30):
        print(f"  models disagree on {100 * disc:.0f}% of items: {items_for_gap(0.05, disc)} items")
    a, b = simulate()
    mean, se = paired(a, b)
    print(f"Simulated 300 items: A {100 * sum(a) / len(a):.1f}%, B {100 * sum(b) / len(b):.1f}%")
    print(f"  paired difference {100 * mean:+.1f} +/- {100 * Z95 * se:.1f} points (95%)")
    print(f"  unpaired analysis would claim +/- {100 * Z95 * unpaired_se(a, b):.1f} points")


if __name__ == "__main__":
    main()
