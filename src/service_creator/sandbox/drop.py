"""Become the sandbox user, then run project code. Standard library only: it runs in the sandbox.

`python -I drop.py UID GID exec CMD...` (or `... sweep`) is started by the root runner
(`runner.py`) for every step that touches the project. As root it empties the capability
bounding set and sets no-new-privileges, then becomes `UID:GID` with no supplementary groups,
installs a seccomp filter on top of Docker's default profile, and execs `CMD` (or, for
`sweep`, kills every process of that user). Nothing it starts can gain a capability back.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import platform
import signal
import struct
import sys

PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 24, 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
LD_ABS, JEQ, JGE, RET = 0x20, 0x15, 0x35, 0x06
X32_BIT = 0x40000000
# Syscalls the code under test never gets, on top of Docker's default profile: reading or
# writing another process (ptrace, process_vm_*, pidfd_getfd), the kernel keyring, eBPF,
# userfaultfd (a kernel-exploit staple), perf events, and creating System V IPC objects (they
# outlive their processes, and gVisor offers no way to list them for the reset to remove).
DENIED_SYSCALLS = {
    "x86_64": (0xC000003E, (101, 310, 311, 438, 248, 249, 250, 321, 323, 298, 29, 64, 68)),
    "aarch64": (0xC00000B7, (117, 270, 271, 438, 217, 218, 219, 280, 282, 241, 194, 190, 186)),
}


def seccomp_program(machine: str) -> bytes:
    """A classic-BPF seccomp filter: EPERM for the denied syscalls and foreign ABIs."""
    arch, numbers = DENIED_SYSCALLS[machine]
    deny = SECCOMP_RET_ERRNO | errno.EPERM
    code = [(LD_ABS, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, deny), (LD_ABS, 0, 0, 0)]
    if machine == "x86_64":
        code += [(JGE, 0, 1, X32_BIT), (RET, 0, 0, deny)]
    for number in numbers:
        code += [(JEQ, 0, 1, number), (RET, 0, 0, deny)]
    code.append((RET, 0, 0, SECCOMP_RET_ALLOW))
    return b"".join(struct.pack("HBBI", *instruction) for instruction in code)


def drop_privileges(uid: int, gid: int) -> None:
    """Empty the bounding set, become `uid:gid` (no groups), then filter syscalls."""
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    cap = 0
    while prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    if ctypes.get_errno() != errno.EINVAL or cap < 32:
        raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_DROP, {cap})")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid:
        raise OSError(errno.EPERM, "the user switch did not take")
    program = seccomp_program(platform.machine())
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(buffer))
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    if prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog_buffer), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def dropped_main(argv: list[str]) -> int:
    """`UID GID exec CMD...` or `UID GID sweep`."""
    uid, gid, action, *command = argv
    drop_privileges(int(uid), int(gid))
    if action == "exec":
        os.execv(command[0], command)
    if action == "sweep":
        sweep_as_sandbox_user()
        return 0
    raise SystemExit(f"unknown action {action!r}")


def sweep_as_sandbox_user() -> None:
    """Kill every process of this user but this one, at once (a fork bomb cannot outrun it)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(dropped_main(sys.argv[1:]))
