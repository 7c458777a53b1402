"""The `clearinghouse` command as a user runs it: real processes, real databases."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from clearinghouse import __version__, db
from tests.helpers import cli_env, run_cli, run_process, running_server


def test_version(tmp_path: Path):
    result = run_process("--version", env=cli_env(tmp_path))
    assert result.returncode == 0
    assert result.stdout.strip() == f"clearinghouse {__version__}"


def test_config_show_masks_secrets(tmp_path: Path):
    env = cli_env(
        tmp_path,
        CLEARINGHOUSE_SECRET_KEY="do-not-print-me",
        CLEARINGHOUSE_DATABASE_URL="postgresql://app:pa55word@db.internal/ch",
    )
    result = run_process("config", "show", "--json", env=env)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert "do-not-print-me" not in result.stdout and "pa55word" not in result.stdout
    assert shown["database_url"] == "postgresql+psycopg://app:***@db.internal/ch"
    table = run_process("config", "show", env=env)
    assert "CLEARINGHOUSE_DATABASE_URL" in table.stdout and "pa55word" not in table.stdout


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "CLEARINGHOUSE_DATABASE_URL",
            "oracle://x/y",
            "invalid setting CLEARINGHOUSE_DATABASE_URL",
        ),
        (
            "CLEARINGHOUSE_DATABASE_URL",
            "postgresql://postgres@127.0.0.1:9/none",
            "CLEARINGHOUSE_DATABASE_URL: cannot use",
        ),
        ("CLEARINGHOUSE_QUEUE_URL", "kafka://x", "invalid setting CLEARINGHOUSE_QUEUE_URL"),
        ("CLEARINGHOUSE_LOG_FORMAT", "yaml", "invalid setting CLEARINGHOUSE_LOG_FORMAT"),
    ],
)
@pytest.mark.parametrize("command", [["serve"], ["jobs", "list"], ["db", "current"]])
def test_a_wrong_setting_stops_with_one_line_and_exit_2(
    tmp_path: Path, variable: str, value: str, expected: str, command: list[str]
):
    result = run_process(*command, env=cli_env(tmp_path, **{variable: value}))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert result.stdout == ""


def test_db_upgrade_and_current(tmp_path: Path):
    env = cli_env(tmp_path)
    before = run_process("db", "current", "--json", env=env)
    assert json.loads(before.stdout)["current"] is None
    first = run_process("db", "upgrade", env=env)
    assert first.returncode == 0 and "upgraded empty database" in first.stdout
    second = run_process("db", "upgrade", env=env)
    assert second.returncode == 0 and "already at" in second.stdout
    after = json.loads(run_process("db", "current", "--json", env=env).stdout)
    assert after["current"] == after["head"] == db.head_revision()
    assert after["up_to_date"] is True


def test_an_external_database_must_be_upgraded_on_purpose(postgres_schema_url: str, tmp_path: Path):
    env = cli_env(tmp_path, CLEARINGHOUSE_DATABASE_URL=postgres_schema_url)
    refused = run_process("jobs", "list", env=env)
    assert refused.returncode == 2
    assert "run `clearinghouse db upgrade`" in refused.stderr
    assert run_process("db", "upgrade", env=env).returncode == 0
    listed = run_process("jobs", "list", "--json", env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_jobs_enqueue_list_and_kinds(tmp_path: Path):
    env = cli_env(tmp_path)
    queued = run_process("jobs", "enqueue", "system.optimize_database", "--json", env=env)
    assert queued.returncode == 0, queued.stderr
    run_id = json.loads(queued.stdout)["id"]
    listed = json.loads(run_process("jobs", "list", "--json", env=env).stdout)
    assert [r["id"] for r in listed] == [run_id]
    assert listed[0]["status"] == "queued"
    table = run_process("jobs", "list", env=env)
    assert run_id[:8] in table.stdout
    kinds = json.loads(run_process("jobs", "kinds", "--json", env=env).stdout)
    assert "system.optimize_database" in {k["name"] for k in kinds}
    unknown = run_process("jobs", "enqueue", "no.such.job", env=env)
    assert unknown.returncode == 2 and "no job named 'no.such.job'" in unknown.stderr
    bad_args = run_process("jobs", "enqueue", "system.optimize_database", "--args", "{", env=env)
    assert bad_args.returncode == 2 and "--args is not JSON" in bad_args.stderr


def test_serve_starts_from_nothing_and_runs_jobs_in_process(tmp_path: Path):
    data_dir = tmp_path / "fresh"
    env = cli_env(data_dir)
    with running_server(env) as base:
        assert httpx.get(f"{base}/readyz").status_code == 200
        assert httpx.get(f"{base}/login").status_code == 200
        assert (
            run_process(
                "admin",
                "create",
                "--email",
                "ops@coord.example",
                env=env,
                stdin="a long enough password\n",
            ).returncode
            == 0
        )
        token = run_process(
            "tokens", "create", "--email", "ops@coord.example", "--scope", "system:read", env=env
        ).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        queued = run_process("jobs", "enqueue", "system.optimize_database", "--json", env=env)
        run_id = json.loads(queued.stdout)["id"]
        deadline = time.monotonic() + 30
        while (
            httpx.get(f"{base}/api/v1/jobs/{run_id}", headers=auth).json()["status"] != "succeeded"
        ):
            assert time.monotonic() < deadline, "the in-process consumer did not run the job"
            time.sleep(0.2)
    assert (data_dir / "clearinghouse.db").exists()
    assert (data_dir / "secret_key").exists()


def test_a_separate_worker_process_runs_jobs_from_redis(
    redis_server: str, postgres_schema_url: str, tmp_path: Path
):
    """Two processes share work through Redis and PostgreSQL, as several machines would."""
    import redis as redis_client

    redis_client.Redis.from_url(redis_server).flushdb()
    env = cli_env(
        tmp_path,
        CLEARINGHOUSE_QUEUE_URL=redis_server,
        CLEARINGHOUSE_DATABASE_URL=postgres_schema_url,
    )
    assert run_process("db", "upgrade", env=env).returncode == 0
    queued = run_process("jobs", "enqueue", "system.optimize_database", "--json", env=env)
    run_id = json.loads(queued.stdout)["id"]
    import subprocess

    from tests.helpers import CLI

    worker = subprocess.Popen(
        [*CLI, "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            runs = json.loads(run_process("jobs", "list", "--json", env=env).stdout)
            (run,) = [r for r in runs if r["id"] == run_id]
            if run["status"] == "succeeded":
                break
            assert time.monotonic() < deadline, f"worker did not run the job: {runs}"
            time.sleep(0.3)
        assert run["queue"] == "redis"
    finally:
        worker.terminate()
        worker.wait(timeout=15)


def test_every_command_loads_and_help_lists_them_all(tmp_path: Path):
    """The sub-commands are imported when used (cli_lazy): each name must lead to its module."""
    from clearinghouse.cli import COMMANDS

    shown = run_process("--help", env={**cli_env(tmp_path), "COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    for name in COMMANDS:
        assert f" {name} " in shown.stdout, name
        usage = run_cli(name, "--help", env=cli_env(tmp_path))
        assert usage.returncode == 0, usage.stderr
        assert f"clearinghouse {name}" in usage.stdout


def test_a_command_starts_without_importing_the_other_domains(tmp_path: Path):
    """What `import clearinghouse.cli` costs every command: not the web app or the benchmark."""
    import subprocess
    import sys

    code = (
        "import sys, clearinghouse.cli; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'inspect_ai', 'sqlalchemy', "
        "'clearinghouse.app', 'clearinghouse.knowledge', 'clearinghouse.frontier') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], env=cli_env(tmp_path), capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
