"""Worker processes for the stages that do one thing per unit (read returns, write workbooks, compose
reports): ``in_workers(fn, items, shared, parallel_from)`` is the one way they are used."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import partial


# A worker started by "spawn" (Windows, macOS) imports the package again and unpickles what it is handed before
# its first item: ~1.3 s here for two workers against ~0.05 s forked.  Measured with reports: 60 reports took
# 2.1-2.5 s on spawned workers and 1.0 s in one process; 1,000 took 12.9 s and 14.6 s.
SPAWN_FACTOR = 8


def worker_count(items: int, parallel_from: int) -> int:
    """Processes to spread ``items`` over: 1 (work in this process) below ``parallel_from`` (for spawned
    workers ``SPAWN_FACTOR`` times that) or on one core, else every core, at most 4."""
    cores = min(4, os.cpu_count() or 1)
    if multiprocessing.get_start_method() != "fork":
        parallel_from *= SPAWN_FACTOR
    return cores if items >= parallel_from and cores >= 2 else 1


def in_workers(fn, items: list, shared, parallel_from: int, chunksize: int = 1):
    """``fn(shared, item)`` for every item, results in the order of ``items``.  Below ``parallel_from`` items
    (or on one core) in this process, lazily; else on every core, already started when this returns — so the
    caller can do other work meanwhile.  ``shared`` is handed once to each worker; ``fn`` must be a
    module-level function."""
    n = worker_count(len(items), parallel_from)
    if n < 2:
        return (fn(shared, item) for item in items)
    pool = ProcessPoolExecutor(max_workers=n, initializer=_init, initargs=(shared,))
    results = pool.map(partial(_call, fn), items, chunksize=chunksize)     # submitted now

    def drain():
        try:
            yield from results
        finally:
            pool.shutdown(cancel_futures=True)
    return drain()


_SHARED: dict = {}


def _init(shared) -> None:
    _SHARED["shared"] = shared
    die_with_parent()


def _call(fn, item):
    return fn(_SHARED["shared"], item)


def die_with_parent() -> None:
    """A worker must not outlive a run that was killed (Linux: PR_SET_PDEATHSIG; on Windows the spawned
    workers end when their pipe to the parent closes)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG = 1
        except OSError:
            pass
