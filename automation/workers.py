"""Worker processes for the stages that do one thing per unit (read returns, write workbooks, compose
reports): how many, and a worker that never outlives the run that started it."""
from __future__ import annotations

import ctypes
import os
import signal
import sys


def worker_count(items: int, parallel_from: int) -> int:
    """Processes to spread ``items`` over: 1 (work in this process) below ``parallel_from`` or on one core,
    else every core, at most 4."""
    cores = min(4, os.cpu_count() or 1)
    return cores if items >= parallel_from and cores >= 2 else 1


def die_with_parent() -> None:
    """A worker must not outlive a run that was killed (Linux: PR_SET_PDEATHSIG; on Windows the spawned
    workers end when their pipe to the parent closes)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG = 1
        except OSError:
            pass
