"""Clearing what a killed process left behind: its runs' processes, cgroups, mounts and folders.

A run's processes die with the process that started them (bwrap's `--die-with-parent`, and the
pid namespace goes with its first process, and the run's network namespace with its last). What
a SIGKILL leaves is on the host: the run's cgroups, the tmpfs work dirs mounted in the run's
folder, and the folder itself. Each run folder therefore names its owner (pid and start time,
so a reused pid does not count as alive); `sweep` clears every run whose owner is gone, killing
any process still in its cgroups first. Runs of live processes, whoever they are, are left
alone, so a sweep is safe while other runs go on.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from clearinghouse.sandbox import cgroups, workdir

OWNER_FILE = "owner"
# A run folder is made and then its owner written at once; one without an owner was made by an
# older version (or its maker died in between). Such a folder is cleared only when it is older
# than any run could last, since processes of an older version may share the sandbox dir.
_UNOWNED_GRACE_SECONDS = 6 * 3600.0


@dataclass
class SweepReport:
    runs: list[str] = field(default_factory=list)  # run ids cleared
    killed: int = 0  # processes still alive in their cgroups
    unmounted: int = 0
    failures: list[str] = field(default_factory=list)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat.rpartition(")")[2].split()[19]


def this_process() -> str:
    """This process as "pid start-time": what `process_alive` checks."""
    pid = os.getpid()
    return f"{pid} {_start_time(pid)}"


def process_alive(identity: str | None) -> bool:
    try:
        pid_text, start = (identity or "").split()
        return _start_time(int(pid_text)) == start
    except ValueError:
        return False


def mark_owner(run_dir: Path) -> None:
    """Record that this process owns the run (right after its folder is made)."""
    descriptor = os.open(run_dir / OWNER_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as owner:
        owner.write(this_process() + "\n")


def owner_alive(run_dir: Path) -> bool | None:
    """True or False for a run with an owner file; None when it has none."""
    try:
        identity = (run_dir / OWNER_FILE).read_text()
    except OSError:
        return None
    return process_alive(identity.strip())


def _mounts_under(path: Path) -> list[Path]:
    prefix = str(path) + "/"
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if len(fields) > 4:
            point = fields[4].replace("\\040", " ")
            if point.startswith(prefix):
                found.append(Path(point))
    # Deepest first, so nested mounts come off before their parents.
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def sweep(root: Path) -> SweepReport:
    """Clear the runs under `root`/runs whose owner process is gone."""
    report = SweepReport()
    runs = root / "runs"
    if not runs.is_dir():
        return report
    for run_dir in sorted(runs.iterdir()):
        if not run_dir.is_dir() or run_dir.is_symlink():
            continue
        alive = owner_alive(run_dir)
        if alive:
            continue
        if alive is None:
            with contextlib.suppress(OSError):
                if time.time() - run_dir.stat().st_mtime < _UNOWNED_GRACE_SECONDS:
                    continue
        try:
            _clear(run_dir, report)
        except OSError as exc:
            report.failures.append(f"{run_dir.name}: {exc}")
    return report


def _clear(run_dir: Path, report: SweepReport) -> None:
    run_id = run_dir.name
    try:
        parents = cgroups.parent_dirs()
    except cgroups.CgroupError:
        parents = {}
    group = cgroups.RunCgroup(run_id, {c: parent / run_id for c, parent in parents.items()})
    if parents and group.dirs["freezer"].is_dir():
        report.killed += len(group.pids())
        group.kill_all()
        group.remove()
    for mount in _mounts_under(run_dir):
        workdir.unmount(mount)
        report.unmounted += 1
    workdir.remove_tree(run_dir)
    report.runs.append(run_id)
