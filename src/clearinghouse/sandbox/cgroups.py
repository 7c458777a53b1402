"""One cgroup (v1) per run: memory, process count, CPU bandwidth and time, and a freezer to kill.

The run's cgroups are children of this process's own cgroup in each hierarchy, so any limit set
on the app still applies. The launcher moves itself in before it becomes the sandbox, so every
process of the run, however it forks or daemonizes, is counted, limited and killed together.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from clearinghouse.sandbox.interface import Limits

CONTROLLERS = ("pids", "memory", "cpu", "cpuacct", "freezer")
GROUP = "clearinghouse-sandbox"
_CFS_PERIOD_US = 100_000


class CgroupError(Exception):
    """The cgroups a run needs cannot be made or used here."""


def _mountpoints(mountinfo: str) -> dict[str, Path]:
    """Controller → where its v1 hierarchy is mounted (from /proc/self/mountinfo)."""
    found: dict[str, Path] = {}
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] != "cgroup":
            continue
        for option in tail[2].split(","):
            if option in CONTROLLERS:
                found.setdefault(option, Path(fields[4]))
    return found


def _own_paths(proc_cgroup: str) -> dict[str, str]:
    """Controller → this process's cgroup path in that hierarchy (from /proc/self/cgroup)."""
    own: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(","):
                own[controller] = parts[2]
    return own


def parent_dirs() -> dict[str, Path]:
    """Where runs' cgroups go, per controller; CgroupError names what is missing."""
    mounts = _mountpoints(Path("/proc/self/mountinfo").read_text())
    own = _own_paths(Path("/proc/self/cgroup").read_text())
    missing = [c for c in CONTROLLERS if c not in mounts or c not in own]
    if missing:
        raise CgroupError(f"cgroup v1 controllers not mounted: {', '.join(missing)}")
    return {c: mounts[c] / own[c].lstrip("/") / GROUP for c in CONTROLLERS}


@dataclass
class RunCgroup:
    run_id: str
    dirs: dict[str, Path]

    @classmethod
    def create(cls, run_id: str, limits: Limits) -> RunCgroup:
        dirs = {c: parent / run_id for c, parent in parent_dirs().items()}
        group = cls(run_id, dirs)
        try:
            for path in dirs.values():
                path.mkdir(parents=True)
            group._write("pids", "pids.max", str(limits.processes))
            group._write("memory", "memory.limit_in_bytes", str(limits.memory_bytes))
            # With swap accounting, memory+swap gets the same cap: no escaping into swap.
            if (dirs["memory"] / "memory.memsw.limit_in_bytes").exists():
                group._write("memory", "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
            group._write("cpu", "cpu.cfs_period_us", str(_CFS_PERIOD_US))
            group._write("cpu", "cpu.cfs_quota_us", str(max(1000, int(limits.cpus * 1e5))))
        except OSError as exc:
            group.remove()
            raise CgroupError(f"cannot set up the run's cgroups: {exc}") from exc
        return group

    def _path(self, controller: str, name: str) -> Path:
        return self.dirs[controller] / name

    def _write(self, controller: str, name: str, value: str) -> None:
        self._path(controller, name).write_text(value)

    def _read_int(self, controller: str, name: str) -> int:
        try:
            return int(self._path(controller, name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def _read_keyed(self, controller: str, name: str, key: str) -> int:
        with contextlib.suppress(OSError):
            for line in self._path(controller, name).read_text().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == key:
                    return int(parts[1])
        return 0

    @property
    def procs_files(self) -> list[Path]:
        """The files the launcher writes its pid into, one per hierarchy."""
        return [self._path(c, "cgroup.procs") for c in CONTROLLERS]

    def cpu_seconds(self) -> float:
        return self._read_int("cpuacct", "cpuacct.usage") / 1e9

    def peak_memory(self) -> int:
        return self._read_int("memory", "memory.max_usage_in_bytes")

    def peak_processes(self) -> int:
        return self._read_int("pids", "pids.peak")

    def memory_limit_hit(self) -> bool:
        # oom_kill counts kills; failcnt counts allocations refused at the limit (page cache
        # reclaim makes those common without an OOM, so only a kill counts as hitting it).
        return self._read_keyed("memory", "memory.oom_control", "oom_kill") > 0

    def process_limit_hit(self) -> bool:
        return self._read_keyed("pids", "pids.events", "max") > 0

    def pids(self) -> set[int]:
        try:
            text = self._path("freezer", "cgroup.procs").read_text()
        except OSError:
            return set()
        return {int(line) for line in text.split()}

    def kill_all(self, timeout: float = 5.0) -> bool:
        """Freeze the run (so nothing forks while we kill), SIGKILL everything, thaw.

        True when the cgroup is empty afterwards.
        """
        deadline = time.monotonic() + timeout
        with contextlib.suppress(OSError):
            self._write("freezer", "freezer.state", "FROZEN")
            while time.monotonic() < deadline:
                if self._path("freezer", "freezer.state").read_text().strip() == "FROZEN":
                    break
                time.sleep(0.005)
        while True:
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self._write("freezer", "freezer.state", "THAWED")
            if not self.pids():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def remove(self) -> None:
        for path in self.dirs.values():
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    # EBUSY while the last exiting process is still being reaped.
                    if exc.errno != errno.EBUSY:
                        break
                    time.sleep(0.01)
