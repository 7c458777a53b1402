"""The seccomp program, evaluated instruction by instruction as the kernel would."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from clearinghouse.sandbox import seccomp

ERRNO = 0x00050000
HEADER = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")


@pytest.fixture(params=[False, True], ids=["offline", "networked"])
def program(request: pytest.FixtureRequest) -> bytes:
    return seccomp.build_filter(allow_inet=request.param, machine="x86_64")


def test_denied_syscalls_get_eperm(program: bytes) -> None:
    for name, nr in seccomp.DENIED_X86_64.items():
        assert seccomp.evaluate(program, nr=nr) == ERRNO | errno.EPERM, name


def test_ordinary_syscalls_are_allowed(program: bytes) -> None:
    for nr in (0, 1, 2, 3, 9, 57, 59, 60, 231, 257):  # read, write, open, close, mmap, fork, …
        assert seccomp.evaluate(program, nr=nr) == seccomp.RET_ALLOW


def test_socket_families() -> None:
    offline = seccomp.build_filter(allow_inet=False, machine="x86_64")
    online = seccomp.build_filter(allow_inet=True, machine="x86_64")
    refused = ERRNO | errno.EAFNOSUPPORT
    assert seccomp.evaluate(offline, nr=41, args=[seccomp.AF_UNIX]) == seccomp.RET_ALLOW
    assert seccomp.evaluate(offline, nr=41, args=[seccomp.AF_INET]) == refused
    assert seccomp.evaluate(offline, nr=41, args=[seccomp.AF_INET6]) == refused
    for family in (seccomp.AF_UNIX, seccomp.AF_INET, seccomp.AF_INET6):
        assert seccomp.evaluate(online, nr=41, args=[family]) == seccomp.RET_ALLOW
    for family in (16, 17, 40, 44):  # netlink, packet, vsock, xdp
        assert seccomp.evaluate(online, nr=41, args=[family]) == refused
        assert seccomp.evaluate(online, nr=53, args=[family]) == refused


def test_clone_into_new_namespaces_is_refused(program: bytes) -> None:
    thread_flags = 0x003D0F00  # what pthread_create passes
    assert seccomp.evaluate(program, nr=56, args=[thread_flags]) == seccomp.RET_ALLOW
    assert seccomp.evaluate(program, nr=56, args=[0x11]) == seccomp.RET_ALLOW  # fork
    for flag in (0x10000000, 0x20000000, 0x40000000, 0x00020000, 0x08000000):
        assert seccomp.evaluate(program, nr=56, args=[flag | 0x11]) == ERRNO | errno.EPERM
    assert seccomp.evaluate(program, nr=435) == ERRNO | errno.ENOSYS  # clone3: fall back


def test_tiocsti_is_refused(program: bytes) -> None:
    assert seccomp.evaluate(program, nr=16, args=[0, seccomp.TIOCSTI]) == ERRNO | errno.EPERM
    assert seccomp.evaluate(program, nr=16, args=[0, 0x5401]) == seccomp.RET_ALLOW  # TCGETS


def test_other_abis_are_killed(program: bytes) -> None:
    assert seccomp.evaluate(program, nr=0, arch=0x40000003) == seccomp.RET_KILL_PROCESS  # i386
    assert seccomp.evaluate(program, nr=0x40000000 + 1) == seccomp.RET_KILL_PROCESS  # x32


def test_other_architectures_fail_closed() -> None:
    with pytest.raises(seccomp.SeccompUnsupported, match="aarch64"):
        seccomp.build_filter(allow_inet=False, machine="aarch64")


def test_syscall_numbers_match_the_kernel_headers() -> None:
    if not HEADER.exists():
        pytest.skip(f"{HEADER} not installed (linux-libc-dev)")
    numbers = dict(re.findall(r"#define __NR_(\w+) (\d+)", HEADER.read_text()))
    for name, nr in seccomp.DENIED_X86_64.items():
        assert int(numbers[name]) == nr, name
