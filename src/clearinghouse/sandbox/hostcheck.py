"""`sandbox check`: which isolation features this host has, each proved by trying it.

Static checks come first (binaries, privileges, cgroups, the sandbox folder); if they pass, a
probe run inside a real sandbox reads its own /proc entries, so "namespaces", "capabilities" and
"seccomp" are reported as the kernel applied them, not as we asked for them.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from clearinghouse.sandbox import cgroups, seccomp
from clearinghouse.sandbox.interface import (
    Feature,
    HostReport,
    Limits,
    NetworkMode,
    RunRequest,
    SandboxError,
)

if TYPE_CHECKING:
    from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox

SETPRIV = "/usr/bin/setpriv"
PRLIMIT = "/usr/bin/prlimit"
NSENTER = "/usr/bin/nsenter"

INSTALL_HINT = "install it with `apt-get install -y bubblewrap` (or run `make test`)"
_PROBE_LIMITS = Limits(wall_seconds=20, cpu_seconds=10, memory_bytes=256 * 1024 * 1024)
_LOOPBACK_PROBE = (
    "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
    "socket.create_connection(s.getsockname(), timeout=2); print('loopback ok')"
)


def check_host(sandbox: BubblewrapSandbox) -> HostReport:
    features = [
        _bubblewrap(sandbox.bwrap),
        _tools(),
        _root(),
        _cgroups(),
        _sandbox_dir(sandbox),
        _seccomp(),
    ]
    if all(f.available for f in features):
        features += _probe(sandbox)
    else:
        features.append(
            Feature("isolation probe", False, True, "not tried: a feature above is missing")
        )
    features.append(_python())
    return HostReport(sandbox.name, tuple(features))


def _bubblewrap(bwrap: str) -> Feature:
    if not Path(bwrap).exists():
        return Feature("bubblewrap", False, True, f"{bwrap} not found; {INSTALL_HINT}")
    version = subprocess.run(  # noqa: S603
        [bwrap, "--version"], capture_output=True, text=True, check=False, timeout=10
    )
    return Feature("bubblewrap", version.returncode == 0, True, version.stdout.strip() or bwrap)


def _tools() -> Feature:
    missing = [tool for tool in (SETPRIV, PRLIMIT, "/bin/sh") if not Path(tool).exists()]
    if missing:
        detail = f"missing {', '.join(missing)}: install util-linux"
        return Feature("setpriv, prlimit", False, True, detail)
    return Feature("setpriv, prlimit", True, True, "util-linux: drop to uid 65534, set rlimits")


def _root() -> Feature:
    if os.geteuid() != 0:
        detail = "the trusted side must run as root to set up cgroups and the work dir tmpfs"
        return Feature("privileges", False, True, detail)
    return Feature("privileges", True, True, "root: cgroups, tmpfs work dirs, dropping to 65534")


def _cgroups() -> Feature:
    name = "cgroups (v1): pids, memory, cpu, cpuacct, freezer"
    try:
        parents = cgroups.parent_dirs()
        for parent in parents.values():
            probe = parent / f"probe-{uuid.uuid4().hex[:8]}"
            probe.mkdir(parents=True)
            probe.rmdir()
    except (cgroups.CgroupError, OSError) as exc:
        return Feature(name, False, True, f"{exc}; runs could not be limited or killed as one")
    return Feature(name, True, True, f"runs go under {parents['memory']}")


def _sandbox_dir(sandbox: BubblewrapSandbox) -> Feature:
    name = "sandbox folder"
    try:
        sandbox.prepare_root()
    except (SandboxError, OSError) as exc:
        return Feature(name, False, True, str(exc))
    # bwrap binds the work dir as uid 65534, which must be able to walk down to it.
    for ancestor in [sandbox.root.resolve(), *sandbox.root.resolve().parents]:
        if not ancestor.stat().st_mode & 0o001:
            detail = (
                f"{ancestor} is not traversable by uid 65534 (needs o+x); set "
                "CLEARINGHOUSE_SANDBOX_DIR to a folder under traversable parents"
            )
            return Feature(name, False, True, detail)
    return Feature(name, True, True, str(sandbox.root))


def _seccomp() -> Feature:
    try:
        program = seccomp.build_filter(allow_inet=False)
    except seccomp.SeccompUnsupported as exc:
        return Feature("seccomp filter", False, True, str(exc))
    return Feature("seccomp filter", True, True, f"{len(program) // 8} BPF instructions")


_PROBE_SCRIPT = (
    "cat /proc/self/status; echo '=='; cat /proc/self/uid_map; echo '=='; cat /proc/net/dev"
)


def _probe(sandbox: BubblewrapSandbox) -> list[Feature]:
    request = RunRequest(command=("/bin/sh", "-c", _PROBE_SCRIPT), limits=_PROBE_LIMITS)
    try:
        result = sandbox.run_checked(request)
    except SandboxError as exc:
        return [Feature("isolation probe", False, True, f"a probe run failed: {exc}")]
    sections = result.stdout.decode(errors="replace").split("==\n")
    if len(sections) != 3:
        detail = f"unexpected probe output: {result.stderr.decode(errors='replace')[-300:]}"
        return [Feature("isolation probe", False, True, detail)]
    status_text, uid_map, net_dev = sections
    status = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in status_text.splitlines())
    }
    uids = status.get("Uid", "").split()
    mappings = [line.split() for line in uid_map.splitlines() if line.strip()]
    interfaces = [line.split(":")[0].strip() for line in net_dev.splitlines()[2:] if ":" in line]
    inner_pid = (status.get("NSpid", "").split() or ["?"])[-1]
    host_uid = _host_uid_after_setpriv()
    return [
        Feature(
            "user namespace, uid 65534",
            uids == ["65534"] * 4
            and len(mappings) == 1
            and mappings[0][2:] == ["1"]
            and host_uid == "65534",
            True,
            f"uid {' '.join(uids[:1])} inside, one uid mapped, uid {host_uid} on the host",
        ),
        Feature(
            "pid namespace",
            inner_pid.isdigit() and int(inner_pid) <= 3,
            True,
            f"the probe is pid {inner_pid} inside; host processes are invisible",
        ),
        Feature(
            "network namespace",
            interfaces == ["lo"],
            True,
            f"interfaces inside: {', '.join(interfaces) or 'none'}",
        ),
        Feature(
            "capabilities dropped",
            status.get("CapEff") == status.get("CapBnd") == "0000000000000000",
            True,
            f"CapEff {status.get('CapEff')}, CapBnd {status.get('CapBnd')}",
        ),
        Feature(
            "no_new_privs",
            status.get("NoNewPrivs") == "1",
            True,
            "setuid binaries gain nothing",
        ),
        Feature(
            "seccomp active",
            status.get("Seccomp") == "2",
            True,
            f"mode {status.get('Seccomp')} (2 = filter), filters {status.get('Seccomp_filters')}",
        ),
        _loopback_probe(sandbox),
    ]


def _host_uid_after_setpriv() -> str:
    """The host uid the launcher drops to (bwrap, unprivileged, can only map that one)."""
    probe = subprocess.run(  # noqa: S603 (fixed argv)
        [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/id", "-u"],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    return probe.stdout.strip() or "?"


def _loopback_probe(sandbox: BubblewrapSandbox) -> Feature:
    name = "private network with loopback"
    from clearinghouse.sandbox.bubblewrap import SANDBOX_PYTHON

    if not Path(SANDBOX_PYTHON).exists():
        return Feature(name, False, True, f"not tried: {SANDBOX_PYTHON} is missing")
    request = RunRequest(
        command=(SANDBOX_PYTHON, "-I", "-c", _LOOPBACK_PROBE),
        network=NetworkMode.PRIVATE,
        limits=_PROBE_LIMITS,
    )
    try:
        result = sandbox.run_checked(request)
    except SandboxError as exc:
        return Feature(name, False, True, f"probe failed: {exc}")
    ok = result.exit_code == 0 and b"loopback ok" in result.stdout
    detail = "127.0.0.1 works inside, shared only with the run's services"
    return Feature(name, ok, True, detail if ok else result.stderr.decode(errors="replace")[-300:])


def _python() -> Feature:
    from clearinghouse.sandbox.bubblewrap import SANDBOX_PYTHON

    name = "python3 for Python targets"
    if not Path(SANDBOX_PYTHON).exists():
        detail = f"{SANDBOX_PYTHON} missing: apt-get install -y python3 python3-venv"
        return Feature(name, False, False, detail)
    probe = subprocess.run(  # noqa: S603
        [SANDBOX_PYTHON, "-I", "-c", "import ensurepip, venv, sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if probe.returncode != 0:
        return Feature(
            name, False, False, "venv/ensurepip missing: apt-get install -y python3-venv"
        )
    return Feature(name, True, False, f"{SANDBOX_PYTHON} {probe.stdout.strip()} with venv")
