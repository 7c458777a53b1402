"""The seccomp filter every run gets: a classic BPF program handed to bubblewrap (`--seccomp FD`).

We assemble the program ourselves rather than load libseccomp: the venv is not the system Python
(so Debian's `python3-seccomp` is out of reach), the PyPI wrappers are unmaintained, and the rule
set is small enough to read in full. It is deny-list shaped: everything no run needs is refused
with EPERM (so programs see a clean error, not a crash); anything from a foreign syscall ABI
(x32, or another architecture) kills the process, because our numbers would not mean the same.
"""

from __future__ import annotations

import errno
import platform
import struct
from collections.abc import Sequence
from dataclasses import dataclass

# Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
# struct seccomp_data: nr at 0, arch at 4, instruction pointer at 8, args from 16 (8 bytes each;
# we read the low 32 bits, which is where flags, families and ioctl numbers live on little endian).
_NR, _ARCH, _ARGS = 0, 4, 16

AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000

# Syscalls no run needs: debugging other processes, (un)mounting, namespaces, kernel keyrings,
# modules, BPF, kexec, clocks, swap, io_uring (a frequent source of kernel bugs), perf.
DENIED_X86_64: dict[str, int] = {
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "bpf": 321,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "open_by_handle_at": 304,
    "name_to_handle_at": 303,
    "iopl": 172,
    "ioperm": 173,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "settimeofday": 164,
    "clock_settime": 227,
    "clock_adjtime": 305,
    "adjtimex": 159,
    "acct": 163,
    "quotactl": 179,
    "syslog": 103,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "lookup_dcookie": 212,
    "kcmp": 312,
    "vhangup": 153,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "uselib": 134,
}
# Checked by argument rather than refused outright.
_SOCKET, _SOCKETPAIR, _CLONE, _CLONE3, _IOCTL = 41, 53, 56, 435, 16

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
_CLONE_NAMESPACES |= 0x40000000
TIOCSTI = 0x5412  # pushes characters into the terminal's input: a classic sandbox escape


class SeccompUnsupported(Exception):
    """No syscall table for this machine's architecture."""


@dataclass(frozen=True)
class _Insn:
    code: int
    k: int
    jt: str | int = 0  # a label, or 0 for "next instruction"
    jf: str | int = 0


def _assemble(program: Sequence[_Insn | str]) -> bytes:
    """Resolve labels (strings in the list mark positions) into the 8-byte sock_filter format."""
    labels: dict[str, int] = {}
    insns: list[_Insn] = []
    for item in program:
        if isinstance(item, str):
            labels[item] = len(insns)
        else:
            insns.append(item)

    def offset(target: str | int, at: int) -> int:
        if isinstance(target, int):
            return target
        jump = labels[target] - at - 1
        if not 0 <= jump <= 255:
            raise ValueError(f"jump to {target} out of range ({jump})")
        return jump

    return b"".join(
        struct.pack("<HBBI", insn.code, offset(insn.jt, i), offset(insn.jf, i), insn.k)
        for i, insn in enumerate(insns)
    )


def build_filter(*, allow_inet: bool, machine: str | None = None) -> bytes:
    """The filter for one run; inet sockets only when it has a (private) network."""
    machine = machine or platform.machine()
    if machine != "x86_64":
        raise SeccompUnsupported(f"no seccomp syscall table for {machine} (only x86_64)")
    families = [AF_UNIX, AF_INET, AF_INET6] if allow_inet else [AF_UNIX]
    program: list[_Insn | str] = [
        _Insn(_LD_W_ABS, _ARCH),
        _Insn(_JEQ_K, AUDIT_ARCH_X86_64, jt=0, jf="kill"),
        _Insn(_LD_W_ABS, _NR),
        _Insn(_JGE_K, _X32_SYSCALL_BIT, jt="kill"),
        *(_Insn(_JEQ_K, nr, jt="eperm") for nr in sorted(DENIED_X86_64.values())),
        # clone3 passes its flags in memory, out of a filter's sight: say "not implemented" and
        # the C library falls back to clone, whose flags we can check.
        _Insn(_JEQ_K, _CLONE3, jt="enosys"),
        _Insn(_JEQ_K, _SOCKET, jt="socket"),
        _Insn(_JEQ_K, _SOCKETPAIR, jt="socket"),
        _Insn(_JEQ_K, _CLONE, jt="clone"),
        _Insn(_JEQ_K, _IOCTL, jt="ioctl"),
        _Insn(_RET_K, RET_ALLOW),
        "socket",
        _Insn(_LD_W_ABS, _ARGS),
        *(_Insn(_JEQ_K, family, jt="allow") for family in families),
        _Insn(_RET_K, _RET_ERRNO | errno.EAFNOSUPPORT),
        "clone",
        _Insn(_LD_W_ABS, _ARGS),
        _Insn(_JSET_K, _CLONE_NAMESPACES, jt="eperm"),
        _Insn(_RET_K, RET_ALLOW),
        "ioctl",
        _Insn(_LD_W_ABS, _ARGS + 8),
        _Insn(_JEQ_K, TIOCSTI, jt="eperm"),
        "allow",
        _Insn(_RET_K, RET_ALLOW),
        "eperm",
        _Insn(_RET_K, _RET_ERRNO | errno.EPERM),
        "enosys",
        _Insn(_RET_K, _RET_ERRNO | errno.ENOSYS),
        "kill",
        _Insn(_RET_K, RET_KILL_PROCESS),
    ]
    return _assemble(program)


def evaluate(
    program: bytes, *, nr: int, arch: int = AUDIT_ARCH_X86_64, args: Sequence[int] = ()
) -> int:
    """Run the filter on one syscall, as the kernel would; for tests and `sandbox check`."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, *(list(args) + [0] * (6 - len(args))))
    pc = 0
    accumulator = 0
    count = len(program) // 8
    while pc < count:
        code, jt, jf, k = struct.unpack_from("<HBBI", program, pc * 8)
        if code == _LD_W_ABS:
            accumulator = struct.unpack_from("<I", data, k)[0]
        elif code == _RET_K:
            return int(k)
        elif code == _JEQ_K:
            pc += jt if accumulator == k else jf
        elif code == _JGE_K:
            pc += jt if accumulator >= k else jf
        elif code == _JSET_K:
            pc += jt if accumulator & k else jf
        else:
            raise ValueError(f"unknown opcode {code:#x}")
        pc += 1
    raise ValueError("the program fell off its end")
