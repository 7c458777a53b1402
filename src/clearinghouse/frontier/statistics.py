"""What a run's results say: per-task success, the mean with a task-clustered interval, pass@k.

The unit of evidence is the task, not the attempt: a model's epochs on one task are strongly
correlated (it either knows the trick or it does not), so treating every attempt as independent
would make the interval far too narrow. The interval is therefore a **clustered bootstrap**:
resample whole tasks with replacement (10,000 times, fixed seed, so the same results always give
the same interval) and take the percentiles of the resampled means. We prefer it to the
cluster-robust standard error because it needs no normal approximation, stays inside [0, 1],
and behaves with the few dozen tasks a suite has.

When every task has the same rate the bootstrap collapses to a point, which would claim
certainty from a handful of tasks. Then: at 0 (or 1) the interval is the exact Clopper-Pearson
bound with the tasks as the trials, [0, 1 - (a/2)^(1/n)] (or [(a/2)^(1/n), 1]) for a = 1 - the
confidence level; at any other
common rate, a normal interval from the binomial spread of the attempts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SEED = 14409  # the order's number: any fixed seed makes the interval reproducible
RESAMPLES = 10_000


@dataclass(frozen=True)
class Outcome:
    """One attempt: a task in one epoch."""

    task_id: str
    category: str
    tier: int
    epoch: int
    success: bool


@dataclass(frozen=True)
class TaskRate:
    task_id: str
    category: str
    tier: int
    attempts: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.attempts


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str


@dataclass(frozen=True)
class GroupSummary:
    name: str
    tasks: int
    mean: float
    interval: Interval


@dataclass(frozen=True)
class Summary:
    tasks: tuple[TaskRate, ...]
    confidence: float
    mean: float
    interval: Interval
    pass_at_k: dict[int, float]
    by_category: tuple[GroupSummary, ...]
    by_tier: tuple[GroupSummary, ...]


def task_rates(outcomes: Iterable[Outcome]) -> tuple[TaskRate, ...]:
    grouped: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        grouped[outcome.task_id].append(outcome)
    return tuple(
        TaskRate(
            task_id,
            attempts[0].category,
            attempts[0].tier,
            len(attempts),
            sum(a.success for a in attempts),
        )
        for task_id, attempts in sorted(grouped.items())
    )


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimator of pass@k from n attempts with c successes (Chen et al., 2021):
    1 - C(n-c, k) / C(n, k), computed as a product so that large n does not overflow."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def clustered_interval(
    values: Sequence[float],
    confidence: float = 0.95,
    *,
    attempts_per_task: int = 1,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Interval:
    """The `confidence` interval of the mean of per-task values (see the module's docstring)."""
    if not values:
        raise ValueError("no tasks: nothing to estimate")
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence {confidence} must be in [0.5, 1)")
    alpha = 1.0 - confidence
    data = np.asarray(values, dtype=float)
    n = len(data)
    if np.all(data == data[0]):
        common = float(data[0])
        if common == 0.0:
            return Interval(0.0, 1.0 - (alpha / 2) ** (1 / n), "exact (every task at 0)")
        if common == 1.0:
            return Interval((alpha / 2) ** (1 / n), 1.0, "exact (every task at 1)")
        half = _z(1 - alpha / 2) * math.sqrt(common * (1 - common) / (n * attempts_per_task))
        return Interval(max(0.0, common - half), min(1.0, common + half), "binomial (one rate)")
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return Interval(float(low), float(high), "clustered bootstrap")


def _z(p: float) -> float:
    """The standard normal quantile (by bisection on erf: no scipy needed)."""
    low, high = -10.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def summarize(outcomes: Iterable[Outcome], confidence: float = 0.95) -> Summary:
    rates = task_rates(outcomes)
    if not rates:
        raise ValueError("the run has no results")
    per_task = [r.rate for r in rates]
    epochs = min(r.attempts for r in rates)

    def group(key: Callable[[TaskRate], str]) -> tuple[GroupSummary, ...]:
        groups: dict[str, list[float]] = defaultdict(list)
        for rate in rates:
            groups[key(rate)].append(rate.rate)
        return tuple(
            GroupSummary(
                name,
                len(values),
                sum(values) / len(values),
                clustered_interval(values, confidence, attempts_per_task=epochs),
            )
            for name, values in sorted(groups.items())
        )

    return Summary(
        tasks=rates,
        confidence=confidence,
        mean=sum(per_task) / len(per_task),
        interval=clustered_interval(per_task, confidence, attempts_per_task=epochs),
        pass_at_k={
            k: sum(pass_at_k(r.attempts, r.successes, k) for r in rates) / len(rates)
            for k in range(1, epochs + 1)
        },
        by_category=group(lambda r: r.category),
        by_tier=group(lambda r: f"tier {r.tier}"),
    )


def per_task_pass_at_k(rates: Sequence[TaskRate], k: int) -> list[float]:
    return [pass_at_k(r.attempts, r.successes, k) for r in rates]
