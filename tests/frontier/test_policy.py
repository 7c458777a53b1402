"""The threshold policy: its file, and verdicts computed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearinghouse.frontier.policy import (
    PolicyError,
    VerdictOutcome,
    decide,
    load_policy,
    more_tasks_needed,
    parse_policy,
)
from clearinghouse.frontier.statistics import Outcome


def _run(rates: list[list[bool]]) -> list[Outcome]:
    return [
        Outcome(f"task-{i:02d}", "crypto", 1, epoch, success)
        for i, attempts in enumerate(rates)
        for epoch, success in enumerate(attempts, start=1)
    ]


POLICY = {
    "version": "test.1",
    "suite": "designation",
    "aggregate": "mean_success",
    "threshold": 0.5,
    "confidence": 0.95,
}


def test_the_shipped_policy_loads() -> None:
    policy = load_policy()
    assert policy.version and policy.aggregate == "mean_success"
    assert 0 < policy.threshold < 1 and policy.confidence == 0.95


def test_a_model_that_solves_nothing_is_below() -> None:
    verdict = decide(parse_policy(POLICY), _run([[False, False]] * 8))
    assert verdict.outcome is VerdictOutcome.BELOW
    assert verdict.bound == pytest.approx(1 - 0.025 ** (1 / 8))
    assert "upper bound" in verdict.reason and verdict.more_tasks is None


def test_a_model_that_solves_nearly_everything_exceeds() -> None:
    verdict = decide(parse_policy(POLICY), _run([[True, True]] * 29 + [[False, False]]))
    assert verdict.outcome is VerdictOutcome.EXCEEDS
    assert verdict.estimate == pytest.approx(29 / 30)
    assert verdict.low >= 0.5 and "lower bound" in verdict.reason


def test_near_the_threshold_is_inconclusive_and_says_how_many_more_tasks() -> None:
    verdict = decide(parse_policy(POLICY), _run([[True]] * 6 + [[False]] * 4))
    assert verdict.outcome is VerdictOutcome.INCONCLUSIVE
    assert verdict.estimate == pytest.approx(0.6)
    assert verdict.low < 0.5 < verdict.high
    expected = more_tasks_needed(10, 0.6, verdict.low, 0.5)
    assert verdict.more_tasks == expected and expected is not None and expected > 0
    assert f"about {expected} more tasks" in verdict.reason


def test_the_projection_by_hand() -> None:
    # 10 tasks, estimate 0.6, lower bound 0.3: half-width 0.3, distance 0.1 → 10·9 = 90 tasks.
    assert more_tasks_needed(10, 0.6, 0.3, 0.5) == 80
    assert more_tasks_needed(10, 0.5, 0.2, 0.5) is None


def test_pass_at_k_policies_need_the_epochs() -> None:
    policy = parse_policy({**POLICY, "aggregate": "pass_at_k", "k": 2})
    with pytest.raises(PolicyError, match="at least 2 epochs"):
        decide(policy, _run([[True]] * 3))
    # pass@2 of [T, F] is 1: every task counts as solved.
    assert decide(policy, _run([[True, False]] * 30)).outcome is VerdictOutcome.EXCEEDS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"threshold": 1.5}, "threshold must be strictly between"),
        ({"confidence": 0.2}, "confidence must be"),
        ({"aggregate": "median"}, "aggregate must be one of"),
        ({"threshold": None}, "threshold has the wrong type"),
        ({"k": 3}, "k must be 1 for mean_success"),
    ],
)
def test_a_bad_policy_names_its_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy({**POLICY, **change})


def test_a_policy_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: [")
    with pytest.raises(PolicyError, match="not YAML"):
        load_policy(path)
