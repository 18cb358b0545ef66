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
