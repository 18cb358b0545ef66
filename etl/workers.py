"""Worker process pools that do not outlive their parent.

A killed parent (SIGKILL, the out-of-memory killer) cannot shut its pool down, and spawned workers do not notice
it is gone: each holds the write end of the pool's own task queue, so the read never ends. Each worker therefore
asks Linux to kill it when its parent dies (prctl PR_SET_PDEATHSIG); where that call does not exist, workers
behave as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes (a forked child would inherit the parent's DuckDB threads and locks)
    that are killed when this process dies."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def die_with_parent(parent: int) -> None:
    libc = ctypes.util.find_library("c")
    prctl = getattr(ctypes.CDLL(libc, use_errno=True), "prctl", None) if libc else None
    if prctl is None or prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os.kill(os.getpid(), signal.SIGKILL)
