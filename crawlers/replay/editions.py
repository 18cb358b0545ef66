"""Editions of the replicas, for testing incremental crawls: the same sources, a little later.

`QINGTIAN_REPLAY_EDITION=2` (read when a replica is built) makes the list sources publish a few records
more, at the top of their lists, as a re-crawl a week later would find them; everything edition 1 serves
stays as it was. Edition 1 is the default.
"""

from __future__ import annotations

import os


def edition() -> int:
    value = os.environ.get("QINGTIAN_REPLAY_EDITION") or "1"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"QINGTIAN_REPLAY_EDITION must be 1, 2, …; not {value!r}")
    return int(value)
