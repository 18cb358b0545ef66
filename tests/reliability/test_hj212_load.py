"""20 data loggers at once against the HJ 212 receiver: every frame archived once, every asking frame answered.

The full run (200 connections, 100,000 frames) is `make load` / `qingtian bench hj212`.
"""

from __future__ import annotations

from pathlib import Path

from etl.bench_hj212 import NO_ACK_EVERY, logger_frames, run_load


def test_concurrent_loggers_lose_nothing(tmp_path: Path) -> None:
    result = run_load(connections=20, frames=2_000, window=2, data=tmp_path / "data")
    assert result.archived == result.indexed == result.parsed == result.distinct_archived == 2_000
    assert result.asked == 2_000 - 2_000 // NO_ACK_EVERY
    assert result.answered == result.asked and result.stray_answers == 0 and result.lost == 0
    assert result.items == 2 * 2_000 and len(result.latencies) == result.asked
    assert not list((tmp_path / "data" / "items" / "hj212").glob("*.part"))


def test_frames_are_valid_and_distinct() -> None:
    frames = logger_frames(7, 300)
    assert len({qn for qn, _, _ in frames}) == 300
    assert sum(ack for _, ack, _ in frames) == 300 - 300 // NO_ACK_EVERY
