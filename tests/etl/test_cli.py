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


def test_a_broken_judgement_log_is_a_clear_error(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from etl.ledger import append
    from etl.match import JUDGEMENT_COLUMNS

    log = tmp_path / "judgements.csv"
    append(log, JUDGEMENT_COLUMNS, dict.fromkeys(JUDGEMENT_COLUMNS, "x"))
    log.write_text(log.read_text(encoding="utf-8").replace("x,", "y,", 1), encoding="utf-8")
    monkeypatch.setenv("QINGTIAN_JUDGEMENTS", str(log))
    monkeypatch.setenv("QINGTIAN_DATA", str(tmp_path / "data"))
    assert main(["match"]) == 2
    err = capsys.readouterr().err
    assert "judgements.csv:2: hash does not match the entry's content" in err and "Traceback" not in err
