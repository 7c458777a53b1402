"""Victim services: started inside the run's private network, reachable only from the run."""

from __future__ import annotations

import socket
import threading
import time

from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import (
    Limits,
    NetworkMode,
    RunRequest,
    RunResult,
    ServiceSpec,
)
from tests.helpers import free_port
from tests.sandbox.conftest import out

FETCH = """
import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:{port}/victim.txt", timeout=5).read().decode())
"""


def test_a_service_is_reachable_from_the_run_only(sandbox: BubblewrapSandbox) -> None:
    port = free_port()
    service = ServiceSpec(
        "web", ("/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"), port
    )
    request = RunRequest(
        command=(
            "/bin/sh",
            "-c",
            f"/usr/bin/python3 -c '{FETCH.format(port=port)}' && sleep 2",
        ),
        files={"victim.txt": b"the flag\n"},
        network=NetworkMode.PRIVATE,
        services=(service,),
        limits=Limits(wall_seconds=20),
    )
    results: list[RunResult] = []
    worker = threading.Thread(target=lambda: results.append(sandbox.run(request)))
    worker.start()
    try:
        time.sleep(1.5)  # the service is up and the run is sleeping
        with socket.socket() as probe:
            probe.settimeout(2)
            reached_from_host = probe.connect_ex(("127.0.0.1", port)) == 0
    finally:
        worker.join()
    assert not reached_from_host
    assert results[0].exit_code == 0, out(results[0])
    assert results[0].stdout.strip() == b"the flag"


def test_a_service_that_never_listens_fails_the_run(sandbox: BubblewrapSandbox) -> None:
    service = ServiceSpec("mute", ("sleep", "30"), 9, ready_seconds=0.5)
    result = sandbox.run(
        RunRequest(
            command=("echo", "SHOULD NOT RUN"),
            network=NetworkMode.PRIVATE,
            services=(service,),
            limits=Limits(wall_seconds=10),
        )
    )
    assert result.exit_code == 125
    assert b"SHOULD NOT RUN" not in result.stdout
    assert b"service mute did not accept connections" in result.stderr


def test_two_runs_have_separate_networks(sandbox: BubblewrapSandbox) -> None:
    port = free_port()
    service = ServiceSpec(
        "web", ("/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"), port
    )
    serving = RunRequest(
        command=("sleep", "3"),
        network=NetworkMode.PRIVATE,
        services=(service,),
        limits=Limits(wall_seconds=20),
    )
    worker = threading.Thread(target=lambda: sandbox.run(serving))
    worker.start()
    try:
        time.sleep(1.5)
        probe = sandbox.run(
            RunRequest(
                command=(
                    "/usr/bin/python3",
                    "-c",
                    f"import socket; print(socket.socket().connect_ex(('127.0.0.1', {port})))",
                ),
                network=NetworkMode.PRIVATE,
            )
        )
    finally:
        worker.join()
    assert probe.stdout.strip() != b"0"  # refused: the other run's service is not here
