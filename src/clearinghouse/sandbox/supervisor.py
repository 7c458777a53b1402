"""Runs inside the sandbox (standard library only): start the declared services, wait until each
accepts connections on loopback, run the command, stop the services, exit with the command's
status (128 + N when a signal ended it, as a shell reports it).

Usage: python3 -I supervisor.py SERVICES_JSON -- COMMAND...
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _wait_ready(name: str, process: subprocess.Popen[bytes], port: int, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"service {name} exited with {process.returncode} before it was ready"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return ""
        except OSError:
            time.sleep(0.05)
    return f"service {name} did not accept connections on 127.0.0.1:{port} in {seconds}s"


def main(argv: list[str]) -> int:
    services: list[dict[str, Any]] = json.loads(argv[1])
    command = argv[3:]
    started: list[subprocess.Popen[bytes]] = []
    try:
        for service in services:
            with Path(f"/tmp/service-{service['name']}.log").open("wb") as log:  # noqa: S108
                process = subprocess.Popen(  # noqa: S603 (the sandbox is the point)
                    service["command"],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(process)
            problem = _wait_ready(service["name"], process, service["port"], service["ready"])
            if problem:
                sys.stderr.write(f"sandbox: {problem}\n")
                return 125
        status = subprocess.call(command)  # noqa: S603
        return 128 - status if status < 0 else status
    except OSError as exc:
        sys.stderr.write(f"sandbox: {exc}\n")
        return 127
    finally:
        for process in started:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
