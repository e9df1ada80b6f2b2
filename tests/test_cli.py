"""The command line itself: version, help, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from landplan import __version__
from landplan.cli import main
from tests.conftest import Builder, land_row, project_row


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="0"):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit, match="0"):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert all(word in help_text for word in ("run", "validate", "sweep"))


LANDPLAN = [sys.executable, "-m", "landplan"]


def test_every_command_says_its_help_with_the_shared_flags() -> None:
    for command in ("run", "sweep", "alternatives"):
        shown = subprocess.run(
            [*LANDPLAN, command, "--help"], capture_output=True, text=True, check=True
        ).stdout
        for flag in ("--solver", "--time-limit", "--gap", "--lang", "-q"):
            assert flag in shown, (command, flag)


def test_quiet_means_quiet_even_for_highs_and_importance_workers(
    make_scenario: Builder, tmp_path: Path
) -> None:
    """HiGHS prints a banner when a process makes its first solver; under -q, and in
    the importance workers, nothing but the last line reaches the terminal."""
    path = make_scenario(
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[project_row("P1"), project_row("P2", output=2000)],
    )
    done = subprocess.run(
        [*LANDPLAN, "run", str(path), "--out", str(tmp_path / "o"), "--importance", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "HiGHS" not in done.stdout + done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("optimal: placed 2 of 2")
    assert done.stderr == ""


def test_a_closed_pipe_ends_a_command_quietly(make_scenario: Builder, tmp_path: Path) -> None:
    """``landplan compare A B | head -1``: the reader leaves early, nothing breaks."""
    path = make_scenario(projects=[project_row(f"P{k}") for k in range(2)])
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(path), "--out", str(a), "-q"]) == 0
    assert main(["run", str(path), "--out", str(b), "-q", "--set", "objective.output=2"]) == 0
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as `| head` leaves
    try:
        writer = subprocess.run(
            [*LANDPLAN, "compare", str(a), str(b)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write)
    assert writer.returncode == 0
    assert "internal error" not in writer.stderr and "Traceback" not in writer.stderr
    assert "Exception ignored" not in writer.stderr
