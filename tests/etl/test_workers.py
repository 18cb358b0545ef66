"""Worker pools die with their parent (etl/workers.py): a killed build or model run leaves no process behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
PARENT = """
import sys, time
from etl.workers import pool
executor = pool(2)
futures = [executor.submit(time.sleep, 600) for _ in range(2)]
while len(executor._processes) < 2:
    time.sleep(0.05)
print(" ".join(str(pid) for pid in executor._processes), flush=True)
time.sleep(600)
"""


def _gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_workers_are_killed_with_their_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO, stdout=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(psutil.Process(pid).ppid() == parent.pid for pid in workers)
        parent.send_signal(signal.SIGKILL)
        assert parent.wait(timeout=30) == -signal.SIGKILL
        assert _gone(workers, 15), "a worker outlived its killed parent"
    finally:
        for pid in [parent.pid, *workers]:
            if psutil.pid_exists(pid):
                psutil.Process(pid).kill()
