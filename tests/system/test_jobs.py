"""The same job code runs through the SQLite queue and the Redis queue, with real consumers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis

from clearinghouse import db
from clearinghouse.jobs import JobContext, UnknownJob, job
from clearinghouse.runtime import Runtime
from clearinghouse.system import service
from clearinghouse.system.models import JobStatus
from clearinghouse.system.schemas import JobRunOut


@job("test.flaky", retries=3, retry_delay=0.05, retry_backoff=2.0)
def flaky(ctx: JobContext, counter: str, failures: int) -> int:
    """Fails `failures` times, then succeeds; counts its attempts in a file."""
    path = Path(counter)
    attempts = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(attempts))
    if attempts <= failures:
        raise RuntimeError(f"attempt {attempts} fails on purpose")
    return attempts


@job("test.broken", retries=1, retry_delay=0.05)
def broken(ctx: JobContext) -> None:
    """Always fails."""
    raise ValueError("this job cannot succeed")


@pytest.fixture(params=["sqlite", "redis"])
def queue_runtime(request: pytest.FixtureRequest, runtime: Runtime) -> Any:
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()
        settings = runtime.settings.model_copy(update={"queue_url": url})
        runtime = Runtime(
            settings,
            runtime.engine,
            runtime.sessions,
            type(runtime.queue)(settings, runtime.engine, runtime.sessions),
            runtime.secret_key,
        )
    assert runtime.queue.backend == request.param
    consumer = runtime.queue.start_embedded_consumer(workers=2)
    yield runtime
    consumer.stop(graceful=True)


def wait_for(runtime: Runtime, run_id: str, *, timeout: float = 30) -> JobRunOut:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            run = service.get_job_run(session, run_id)
        if run and run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return run
        time.sleep(0.05)
    raise AssertionError(f"job {run_id} did not finish: {run}")


def test_a_job_runs_and_is_recorded(queue_runtime: Runtime):
    run_id = queue_runtime.queue.enqueue("system.optimize_database")
    run = wait_for(queue_runtime, run_id)
    assert run.status is JobStatus.SUCCEEDED
    assert run.attempts == 1
    assert run.queue == queue_runtime.queue.backend
    assert run.started_at is not None and run.finished_at is not None
    assert run.started_at <= run.finished_at
    assert run.worker and ":" in run.worker
    assert len(run.arguments_digest) == 64


def test_a_failing_job_is_retried_with_backoff_until_it_succeeds(
    queue_runtime: Runtime, tmp_path: Path
):
    counter = tmp_path / "attempts"
    run_id = queue_runtime.queue.enqueue("test.flaky", counter=str(counter), failures=2)
    run = wait_for(queue_runtime, run_id)
    assert run.status is JobStatus.SUCCEEDED
    assert run.attempts == 3
    assert counter.read_text() == "3"
    assert run.error is None


def test_a_job_that_keeps_failing_ends_failed_with_its_error(queue_runtime: Runtime):
    run_id = queue_runtime.queue.enqueue("test.broken")
    run = wait_for(queue_runtime, run_id)
    assert run.status is JobStatus.FAILED
    assert run.attempts == 2  # the first try and one retry
    assert run.error == "ValueError: this job cannot succeed"


def test_waiting_duplicates_are_not_queued_twice(runtime: Runtime):
    first = runtime.queue.enqueue("test.flaky", counter="/nonexistent/x", failures=0)
    again = runtime.queue.enqueue("test.flaky", counter="/nonexistent/x", failures=0)
    other = runtime.queue.enqueue("test.flaky", counter="/nonexistent/y", failures=0)
    forced = runtime.queue.enqueue("test.flaky", dedupe=False, counter="/nonexistent/x", failures=0)
    assert first == again
    assert len({first, other, forced}) == 3
    assert runtime.queue.pending_count() == 3


def test_bad_job_requests_are_refused_and_leave_nothing(runtime: Runtime):
    with pytest.raises(UnknownJob, match="no job named 'nope'"):
        runtime.queue.enqueue("nope")
    with pytest.raises(ValueError, match="JSON values"):
        runtime.queue.enqueue("test.flaky", counter=object(), failures=1)
    with runtime.sessions() as session:
        assert service.list_job_runs(session) == []
    assert runtime.queue.pending_count() == 0


def test_a_queue_that_cannot_take_the_job_marks_the_run_failed(runtime: Runtime):
    settings = runtime.settings.model_copy(update={"queue_url": "redis://127.0.0.1:9/0"})
    broken = type(runtime.queue)(settings, runtime.engine, runtime.sessions)
    with pytest.raises(redis.ConnectionError):
        broken.enqueue("system.optimize_database")
    with runtime.sessions() as session:
        (run,) = service.list_job_runs(session)
    assert run.status is JobStatus.FAILED
    assert run.error and run.error.startswith("could not enqueue")
    # and it does not block a later attempt through a working queue
    assert runtime.queue.enqueue("system.optimize_database") != run.id


def test_job_runs_are_listed_newest_first_and_filtered(runtime: Runtime):
    ids = [runtime.queue.enqueue("test.flaky", counter=f"/x/{i}", failures=0) for i in range(3)]
    with db.transaction(runtime.sessions) as session:
        service.record_started(session, ids[0], worker="w:1")
        service.record_finished(session, ids[0])
    with runtime.sessions() as session:
        listed = service.list_job_runs(session)
        done = service.list_job_runs(session, status=JobStatus.SUCCEEDED)
    assert [r.id for r in listed] == list(reversed(ids))
    assert [r.id for r in done] == [ids[0]]


def test_scheduled_jobs_are_queued_on_their_period_and_recorded(runtime: Runtime):
    from datetime import datetime

    huey = runtime.queue.huey
    due = [
        t
        for t in huey.read_periodic(datetime(2026, 11, 26, 13, 20))
        if t.name == "schedule.audit.checkpoint"
    ]
    assert len(due) == 1
    assert not [
        t
        for t in huey.read_periodic(datetime(2026, 11, 26, 13, 23))
        if t.name == "schedule.audit.checkpoint"
    ]
    huey.execute(due[0])
    huey.execute(due[0])  # a second scheduler firing too: the waiting run is reused
    with runtime.sessions() as session:
        runs = service.list_job_runs(session, name="audit.checkpoint")
    assert len(runs) == 1 and runs[0].status is JobStatus.QUEUED


def test_a_schedule_must_divide_the_hour():
    with pytest.raises(ValueError, match="must divide 60"):
        job("test.odd", every_minutes=7)
