"""Child processes whose getrusage ru_maxrss is their own.

Linux keeps a process's peak RSS across execve, and Python starts a child by
(v)fork and exec, so a child's ru_maxrss starts at the size of the parent that
launched it (here the bench, with moto's server inside: about 100 MB). A shell in
between forks once more, and a forked process starts counting afresh; /proc's
VmHWM, the peak of the current program image, is recorded beside it as a check."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAMPOLINE = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]   # not `exec "$@"`: the fork is the point


def run_fresh(command: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([*TRAMPOLINE, *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def peak_rss_kb() -> dict:
    """This process's peak RSS both ways, in kB."""
    import resource

    hwm = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return {"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "vmhwm_kb": hwm}
