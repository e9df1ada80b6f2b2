"""The command line itself: version, help, exit codes."""

from __future__ import annotations

import pytest

from landplan import __version__
from landplan.cli import main


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="0"):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit, match="0"):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert all(word in help_text for word in ("run", "validate", "sweep"))
