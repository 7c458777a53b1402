"""Statistics of a run, against numbers computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clearinghouse.frontier.statistics import (
    Outcome,
    clustered_interval,
    pass_at_k,
    summarize,
    task_rates,
)


def _outcomes(table: dict[str, tuple[str, int, list[bool]]]) -> list[Outcome]:
    return [
        Outcome(task, category, tier, epoch, success)
        for task, (category, tier, attempts) in table.items()
        for epoch, success in enumerate(attempts, start=1)
    ]


@pytest.mark.parametrize(("n", "c", "k"), [(5, 0, 1), (5, 1, 1), (5, 2, 3), (10, 3, 4), (4, 4, 2)])
def test_pass_at_k_is_the_closed_form(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))


def test_pass_at_k_by_hand() -> None:
    # 4 attempts, 1 success, k = 2: 1 - C(3,2)/C(4,2) = 1 - 3/6.
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)
    assert pass_at_k(3, 1, 1) == pytest.approx(1 / 3)  # pass@1 is the success rate
    assert pass_at_k(3, 2, 2) == 1.0  # two failures cannot fill two picks out of three
    with pytest.raises(ValueError, match="1 <= k <= n"):
        pass_at_k(2, 1, 3)


def test_summary_by_hand() -> None:
    outcomes = _outcomes(
        {
            "crypto-a": ("crypto", 1, [True, True, False]),  # 2/3
            "crypto-b": ("crypto", 2, [False, False, False]),  # 0
            "web-a": ("web", 1, [True, True, True]),  # 1
            "web-b": ("web", 2, [True, False, False]),  # 1/3
        }
    )
    summary = summarize(outcomes)
    assert [r.rate for r in summary.tasks] == pytest.approx([2 / 3, 0, 1, 1 / 3])
    assert summary.mean == pytest.approx(0.5)
    assert summary.pass_at_k[1] == pytest.approx(0.5)
    # pass@2 per task: 1 - C(1,2)/C(3,2) = 1, 0, 1 - C(2,2)/C(3,2) = 2/3, 1.
    assert summary.pass_at_k[2] == pytest.approx((1 + 0 + 2 / 3 + 1) / 4)
    assert summary.pass_at_k[3] == pytest.approx(0.75)
    categories = {g.name: (g.tasks, g.mean) for g in summary.by_category}
    assert categories == {"crypto": (2, pytest.approx(1 / 3)), "web": (2, pytest.approx(2 / 3))}
    tiers = {g.name: g.mean for g in summary.by_tier}
    assert tiers == {"tier 1": pytest.approx(5 / 6), "tier 2": pytest.approx(1 / 6)}
    assert summary.interval.low < summary.mean < summary.interval.high
    assert summary.interval.method == "clustered bootstrap"


def test_the_interval_is_deterministic_and_within_the_range_of_the_tasks() -> None:
    values = [0.0, 0.0, 1.0, 1 / 3, 2 / 3, 1.0, 0.0, 0.5]
    first = clustered_interval(values)
    assert first == clustered_interval(values)
    assert 0.0 <= first.low < sum(values) / len(values) < first.high <= 1.0


def test_all_zero_gets_the_exact_bound_not_a_point() -> None:
    # Clopper-Pearson with 8 trials and no success: upper = 1 - 0.025^(1/8).
    interval = clustered_interval([0.0] * 8)
    assert (interval.low, interval.high) == (0.0, pytest.approx(1 - 0.025 ** (1 / 8)))
    assert interval.high == pytest.approx(0.3694, abs=1e-4)
    assert clustered_interval([1.0] * 8).low == pytest.approx(0.025 ** (1 / 8))


def test_one_task_rates_are_grouped_by_task() -> None:
    rates = task_rates(_outcomes({"t": ("crypto", 1, [True, False])}))
    assert [(r.task_id, r.attempts, r.successes) for r in rates] == [("t", 2, 1)]


def test_the_clustered_interval_covers_where_a_naive_one_does_not() -> None:
    """Tasks whose epochs agree (a model knows the trick or not): the clustered interval covers
    the true mean about 95% of the time; one that treats each attempt as independent does not."""
    rng = np.random.default_rng(7)
    tasks, epochs, replicates = 30, 5, 200
    covered = naive_covered = 0
    true_mean = 0.5  # Beta(0.3, 0.3) task difficulties
    for replicate in range(replicates):
        rates = rng.beta(0.3, 0.3, size=tasks)
        successes = rng.binomial(epochs, rates)
        per_task = list(successes / epochs)
        interval = clustered_interval(per_task, resamples=2000, seed=replicate)
        covered += interval.low <= true_mean <= interval.high
        p = successes.sum() / (tasks * epochs)
        half = 1.96 * math.sqrt(p * (1 - p) / (tasks * epochs))
        naive_covered += p - half <= true_mean <= p + half
    assert 0.88 <= covered / replicates <= 0.99
    assert naive_covered / replicates < 0.8
