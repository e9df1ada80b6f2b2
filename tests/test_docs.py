"""The user docs state what the code does: defaults, and no link outside the repository."""

from __future__ import annotations

import dataclasses
import re

import pytest

from landplan import scenario as sc
from tests.conftest import ROOT

DOCS = ROOT / "docs"
SECTIONS = {
    "objective": sc.Objective,
    "entry_standards": sc.EntryStandards,
    "costshare": sc.CostShare,
    "solver": sc.SolverOptions,
    "map": sc.MapSpec,
    "targets": sc.Targets,
}


def _documented_defaults() -> dict[str, str]:
    rows = re.findall(
        r"^\| `([a-z_]+\.[a-z_]+)` \| ([^|]+) \|", (DOCS / "scenario.md").read_text(), re.M
    )
    return {key: value.strip() for key, value in rows}


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):  # as YAML writes it
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    return f"{value}"


@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_key_and_default_is_documented(section: str) -> None:
    documented = _documented_defaults()
    for spec in dataclasses.fields(SECTIONS[section]):
        key = f"{section}.{spec.name}"
        assert key in documented, f"{key} is missing from docs/scenario.md"
        assert documented[key] == _shown(spec.default), key


def test_no_link_or_docstring_points_outside_the_repository() -> None:
    files = [*ROOT.glob("landplan/*.py"), *DOCS.glob("*.md"), ROOT / "README.md"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for needle in ("../shared", "CONTRACT", "DOMAIN.md", "STYLE.md"):
            assert needle not in text, f"{path.name} mentions {needle}"
    for link in re.findall(r"\]\(([^)#]+)", (DOCS / "README.md").read_text()):
        assert (DOCS / link).is_file(), link
