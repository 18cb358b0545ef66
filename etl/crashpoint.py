"""Test-only crash injection: `QINGTIAN_CRASH_AT=<stage>:<n>` makes the process SIGKILL itself the n-th time
it reaches the named point (tests/reliability/test_crash.py). Unset, `reached()` is one dictionary lookup.

Points: `crawl.item` (an item written to `.jsonl.part`), `load.file` (a lake file or crawl report inserted,
uncommitted), `load.commit` (just before COMMIT), `load.committed` (after COMMIT, before the connection is
closed: the WAL is not checkpointed), `match.links` (links replaced, marts not yet rebuilt), `match.committed`,
`build.pages` (pages written to the new folder), `build.swap` (the new folder in place, not yet published),
`lake.staged` (a crawl's Parquet files written to the lake's staging folder, none in place), `lake.placed` (one
of them renamed into place, the crawl's manifest not yet written).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_TARGET = os.environ.get("QINGTIAN_CRASH_AT", "")
_STAGE, _, _COUNT = _TARGET.partition(":")
_seen: Counter[str] = Counter()


def reached(stage: str) -> None:
    if stage != _STAGE:
        return
    _seen[stage] += 1
    if _seen[stage] >= int(_COUNT or 1):
        os.kill(os.getpid(), signal.SIGKILL)
