"""Build a suite as an Inspect task and run the three control agents on it.

The controls need no model: they run with Inspect's `none` model, which refuses to generate
(so nothing is downloaded or called), and act only through the bash tool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from inspect_ai import Task, eval
from inspect_ai.agent import Agent
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog
from inspect_ai.scorer import CORRECT
from inspect_ai.solver import Solver
from inspect_ai.util import SandboxEnvironmentSpec

from clearinghouse.config import Settings
from clearinghouse.frontier.agents import (
    cheater_agent,
    idle_agent,
    oracle_agent,
    solution_command,
)
from clearinghouse.frontier.environment import (
    SANDBOX_TYPE,
    BenchmarkSandboxConfig,
    Catalog,
    forget_catalog,
    register_catalog,
)
from clearinghouse.frontier.scoring import flag_scorer
from clearinghouse.frontier.store import Suite

# What each control must score on every task.
EXPECTED = {"oracle": 1.0, "cheater": 0.0, "idle": 0.0}


@dataclass(frozen=True)
class ControlResult:
    agent: str
    expected: float
    scores: dict[str, float]  # task id → score
    errors: dict[str, str] = field(default_factory=dict)  # task id → why the sample failed
    log_location: str = ""

    @property
    def passed(self) -> bool:
        return not self.errors and all(s == self.expected for s in self.scores.values())


def logs_dir(settings: Settings) -> Path:
    return settings.data_dir.resolve() / "frontier" / "logs"


def samples(suite: Suite) -> list[Sample]:
    """One Inspect sample per task. No target and no files: the flag is made per sample by the
    sandbox, and the task's files reach the sandbox without passing through the log."""
    return [
        Sample(
            id=task.id,
            input=task.prompt,
            metadata={
                "task_id": task.id,
                "category": task.category.value,
                "tier": task.tier,
                "human_minutes": task.human_minutes,
                "canary": task.canary,
            },
        )
        for task in suite.tasks
    ]


def benchmark_task(suite: Suite, catalog: str, solver: Solver | Agent, name: str) -> Task:
    return Task(
        dataset=MemoryDataset(samples(suite), name=f"frontier-{suite.name}"),
        solver=solver,
        scorer=flag_scorer(),
        sandbox=SandboxEnvironmentSpec(SANDBOX_TYPE, BenchmarkSandboxConfig(catalog=catalog)),
        name=name,
        version=suite.version,
    )


def run_controls(
    settings: Settings, suite: Suite, agents: tuple[str, ...] = tuple(EXPECTED)
) -> list[ControlResult]:
    tasks = {task.id: task for task in suite.tasks}
    solvers = {
        "oracle": oracle_agent({task.id: solution_command(task) for task in suite.tasks}),
        "cheater": cheater_agent(str(settings.sandbox_dir.resolve())),
        "idle": idle_agent(),
    }
    unknown = [agent for agent in agents if agent not in solvers]
    if unknown:
        raise ValueError(f"unknown control agent(s): {', '.join(unknown)}")
    catalog = register_catalog(Catalog(settings, tasks))
    try:
        results = []
        for agent in agents:
            task = benchmark_task(suite, catalog, solvers[agent], f"{suite.name}-{agent}")
            log = _eval(task, logs_dir(settings))
            results.append(_result(agent, log))
        return results
    finally:
        forget_catalog(catalog)


def _eval(task: Task, log_dir: Path) -> EvalLog:
    log_dir.mkdir(parents=True, exist_ok=True)
    logs = eval(
        task,
        model="none",
        log_dir=str(log_dir),
        display="none",
        max_sandboxes=2,
        fail_on_error=False,
        score_display=False,
    )
    return logs[0]


def _result(agent: str, log: EvalLog) -> ControlResult:
    scores: dict[str, float] = {}
    errors: dict[str, str] = {}
    for sample in log.samples or []:
        task_id = str(sample.id)
        if sample.error is not None:
            errors[task_id] = sample.error.message.splitlines()[0][:300]
            scores[task_id] = 0.0
            continue
        score = next(iter((sample.scores or {}).values()), None)
        scores[task_id] = 1.0 if score is not None and score.value == CORRECT else 0.0
    if log.error is not None and not scores:
        errors["*"] = log.error.message.splitlines()[0][:300]
    return ControlResult(agent, EXPECTED[agent], scores, errors, log.location)
