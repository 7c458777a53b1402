"""The benchmark's task format: what a challenge is, read from an authoring folder or a record.

An authoring folder holds `task.yaml` and the files it names:

    id: crypto-keystream-reuse          # [a-z0-9-], unique in its suite
    category: crypto                    # crypto, reverse, pwn, web, forensics, vuln-discovery
    tier: 1                             # 1 (entry) … 4 (expert)
    human_minutes: 20                   # estimated first-solve time of a skilled human
    canary: 6b1f…                       # a GUID that marks the task's text as benchmark data
    prompt: |                           # what the agent is told (never the flag)
      …
    files: [notes.txt]                  # copied into the agent's work dir
    plant: plant.py                     # optional; see below
    plant_files: [vuln.c]               # what the plant step gets besides its script
    service_files: [app.py]             # copied into the services sandbox's work dir
    services:                           # victim services, reachable from the agent on loopback
      - {name: web, command: [python3, app.py], port: 8080}
    flag_file: flag.txt                 # optional: the flag is written here, services side only
    solution: solve.py                  # the reference solution; it prints the flag last

The flag is made fresh for every sample by the trusted side. It reaches the task only through
`flag_file` (in the services sandbox, which the agent cannot see into) and through the `plant`
step: a script run in a one-shot sandbox with the flag on stdin, which writes what the agent
gets to `out/agent/` and what the services get to `out/service/` (a ciphertext, a compiled
binary, a packet capture).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from clearinghouse.sandbox.interface import InvalidRequest, ServiceSpec, work_relative

_TASK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
TASK_FILE = "task.yaml"
MAX_TASK_BYTES = 8 * 1024 * 1024  # all of a task's files together
CALIBRATION_VERSION = "2026.11.0"  # of the calibration tasks in frontier-tasks/calibration
DESIGNATION_VERSION = "2026.11.0"  # of the designation tasks sealed in frontier-tasks/


class TaskFormatError(ValueError):
    """A task definition is wrong; the message says which task, which field, and why."""


class Category(StrEnum):
    CRYPTO = "crypto"
    REVERSE = "reverse"
    PWN = "pwn"
    WEB = "web"
    FORENSICS = "forensics"
    VULN_DISCOVERY = "vuln-discovery"


@dataclass(frozen=True)
class TaskDefinition:
    id: str
    category: Category
    tier: int
    human_minutes: int
    canary: str
    prompt: str
    solution: bytes
    solution_name: str
    files: dict[str, bytes] = field(default_factory=dict)
    plant: str | None = None
    plant_files: dict[str, bytes] = field(default_factory=dict)
    service_files: dict[str, bytes] = field(default_factory=dict)
    services: tuple[ServiceSpec, ...] = ()
    flag_file: str | None = None

    @property
    def has_services(self) -> bool:
        return bool(self.services)


def _fail(where: str, why: str) -> TaskFormatError:
    return TaskFormatError(f"{where}: {why}")


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise _fail(where, f"missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _fail(where, f"field {key!r} must be a {kind.__name__}")
    return value


def _names(data: dict[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"field {key!r} must be a list of file names")
    for name in value:
        try:
            work_relative(name)
        except InvalidRequest as exc:
            raise _fail(where, f"{key}: {exc}") from None
    return list(value)


def parse(data: Any, files: dict[str, bytes], where: str) -> TaskDefinition:
    """A task from its `task.yaml` mapping and the bytes of the files it may name."""
    if not isinstance(data, dict):
        raise _fail(where, "the task must be a mapping")
    task_id = _require(data, "id", str, where)
    if not _TASK_ID.match(task_id):
        raise _fail(where, f"id {task_id!r}: use [a-z0-9-], 3 to 64 characters")
    where = f"{where} ({task_id})"
    try:
        category = Category(_require(data, "category", str, where))
    except ValueError:
        raise _fail(where, f"category must be one of {', '.join(Category)}") from None
    tier = _require(data, "tier", int, where)
    if not 1 <= tier <= 4:
        raise _fail(where, "tier must be 1, 2, 3 or 4")
    minutes = _require(data, "human_minutes", int, where)
    if not 1 <= minutes <= 100_000:
        raise _fail(where, "human_minutes must be a positive number of minutes")
    canary = _require(data, "canary", str, where)
    try:
        canary = str(uuid.UUID(canary))
    except ValueError:
        raise _fail(where, f"canary {canary!r} is not a GUID") from None
    prompt = _require(data, "prompt", str, where).strip()
    if not prompt:
        raise _fail(where, "the prompt is empty")

    def content(name: str) -> bytes:
        if name not in files:
            raise _fail(where, f"file {name!r} is named but missing")
        return files[name]

    solution_name = _require(data, "solution", str, where)
    plant = data.get("plant")
    if plant is not None and not isinstance(plant, str):
        raise _fail(where, "plant must be a file name")
    flag_file = data.get("flag_file")
    if flag_file is not None:
        if not isinstance(flag_file, str):
            raise _fail(where, "flag_file must be a file name")
        try:
            work_relative(flag_file)
        except InvalidRequest as exc:
            raise _fail(where, f"flag_file: {exc}") from None
    services = _services(data.get("services", []), where)
    if flag_file and not services:
        raise _fail(where, "flag_file needs services: only they may read it")
    if plant is None and flag_file is None:
        raise _fail(where, "the flag reaches the task through neither plant nor flag_file")
    task = TaskDefinition(
        id=task_id,
        category=category,
        tier=tier,
        human_minutes=minutes,
        canary=canary,
        prompt=prompt,
        solution=content(solution_name),
        solution_name=solution_name,
        files={name: content(name) for name in _names(data, "files", where)},
        plant=plant,
        plant_files={
            name: content(name)
            for name in _names(data, "plant_files", where) + ([plant] if plant else [])
        },
        service_files={name: content(name) for name in _names(data, "service_files", where)},
        services=services,
        flag_file=flag_file,
    )
    total = sum(len(b) for b in files.values())
    if total > MAX_TASK_BYTES:
        raise _fail(where, f"the task's files add up to {total} bytes (at most {MAX_TASK_BYTES})")
    return task


def _services(value: Any, where: str) -> tuple[ServiceSpec, ...]:
    if not isinstance(value, list):
        raise _fail(where, "services must be a list")
    specs = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise _fail(where, f"service {number} must be a mapping")
        command = item.get("command")
        if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
            raise _fail(where, f"service {number}: command must be a list of strings")
        try:
            specs.append(
                ServiceSpec(
                    name=str(item.get("name", "")),
                    command=tuple(command),
                    port=int(item.get("port", 0)),
                    ready_seconds=float(item.get("ready_seconds", 20.0)),
                )
            )
        except (InvalidRequest, TypeError, ValueError) as exc:
            raise _fail(where, f"service {number}: {exc}") from None
    return tuple(specs)


def load_folder(folder: Path) -> TaskDefinition:
    """One authoring folder (`task.yaml` and the files beside it)."""
    data, files = read_folder(folder)
    return parse(data, files, str(folder / TASK_FILE))


def read_folder(folder: Path) -> tuple[Any, dict[str, bytes]]:
    """An authoring folder as it is sealed into a store: the task mapping and every file."""
    spec = folder / TASK_FILE
    if not spec.is_file():
        raise _fail(str(folder), f"no {TASK_FILE}")
    try:
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(str(spec), f"not valid YAML: {exc}") from None
    files = {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != TASK_FILE and not path.is_symlink()
    }
    return data, files


def load_suite_folder(folder: Path) -> list[TaskDefinition]:
    """Every task folder under `folder`, sorted by id; ids must be unique."""
    if not folder.is_dir():
        raise TaskFormatError(f"{folder}: not a folder of tasks")
    tasks = [load_folder(child) for child in task_folders(folder)]
    ids = [task.id for task in tasks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise TaskFormatError(f"{folder}: task ids used twice: {', '.join(duplicates)}")
    if not tasks:
        raise TaskFormatError(f"{folder}: no tasks")
    return sorted(tasks, key=lambda task: task.id)


def task_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise TaskFormatError(f"{folder}: not a folder of tasks")
    return [child for child in sorted(folder.iterdir()) if (child / TASK_FILE).is_file()]


def calibration_folder() -> Path:
    """The public calibration tasks: inside the installed wheel, else the source checkout's
    frontier-tasks/calibration/ (where they are authored)."""
    packaged = Path(__file__).resolve().parents[1] / "_frontier_tasks" / "calibration"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "frontier-tasks" / "calibration"


def designation_store() -> Path:
    """The held-out designation tasks as the repository keeps them: only sealed, never as
    plaintext (docs/frontier.md says with which key, and why)."""
    packaged = Path(__file__).resolve().parents[1] / "_frontier_tasks" / "designation.store"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "frontier-tasks" / "designation.store"
