"""Running the real `clearinghouse` command and server in tests."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from typer.testing import CliRunner

from clearinghouse import console
from clearinghouse.cli import app
from clearinghouse.runtime import Runtime

CLI = [sys.executable, "-m", "clearinghouse"]


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARINGHOUSE_")}
    env["CLEARINGHOUSE_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `clearinghouse ARGS` in this process, as a process started with `env` would run it.

    The command's own code runs unchanged, with exactly `env` as its environment, stdin from
    `stdin`, and its stdout, stderr and exit code captured apart; an uncaught exception gives
    exit code 1 and its traceback on stderr, as in a process. Starting a process costs seconds
    of imports each time: tests/test_cli.py runs the console entry point itself (run_process).
    """
    unset: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    with _logging_restored(), _console_width(env.get("COLUMNS")):
        result = CliRunner().invoke(
            app, list(args), input=stdin, env={**unset, **env}, catch_exceptions=True
        )
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(
        ["clearinghouse", *args], result.exit_code, result.stdout, stderr
    )


def cli_of(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    """`clearinghouse ARGS` on this runtime's data and database, 250 columns wide: exit code,
    output, errors."""
    extra = {"COLUMNS": "250"}
    if runtime.settings.database_url:
        extra["CLEARINGHOUSE_DATABASE_URL"] = str(runtime.settings.database_url)
    result = run_cli(*args, env=cli_env(runtime.settings.data_dir, **extra))
    return result.returncode, result.stdout, result.stderr


@contextmanager
def _console_width(columns: str | None) -> Iterator[None]:
    """Rich reads COLUMNS once, when the console is made: give the command the width a new
    process with this environment would have (COLUMNS, else 80 off a terminal)."""
    consoles = (console.stdout, console.stderr)
    saved = [c.width for c in consoles]
    for c in consoles:
        c.width = int(columns) if columns and columns.isdigit() else 80
    try:
        yield
    finally:
        for c, width in zip(consoles, saved, strict=True):
            c.width = width


@contextmanager
def _logging_restored() -> Iterator[None]:
    """Commands configure logging for their process; undo that for the tests that follow."""
    loggers = [logging.root] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    try:
        yield
    finally:
        for logger, handlers, level, propagate, disabled in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled


def run_process(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m clearinghouse ARGS` as a real process (the console entry point)."""
    return subprocess.run(
        [*CLI, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    env: dict[str, str], *args: str, command: str = "serve", timeout: float = 30
) -> Iterator[str]:
    """Start `clearinghouse serve` (or `demo`) on a free port; yield its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [*CLI, command, "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"server exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not come up")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_concurrently(work: Callable[[int], object], count: int) -> list[BaseException]:
    """Run `work(0)` … `work(count - 1)` in threads at once; return what they raised."""
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # collected for the caller's assertion
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
