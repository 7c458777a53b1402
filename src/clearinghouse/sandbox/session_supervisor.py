"""Runs inside a long-lived sandbox session (standard library only).

It starts the declared services, says whether they came up, then serves requests from the
trusted side, one JSON object per line over a unix socket that accepts exactly one connection
(the trusted side's, before anything else runs) and is then removed: `exec`
a command (its own timeout, its own output cap, its own process group), `read` or `write` a
file. File operations happen in here, as the sandbox user, so the trusted side never follows a
path that untrusted code could have turned into a symlink to the host's files.

The supervisor makes itself non-dumpable so that commands cannot reach its socket through
/proc. Still, the trusted side treats every answer as untrusted input, and nothing it decides
(scores, flags) depends on an answer being honest.

Usage: python3 -I session_supervisor.py SERVICES_JSON SOCKET_PATH
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

WORK = "/sandbox"
_PR_SET_DUMPABLE = 4
_ACCEPT_SECONDS = 30.0
_DRAIN_SECONDS = 0.25  # after the command exits, how long background children may hold its pipes


def _undumpable() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _start_services(services: list[dict[str, Any]]) -> str:
    """Start each service and wait until it accepts connections; '' or what went wrong."""
    for service in services:
        with Path(f"/tmp/service-{service['name']}.log").open("wb") as log:  # noqa: S108
            process = subprocess.Popen(  # noqa: S603 (the sandbox is the point)
                service["command"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=WORK,
                start_new_session=True,
            )
        deadline = time.monotonic() + service["ready"]
        while True:
            if process.poll() is not None:
                return f"service {service['name']} exited with {process.returncode}"
            try:
                with socket.create_connection(("127.0.0.1", service["port"]), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    return (
                        f"service {service['name']} did not accept connections on "
                        f"127.0.0.1:{service['port']} in {service['ready']}s"
                    )
                time.sleep(0.05)
    return ""


def _path(raw: str) -> Path:
    return Path(WORK) / raw if not raw.startswith("/") else Path(raw)


def _exec(request: dict[str, Any]) -> dict[str, Any]:
    data = base64.b64decode(request.get("input") or "")
    cap = int(request["cap"])
    env = {**os.environ, **request.get("env", {})}
    try:
        process = subprocess.Popen(  # noqa: S603 (the sandbox is the point)
            request["argv"],
            stdin=subprocess.PIPE if data else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(_path(request.get("cwd") or WORK)),
            env=env,
            start_new_session=True,
        )
    except (FileNotFoundError, NotADirectoryError) as exc:
        return {"error": "not_found", "message": str(exc)}
    except PermissionError as exc:
        return {"error": "permission", "message": str(exc)}
    except OSError as exc:
        return {"error": "os", "message": str(exc)}
    if data:
        threading.Thread(target=_feed, args=(process.stdin, data), daemon=True).start()
    outcome = _collect(process, cap, float(request["timeout"]))
    return outcome


def _feed(stream: IO[bytes] | None, data: bytes) -> None:
    if stream is None:
        return
    with contextlib.suppress(OSError):
        stream.write(data)
    with contextlib.suppress(OSError):
        stream.close()


def _collect(process: subprocess.Popen[bytes], cap: int, timeout: float) -> dict[str, Any]:
    assert process.stdout is not None and process.stderr is not None
    chunks: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ, "stdout")
    selector.register(process.stderr, selectors.EVENT_READ, "stderr")
    deadline = time.monotonic() + timeout
    ended_at: float | None = None
    stopped = ""
    while selector.get_map():
        now = time.monotonic()
        if now > deadline:
            stopped = "timeout"
            break
        if ended_at is None and process.poll() is not None:
            ended_at = now
        if ended_at is not None and now - ended_at > _DRAIN_SECONDS:
            break
        for key, _ in selector.select(timeout=0.05):
            block = os.read(key.fd, 65536)
            if not block:
                selector.unregister(key.fileobj)
                continue
            chunks[key.data] += block
            if len(chunks[key.data]) > cap:
                stopped = "output_limit"
        if stopped:
            break
    selector.close()
    if stopped:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    process.stdout.close()
    process.stderr.close()
    status = process.wait()
    return {
        "status": 128 - status if status < 0 else status,
        "stopped": stopped,
        "stdout": base64.b64encode(bytes(chunks["stdout"][:cap])).decode(),
        "stderr": base64.b64encode(bytes(chunks["stderr"][:cap])).decode(),
    }


def _read(request: dict[str, Any]) -> dict[str, Any]:
    path = _path(request["path"])
    try:
        with path.open("rb") as handle:
            data = handle.read(int(request["max"]) + 1)
    except FileNotFoundError as exc:
        return {"error": "not_found", "message": str(exc)}
    except IsADirectoryError as exc:
        return {"error": "is_directory", "message": str(exc)}
    except PermissionError as exc:
        return {"error": "permission", "message": str(exc)}
    except OSError as exc:
        return {"error": "os", "message": str(exc)}
    if len(data) > int(request["max"]):
        return {"error": "too_large", "message": f"{path} is larger than {request['max']} bytes"}
    return {"data": base64.b64encode(data).decode()}


def _write(request: dict[str, Any]) -> dict[str, Any]:
    path = _path(request["path"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(request["data"]))
    except IsADirectoryError as exc:
        return {"error": "is_directory", "message": str(exc)}
    except PermissionError as exc:
        return {"error": "permission", "message": str(exc)}
    except OSError as exc:
        return {"error": "os", "message": str(exc)}
    return {}


_OPERATIONS = {"exec": _exec, "read": _read, "write": _write}


def _accept_once(path: str) -> socket.socket:
    """The trusted side's connection: the first and only one, accepted before any service or
    command runs; then the socket is gone, so nothing in the sandbox can reach the channel."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(_ACCEPT_SECONDS)
        try:
            connection, _ = listener.accept()
        finally:
            Path(path).unlink()
    connection.settimeout(None)
    return connection


def main(argv: list[str]) -> int:
    _undumpable()
    connection = _accept_once(argv[2])
    channel_in = connection.makefile("rb")
    channel_out = connection.makefile("wb")
    problem = _start_services(json.loads(argv[1]))
    channel_out.write(json.dumps({"ready": not problem, "message": problem}).encode() + b"\n")
    channel_out.flush()
    if problem:
        return 125
    for line in channel_in:
        request = json.loads(line)
        try:
            answer = _OPERATIONS[request["op"]](request)
        except Exception as exc:  # report it, keep serving
            answer = {"error": "os", "message": f"{type(exc).__name__}: {exc}"}
        answer["id"] = request.get("id")
        channel_out.write(json.dumps(answer).encode() + b"\n")
        channel_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
