"""The `clearinghouse` sandbox environment for Inspect: each sample in our bubblewrap sandbox.

At sample start the trusted side draws a fresh flag, runs the task's plant step (a one-shot
sandbox that gets the flag on stdin), and opens the sample's sandboxes: the services sandbox
(victims, `flag_file`) and the agent sandbox that every `exec`, `read_file` and `write_file`
goes to. The flag stays in this process: it is not in the sample, its metadata, the Inspect
store or the sandbox config, so nothing Inspect logs carries it, and the scorer asks
`flag_matches` rather than reading it.

Tasks reach the environment through a catalog registered in this process (the decrypted suite
never goes into the config either: Inspect logs the config).
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from inspect_ai.util import (
    ExecResult,
    OutputLimitExceededError,
    SandboxEnvironment,
    SandboxEnvironmentConfigType,
    SandboxUnavailableError,
    SandboxUserUnsupportedError,
    sandboxenv,
)
from pydantic import BaseModel

from clearinghouse.config import Settings
from clearinghouse.frontier.tasks import TaskDefinition
from clearinghouse.sandbox import service as sandbox_service
from clearinghouse.sandbox.interface import Limits, NetworkMode, RunRequest
from clearinghouse.sandbox.session import (
    FileOperationError,
    SampleSandbox,
    Session,
    SessionError,
    SessionRequest,
)

SANDBOX_TYPE = "clearinghouse"
MiB = 1024 * 1024
# What one sample may use; exec timeouts are capped at wall_seconds.
SAMPLE_LIMITS = Limits(
    wall_seconds=300,
    cpu_seconds=600,
    memory_bytes=768 * MiB,
    processes=128,
    output_bytes=10 * MiB,
    disk_bytes=256 * MiB,
)
PLANT_LIMITS = Limits(wall_seconds=120, cpu_seconds=60, memory_bytes=512 * MiB, processes=64)
MAX_READ_BYTES = 100 * MiB
_ELF = b"\x7fELF"


class PlantError(RuntimeError):
    """A task's plant step failed; the message never includes the flag."""


def new_flag() -> str:
    return "flag{" + secrets.token_hex(16) + "}"


@dataclass
class Catalog:
    """The tasks one evaluation may start, and the settings of the sandbox they run in."""

    settings: Settings
    tasks: dict[str, TaskDefinition] = field(default_factory=dict)


_CATALOGS: dict[str, Catalog] = {}


def register_catalog(catalog: Catalog) -> str:
    handle = uuid.uuid4().hex
    _CATALOGS[handle] = catalog
    return handle


def forget_catalog(handle: str) -> None:
    _CATALOGS.pop(handle, None)


class BenchmarkSandboxConfig(BaseModel, frozen=True):
    catalog: str


@sandboxenv(name=SANDBOX_TYPE)
class BenchmarkSandbox(SandboxEnvironment):
    """One sample of a benchmark task, in the bubblewrap sandbox."""

    def __init__(self, task: TaskDefinition, sample: SampleSandbox, flag: str) -> None:
        super().__init__()
        self.task = task
        self.sample = sample
        self._flag = flag

    def flag_matches(self, submission: str) -> bool:
        """Is `submission` exactly this sample's flag (compared in constant time)?"""
        return hmac.compare_digest(submission.encode(), self._flag.encode())

    # -- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def default_concurrency(cls) -> int | None:
        return os.cpu_count() or 1

    @classmethod
    def config_deserialize(cls, config: dict[str, Any]) -> BaseModel:
        return BenchmarkSandboxConfig(**config)

    @classmethod
    async def sample_init(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        metadata: dict[str, str],
    ) -> dict[str, SandboxEnvironment]:
        if not isinstance(config, BenchmarkSandboxConfig) or config.catalog not in _CATALOGS:
            raise SandboxUnavailableError(f"task {task_name}: no benchmark catalog for its sandbox")
        catalog = _CATALOGS[config.catalog]
        task_id = metadata.get("task_id", "")
        if task_id not in catalog.tasks:
            raise SandboxUnavailableError(f"task {task_name}: unknown benchmark task {task_id!r}")
        task = catalog.tasks[task_id]
        flag = new_flag()
        sample = await asyncio.to_thread(_open, catalog.settings, task, flag)
        return {"default": cls(task, sample, flag)}

    @classmethod
    async def sample_cleanup(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        environments: dict[str, SandboxEnvironment],
        interrupted: bool,
    ) -> None:
        for environment in environments.values():
            if isinstance(environment, BenchmarkSandbox):
                await asyncio.to_thread(environment.sample.close)

    # -- tools --------------------------------------------------------------------------------

    async def exec(
        self,
        cmd: list[str],
        input: str | bytes | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
        timeout: int | None = None,
        timeout_retry: bool = True,
        concurrency: bool = True,
    ) -> ExecResult[str]:
        if user not in (None, "nobody", "65534"):
            raise SandboxUserUnsupportedError(f"commands run as nobody (65534), not {user!r}")
        data = input.encode() if isinstance(input, str) else input or b""
        agent = self._agent()
        try:
            outcome = await asyncio.to_thread(
                agent.exec, cmd, input=data, cwd=cwd, env=env, timeout=timeout
            )
        except FileOperationError as exc:
            if exc.kind == "permission":
                raise PermissionError(str(exc)) from None
            return ExecResult(False, 127, "", f"{cmd[0] if cmd else ''}: {exc}")
        except SessionError as exc:
            raise SandboxUnavailableError(str(exc)) from None
        stdout = outcome.stdout.decode(errors="replace")
        if outcome.timed_out:
            raise TimeoutError(f"the command ran longer than {agent.timeout_for(timeout):.0f}s")
        if outcome.output_limited:
            raise OutputLimitExceededError(f"{agent.limits.output_bytes // MiB} MiB", stdout)
        return ExecResult(
            outcome.status == 0, outcome.status, stdout, outcome.stderr.decode(errors="replace")
        )

    async def write_file(self, file: str, contents: str | bytes) -> None:
        data = contents.encode() if isinstance(contents, str) else contents
        try:
            await asyncio.to_thread(self._agent().write_file, file, data)
        except FileOperationError as exc:
            raise _file_error(exc) from None

    @overload
    async def read_file(self, file: str, text: Literal[True] = True) -> str: ...

    @overload
    async def read_file(self, file: str, text: Literal[False]) -> bytes: ...

    async def read_file(self, file: str, text: bool = True) -> str | bytes:
        try:
            data = await asyncio.to_thread(self._agent().read_file, file, MAX_READ_BYTES)
        except FileOperationError as exc:
            raise _file_error(exc) from None
        return data.decode() if text else data

    def _agent(self) -> Session:
        if self.sample.agent is None:
            raise SandboxUnavailableError("the sample's sandbox is closed")
        return self.sample.agent


def _file_error(exc: FileOperationError) -> Exception:
    kinds: dict[str, type[Exception]] = {
        "not_found": FileNotFoundError,
        "is_directory": IsADirectoryError,
        "permission": PermissionError,
    }
    if exc.kind == "too_large":
        return OutputLimitExceededError(f"{MAX_READ_BYTES // MiB} MiB", None)
    return kinds.get(exc.kind, OSError)(str(exc))


def _open(settings: Settings, task: TaskDefinition, flag: str) -> SampleSandbox:
    """Trusted: plant, then start the sample's sandboxes with what the plant made."""
    agent_files, service_files = dict(task.files), dict(task.service_files)
    if task.plant is not None:
        planted_agent, planted_service = plant(settings, task, flag)
        agent_files.update(planted_agent)
        service_files.update(planted_service)
    services = None
    if task.has_services:
        if task.flag_file is not None:
            service_files[task.flag_file] = (flag + "\n").encode()
        services = SessionRequest(
            files=service_files,
            limits=SAMPLE_LIMITS,
            network=NetworkMode.PRIVATE,
            services=task.services,
            executable=_executables(service_files),
        )
    agent = SessionRequest(
        files=agent_files,
        limits=SAMPLE_LIMITS,
        network=NetworkMode.PRIVATE,
        executable=_executables(agent_files),
    )
    return sandbox_service.open_sample(settings, agent, services)


def _executables(files: dict[str, bytes]) -> frozenset[str]:
    return frozenset(name for name, content in files.items() if content.startswith(_ELF))


def plant(settings: Settings, task: TaskDefinition, flag: str) -> tuple[dict[str, bytes], ...]:
    """Run the task's plant script in a one-shot sandbox with the flag on stdin; what it left
    in out/agent/ and out/service/ (regular files only, checked by the record step)."""
    assert task.plant is not None
    request = RunRequest(
        command=("/usr/bin/python3", "-E", "-s", task.plant),  # its folder on sys.path
        files=task.plant_files,
        stdin=(flag + "\n").encode(),
        limits=PLANT_LIMITS,
        network=NetworkMode.NONE,
        artifacts_dir="out",
    )
    result = sandbox_service.run(settings, request)
    try:
        if not result.ok:
            detail = result.stderr.decode(errors="replace").replace(flag, "[flag]")[-1500:]
            ended = result.limit or result.exit_code or result.signal
            raise PlantError(f"the plant step of {task.id} failed ({ended}): {detail.strip()}")
        if result.refused_artifacts:
            refused = ", ".join(result.refused_artifacts)
            raise PlantError(f"the plant step of {task.id} left unusable files: {refused}")
        sides: dict[str, dict[str, bytes]] = {"agent": {}, "service": {}}
        for artifact in result.artifacts:
            side, _, name = artifact.path.partition("/")
            if side not in sides or not name:
                raise PlantError(f"the plant step of {task.id} wrote {artifact.path}")
            with open(artifact.stored_at, "rb") as handle:  # noqa: PTH123 (checked by record)
                sides[side][name] = handle.read()
        return sides["agent"], sides["service"]
    finally:
        sandbox_service.release(settings, result)
