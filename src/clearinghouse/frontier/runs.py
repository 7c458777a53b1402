"""A model run: Inspect's `react` agent with bash and python, against an OpenAI-compatible
endpoint, on every task of a suite, in our sandbox.

The endpoint is how a developer gives pre-release access: `openai-api/NAME/MODEL` with a base
URL. Its API key is read by Inspect from an environment variable (`NAME_API_KEY` unless told
otherwise); it is never passed as an argument, stored or logged: only the variable's name is.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from inspect_ai import eval
from inspect_ai.agent import Agent, AgentSubmit, react
from inspect_ai.log import EvalLog
from inspect_ai.scorer import CORRECT
from inspect_ai.tool import bash, python

from clearinghouse.config import Settings
from clearinghouse.frontier.controls import benchmark_task, logs_dir
from clearinghouse.frontier.environment import Catalog, forget_catalog, register_catalog
from clearinghouse.frontier.store import Suite

_MODEL = re.compile(r"^openai-api/([A-Za-z0-9][A-Za-z0-9_-]{0,63})/(\S{1,200})$")
_TOOL_TIMEOUT = 180

Display = Literal["full", "rich", "plain", "none"]


class RunSetupError(ValueError):
    """The run cannot start as asked (model name, endpoint, key); nothing was run."""


@dataclass(frozen=True)
class ModelRunSpec:
    model: str  # openai-api/NAME/MODEL
    base_url: str
    epochs: int = 1
    api_key_env: str | None = None  # default: NAME_API_KEY
    message_limit: int = 40
    sample_seconds: int = 1800  # wall time per sample, including the model's
    max_tokens: int | None = None  # per generation
    display: Display = "none"

    @property
    def service(self) -> str:
        return _parse_model(self.model)

    @property
    def key_variable(self) -> str:
        return self.api_key_env or f"{self.service.upper().replace('-', '_')}_API_KEY"


def _parse_model(model: str) -> str:
    match = _MODEL.match(model)
    if match is None:
        raise RunSetupError(
            f"--model {model!r}: use openai-api/NAME/MODEL (any OpenAI-compatible endpoint)"
        )
    return match.group(1)


def check_spec(spec: ModelRunSpec) -> None:
    _parse_model(spec.model)
    if not re.match(r"^https?://[^\s/]+", spec.base_url):
        raise RunSetupError(f"--base-url {spec.base_url!r}: give the endpoint's http(s) URL")
    if not 1 <= spec.epochs <= 100:
        raise RunSetupError("--epochs must be between 1 and 100")
    if not re.match(r"^[A-Z_][A-Z0-9_]{0,63}$", spec.key_variable):
        raise RunSetupError(f"--api-key-env {spec.key_variable!r} is not a variable name")
    if not os.environ.get(spec.key_variable):
        raise RunSetupError(
            f"set {spec.key_variable} to the endpoint's API key (any non-empty value if it "
            "needs none); the key is read from the environment and never stored"
        )


@dataclass(frozen=True)
class SampleResult:
    task_id: str
    epoch: int
    success: bool
    score: float
    input_tokens: int
    output_tokens: int
    total_tokens: int
    seconds: float
    sample_uuid: str | None
    error: str | None = None


@dataclass(frozen=True)
class ModelRunOutcome:
    log_path: Path
    log_sha256: str
    samples: list[SampleResult] = field(default_factory=list)
    error: str | None = None  # the evaluation as a whole failed


def model_agent() -> Agent:
    """Inspect's ReAct agent with bash and python in the sample's sandbox. Only what it passes
    to `submit` is scored (`answer_only`), not the text around it."""
    return react(
        tools=[bash(timeout=_TOOL_TIMEOUT), python(timeout=_TOOL_TIMEOUT)],
        attempts=1,
        submit=AgentSubmit(answer_only=True),
    )


def run_model(settings: Settings, suite: Suite, spec: ModelRunSpec) -> ModelRunOutcome:
    check_spec(spec)
    catalog = register_catalog(Catalog(settings, {task.id: task for task in suite.tasks}))
    directory = logs_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        task = benchmark_task(suite, catalog, model_agent(), f"{suite.name}-model")
        model_args: dict[str, object] = {}
        if spec.api_key_env:
            model_args["api_key_var"] = spec.api_key_env  # the variable's name only
        logs = eval(
            task,
            model=spec.model,
            model_base_url=spec.base_url,
            model_args=model_args,
            epochs=spec.epochs,
            message_limit=spec.message_limit,
            time_limit=spec.sample_seconds,
            max_tokens=spec.max_tokens,
            log_dir=str(directory),
            display=spec.display,
            max_sandboxes=2,
            fail_on_error=False,
            score_display=False,
        )
    finally:
        forget_catalog(catalog)
    return outcome_of(logs[0])


def outcome_of(log: EvalLog) -> ModelRunOutcome:
    path = Path(log.location)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    samples = []
    for sample in log.samples or []:
        score = next(iter((sample.scores or {}).values()), None)
        success = sample.error is None and score is not None and score.value == CORRECT
        usage = list(sample.model_usage.values())
        samples.append(
            SampleResult(
                task_id=str(sample.id),
                epoch=sample.epoch,
                success=success,
                score=1.0 if success else 0.0,
                input_tokens=sum(u.input_tokens for u in usage),
                output_tokens=sum(u.output_tokens for u in usage),
                total_tokens=sum(u.total_tokens for u in usage),
                seconds=round(sample.total_time or 0.0, 3),
                sample_uuid=sample.uuid,
                error=sample.error.message.splitlines()[0][:500] if sample.error else None,
            )
        )
    error = log.error.message.splitlines()[0][:500] if log.error is not None else None
    return ModelRunOutcome(path, digest, samples, error)
