"""The task queue: huey on SQLite by default (in-process consumer), on Redis for scale-out.

Jobs are plain functions registered with `@job`. Any number of `JobQueue`s (one per process,
or one per test) bind the same registry to a huey instance, so the same task code runs on the
SQLite queue and on Redis. Every run is recorded in the database (see system.service).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey import signals as huey_signals
from huey.api import Huey, Task
from huey.consumer import Consumer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse.config import Settings
from clearinghouse.db import transaction
from clearinghouse.system import service as system_service

log = logging.getLogger(__name__)

QUEUE_NAME = "clearinghouse"


@dataclass(frozen=True)
class JobContext:
    """What a job receives: the settings and a way to open database sessions."""

    settings: Settings
    sessions: sessionmaker[Session]
    run_id: str
    # Queue a follow-up job (the queue's `enqueue`); None where no queue is at hand.
    enqueue: Callable[..., str] | None = None


JobFunction = Callable[..., Any]


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    description: str
    retries: int
    retry_delay: float
    retry_backoff: float
    every_minutes: int | None = None


_REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    description: str = "",
    retries: int = 3,
    retry_delay: float = 2.0,
    retry_backoff: float = 2.0,
    every_minutes: int | None = None,
) -> Callable[[JobFunction], JobFunction]:
    """Register `function(ctx: JobContext, **kwargs)` as the job `name`.

    A job must be idempotent: it may run again after a crash or a retry. Arguments are keyword
    arguments that survive a JSON round trip. With `every_minutes` (a divisor of 60), every
    consumer's scheduler also queues it (without arguments) on that period.
    """
    if every_minutes is not None and (every_minutes < 1 or 60 % every_minutes):
        raise ValueError(f"job {name!r}: every_minutes must divide 60, not {every_minutes}")

    def register(function: JobFunction) -> JobFunction:
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"job {name!r} is already registered")
        _REGISTRY[name] = JobSpec(
            name,
            function,
            description or (function.__doc__ or "").strip().split("\n")[0],
            retries,
            retry_delay,
            retry_backoff,
            every_minutes,
        )
        return function

    return register


def registered_jobs() -> dict[str, JobSpec]:
    _import_job_modules()
    return dict(_REGISTRY)


def _import_job_modules() -> None:
    # Each domain's jobs module registers its jobs on import.
    from clearinghouse.identity.audit import tasks as audit_tasks  # noqa: F401
    from clearinghouse.matching import tasks as matching_tasks  # noqa: F401
    from clearinghouse.reports import tasks as report_tasks  # noqa: F401
    from clearinghouse.system import tasks  # noqa: F401


def arguments_digest(kwargs: dict[str, Any]) -> str:
    """A stable digest of a job's arguments (also rejects arguments that are not JSON)."""
    try:
        canonical = json.dumps(kwargs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except TypeError as exc:
        raise ValueError(f"job arguments must be JSON values: {exc}") from None
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_huey(queue_url: str) -> Huey:
    if queue_url.startswith(("redis://", "rediss://")):
        return RedisHuey(QUEUE_NAME, url=queue_url, utc=True)
    filename = Path(queue_url.removeprefix("sqlite:///"))
    filename.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(filename), utc=True, timeout=10)


class UnknownJob(LookupError):
    pass


@dataclass
class JobQueue:
    """A huey instance with every registered job bound to it and run recording wired in."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    huey: Huey = field(init=False)
    _tasks: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.huey = create_huey(self.settings.queue)
        for spec in registered_jobs().values():
            self._tasks[spec.name] = self.huey.task(
                retries=spec.retries,
                retry_delay=spec.retry_delay,
                retry_backoff=spec.retry_backoff,
                name=spec.name,
                context=True,
            )(self._runner(spec))
            if spec.every_minutes is not None:
                self._schedule(spec.name, spec.every_minutes)
        self.huey.signal(huey_signals.SIGNAL_EXECUTING)(self._on_executing)
        self.huey.signal(huey_signals.SIGNAL_COMPLETE)(self._on_complete)
        self.huey.signal(huey_signals.SIGNAL_ERROR)(self._on_error)
        self.huey.signal(
            huey_signals.SIGNAL_CANCELED,
            huey_signals.SIGNAL_REVOKED,
            huey_signals.SIGNAL_EXPIRED,
            huey_signals.SIGNAL_INTERRUPTED,
        )(self._on_cancelled)
        self.huey.on_startup()(self._on_worker_startup)

    def _schedule(self, name: str, every_minutes: int) -> None:
        # The periodic task only queues the job through `enqueue`, so the run is recorded like
        # any other, and a run still waiting (from another consumer's scheduler) is reused.
        def queue_it() -> None:
            self.enqueue(name)

        queue_it.__name__ = f"schedule_{name.replace('.', '_')}"
        self.huey.periodic_task(crontab(minute=f"*/{every_minutes}"), name=f"schedule.{name}")(
            queue_it
        )

    @property
    def backend(self) -> str:
        return "redis" if isinstance(self.huey, RedisHuey) else "sqlite"

    def _runner(self, spec: JobSpec) -> Callable[..., Any]:
        def run(task: Task, **kwargs: Any) -> Any:
            context = JobContext(self.settings, self.sessions, task.id, self.enqueue)
            return spec.function(context, **kwargs)

        run.__name__ = spec.name.replace(".", "_")
        return run

    def enqueue(self, name: str, *, dedupe: bool = True, **kwargs: Any) -> str:
        """Queue job `name`; with `dedupe`, a run already waiting with the same arguments is reused.

        Returns the run id.
        """
        if name not in self._tasks:
            raise UnknownJob(f"no job named {name!r}; known: {', '.join(sorted(self._tasks))}")
        digest = arguments_digest(kwargs)
        with transaction(self.sessions) as session:
            if dedupe:
                waiting = system_service.waiting_run(session, name, digest)
                if waiting is not None:
                    return waiting
            run_id = str(uuid.uuid4())
            system_service.record_queued(
                session,
                run_id=run_id,
                name=name,
                digest=digest,
                arguments=kwargs,
                queue=self.backend,
            )
        # The row is committed before the task is visible to workers, so they always find it.
        task = self._tasks[name].s(**kwargs)
        task.id = run_id
        try:
            self.huey.enqueue(task)
        except Exception as exc:
            message = f"could not enqueue: {type(exc).__name__}: {exc}"
            self._record(
                lambda s: system_service.record_error(s, run_id, message, will_retry=False)
            )
            raise
        return run_id

    def pending_count(self) -> int:
        return int(self.huey.pending_count())

    def ping(self) -> None:
        """Raise if the queue's storage does not answer."""
        self.pending_count()

    # --- run recording (called by huey in the worker) -----------------------------------------

    def _record(self, action: Callable[[Session], None]) -> None:
        try:
            with transaction(self.sessions) as session:
                action(session)
        except Exception:
            log.exception("could not record a job state change")

    def _on_executing(self, _signal: str, task: Task) -> None:
        worker = f"{socket.gethostname()}:{os.getpid()}"
        self._record(lambda s: system_service.record_started(s, task.id, worker=worker))

    def _on_complete(self, _signal: str, task: Task) -> None:
        self._record(lambda s: system_service.record_finished(s, task.id))

    def _on_error(self, _signal: str, task: Task, exc: BaseException) -> None:
        will_retry = bool(task.retries)
        message = f"{type(exc).__name__}: {exc}"
        self._record(
            lambda s: system_service.record_error(s, task.id, message, will_retry=will_retry)
        )

    def _on_cancelled(self, signal: str, task: Task, *_: Any) -> None:
        self._record(lambda s: system_service.record_cancelled(s, task.id, reason=signal))

    def _on_worker_startup(self) -> None:
        # A forked worker must not reuse its parent's database connections.
        self.engine.dispose(close=False)

    # --- consumers ---------------------------------------------------------------------------

    def consumer(self, workers: int, worker_type: str = "thread") -> Consumer:
        return Consumer(self.huey, workers=workers, worker_type=worker_type, max_delay=2.0)

    def start_embedded_consumer(self, workers: int) -> Consumer:
        """Start worker threads inside this process (the `serve` default); returns the consumer."""
        consumer = _EmbeddedConsumer(
            self.huey, workers=workers, worker_type="thread", max_delay=1.0, shutdown_timeout=10
        )
        consumer.start()
        return consumer


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer that leaves signal handling to the web server it runs inside."""

    def _set_signal_handlers(self) -> None:
        pass
