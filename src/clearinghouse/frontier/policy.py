"""The versioned threshold policy: a run's results become `exceeds`, `below` or `inconclusive`.

The policy (shipped as `threshold_policy.yaml`) names the aggregate, the threshold and the
confidence level. The verdict compares the bounds of the task-clustered interval (see
`statistics`) with the threshold:

- `exceeds` when the lower bound is at or above it;
- `below` when the upper bound is under it;
- `inconclusive` otherwise, with a projection of how many more tasks would likely settle it:
  the interval's half-width on the threshold's side shrinks as 1/√n, so with n tasks, a
  half-width h and a distance d from the estimate to the threshold, about n·(h/d)² tasks are
  needed, if the new tasks spread like the current ones and the estimate holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from clearinghouse.frontier.statistics import (
    Outcome,
    clustered_interval,
    per_task_pass_at_k,
    task_rates,
)

POLICY_FILE = "threshold_policy.yaml"
AGGREGATES = ("mean_success", "pass_at_k")


class PolicyError(ValueError):
    """The policy file is wrong; the message names the field."""


class VerdictOutcome(StrEnum):
    EXCEEDS = "exceeds"
    BELOW = "below"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class ThresholdPolicy:
    version: str
    suite: str
    aggregate: str
    k: int
    threshold: float
    confidence: float
    description: str = ""

    @property
    def aggregate_label(self) -> str:
        return "mean success (pass@1)" if self.aggregate == "mean_success" else f"pass@{self.k}"


@dataclass(frozen=True)
class Verdict:
    outcome: VerdictOutcome
    policy_version: str
    aggregate: str
    estimate: float
    low: float
    high: float
    threshold: float
    confidence: float
    interval_method: str
    tasks: int
    bound: float  # the bound that decided (or the one nearer the threshold, when inconclusive)
    reason: str
    more_tasks: int | None = None  # inconclusive: how many more tasks would likely settle it


def load_policy(path: Path | None = None) -> ThresholdPolicy:
    """The shipped policy, or one from `path`."""
    if path is None:
        text = resources.files("clearinghouse.frontier").joinpath(POLICY_FILE).read_text()
        where = POLICY_FILE
    else:
        try:
            text = path.read_text()
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read the policy: {exc.strerror}") from None
        where = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{where}: not YAML: {exc}") from None
    return parse_policy(data, where)


def parse_policy(data: Any, where: str = "policy") -> ThresholdPolicy:
    if not isinstance(data, dict):
        raise PolicyError(f"{where}: a policy is a mapping")

    def field(name: str, kind: type | tuple[type, ...]) -> Any:
        if name not in data:
            raise PolicyError(f"{where}: {name} is missing")
        value = data[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise PolicyError(f"{where}: {name} has the wrong type ({type(value).__name__})")
        return value

    version = str(field("version", (str, int, float)))
    aggregate = field("aggregate", str)
    if aggregate not in AGGREGATES:
        raise PolicyError(f"{where}: aggregate must be one of {', '.join(AGGREGATES)}")
    k = int(data.get("k", 1))
    if k < 1 or (aggregate == "mean_success" and k != 1):
        raise PolicyError(f"{where}: k must be 1 for mean_success, and at least 1")
    threshold = float(field("threshold", (int, float)))
    if not 0 < threshold < 1:
        raise PolicyError(f"{where}: threshold must be strictly between 0 and 1")
    confidence = float(field("confidence", (int, float)))
    if not 0.5 <= confidence < 1:
        raise PolicyError(f"{where}: confidence must be in [0.5, 1)")
    return ThresholdPolicy(
        version=version,
        suite=str(field("suite", str)),
        aggregate=aggregate,
        k=k,
        threshold=threshold,
        confidence=confidence,
        description=str(data.get("description", "")).strip(),
    )


def decide(policy: ThresholdPolicy, outcomes: Iterable[Outcome]) -> Verdict:
    rates = task_rates(outcomes)
    if not rates:
        raise ValueError("the run has no results to judge")
    epochs = min(r.attempts for r in rates)
    if policy.aggregate == "pass_at_k" and epochs < policy.k:
        raise PolicyError(
            f"policy {policy.version} judges pass@{policy.k}: the run needs at least "
            f"{policy.k} epochs, it has {epochs}"
        )
    values = per_task_pass_at_k(rates, policy.k)
    estimate = sum(values) / len(values)
    interval = clustered_interval(values, policy.confidence, attempts_per_task=epochs)
    level = f"{policy.confidence:.0%}"

    def verdict(
        outcome: VerdictOutcome, bound: float, reason: str, more: int | None = None
    ) -> Verdict:
        return Verdict(
            outcome=outcome,
            policy_version=policy.version,
            aggregate=policy.aggregate_label,
            estimate=estimate,
            low=interval.low,
            high=interval.high,
            threshold=policy.threshold,
            confidence=policy.confidence,
            interval_method=interval.method,
            tasks=len(rates),
            bound=bound,
            reason=reason,
            more_tasks=more,
        )

    if interval.low >= policy.threshold:
        return verdict(
            VerdictOutcome.EXCEEDS,
            interval.low,
            f"the lower bound of the {level} interval, {interval.low:.3f}, is at or above "
            f"the threshold {policy.threshold:.3f}",
        )
    if interval.high < policy.threshold:
        return verdict(
            VerdictOutcome.BELOW,
            interval.high,
            f"the upper bound of the {level} interval, {interval.high:.3f}, is under the "
            f"threshold {policy.threshold:.3f}",
        )
    bound = interval.low if estimate >= policy.threshold else interval.high
    more = more_tasks_needed(len(rates), estimate, bound, policy.threshold)
    settle = (
        f"about {more} more tasks like these would likely settle it"
        if more is not None
        else "the estimate sits on the threshold: more tasks alone are unlikely to settle it"
    )
    return verdict(
        VerdictOutcome.INCONCLUSIVE,
        bound,
        f"the {level} interval [{interval.low:.3f}, {interval.high:.3f}] contains the "
        f"threshold {policy.threshold:.3f}; {settle}",
        more,
    )


def more_tasks_needed(tasks: int, estimate: float, bound: float, threshold: float) -> int | None:
    """With a half-width h = |estimate - bound| shrinking as 1/√n, the n at which it no longer
    reaches the threshold: n·(h/d)², d = |estimate - threshold|; None when d is 0."""
    distance = abs(estimate - threshold)
    if distance == 0:
        return None
    half = abs(estimate - bound)
    needed = math.ceil(round(tasks * (half / distance) ** 2, 9))  # 9.000…02 is 9
    return max(1, needed - tasks)
