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
    "output": sc.OutputSpec,
    "policy": sc.PolicySpec,
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


# "docs/model.md", "docs/model.md, "Ties"", "docs/model.md "Pricing"", "(docs/phasing.md#anchor)"
_REFERENCE = re.compile(r'docs/([\w-]+\.md)(?:,? "([^"]+)"|#([\w-]+))?')


def _headings(page: str) -> tuple[set[str], set[str]]:
    """A page's headings as written (without ``#``) and as GitHub anchors."""
    titles = {h.strip() for h in re.findall(r"^#+ (.+)$", page, re.M)}
    anchors = {
        re.sub(r"[^\w\- ]", "", t.lower().replace("`", "")).replace(" ", "-") for t in titles
    }
    return titles, anchors


def test_every_docs_page_and_section_named_in_code_and_docs_exists() -> None:
    """A docstring, comment, template or page that sends a reader to docs/X.md (and a
    section of it) sends them somewhere real."""
    files = [
        *ROOT.glob("landplan/*.py"),
        *ROOT.glob("landplan/templates/*"),
        *ROOT.glob("landplan/static/*.js"),
        *(p for p in ROOT.glob("tests/*.py") if p.name != "test_docs.py"),
        *ROOT.glob("bench/*.py"),
        *DOCS.glob("*.md"),
        ROOT / "README.md",
    ]
    found = 0
    for path in files:
        for page, title, anchor in _REFERENCE.findall(path.read_text(encoding="utf-8")):
            target = DOCS / page
            assert target.is_file(), f"{path.name} names docs/{page}, which does not exist"
            titles, anchors = _headings(target.read_text(encoding="utf-8"))
            if title:
                assert any(title in t for t in titles), f"{path.name}: docs/{page} '{title}'"
            if anchor:
                assert anchor in anchors, f"{path.name}: docs/{page}#{anchor}"
            found += 1
    assert found > 30  # the scan sees the references
    # relative links inside the docs too, and their sections
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for link, anchor in re.findall(r"\]\(([\w-]+\.md)(?:#([\w-]+))?\)", text):
            assert (DOCS / link).is_file(), f"{page.name} links {link}"
            if anchor:
                _, anchors = _headings((DOCS / link).read_text(encoding="utf-8"))
                assert anchor in anchors, f"{page.name} links {link}#{anchor}"
