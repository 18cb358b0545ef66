"""Every subcommand has help text with an example (sqlite-utils style)."""

from __future__ import annotations

import pytest

from etl.cli import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out
    assert f"qingtian {command}" in out


def test_design_commands_present() -> None:
    assert {"demo", "replay", "crawl", "load", "match", "build", "serve"} <= set(COMMANDS)


def test_hj212_parse_prints_json_and_flags_bad_frames(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    good = ("##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
            "CP=&&RtdInterval=30&&1C80")
    frames = tmp_path / "frames.txt"
    frames.write_text(f"{good}\r\n{good[:-1]}1\r\n", encoding="ascii")
    assert main(["hj212", "parse", str(frames)]) == 1
    captured = capsys.readouterr()
    assert '"CN": "1062"' in captured.out and '"crc": "1C80"' in captured.out
    assert "frames.txt:2: CRC mismatch: frame says 1C81, computed 1C80" in captured.err
