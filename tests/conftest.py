"""Small scenarios built in code: shapely boxes in EPSG:4548, tiny CSV tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "daxing-demo.yaml"
X0, Y0 = 450_000.0, 4_395_000.0  # near Daxing in EPSG:4548


def plot(i: int, w: float = 100.0, h: float = 100.0) -> Any:
    """A w×h m rectangle, the i-th in a row with 50 m gaps."""
    x = X0 + i * 1_000.0
    return box(x, Y0, x + w, Y0 + h)


def land_row(pid: str, i: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "parcel_id": pid,
        "zoning": "M1",
        "park": "A",
        "dev_cost": 1000.0,
        "supply_modes": "",
        "status": "available",
        "standard_land": "否",
        "geometry": plot(i),
    }
    row.update(kw)
    return row


def project_row(pid: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "project_id": pid,
        "name": pid,
        "sector": "bio",
        "hightech": "false",
        "major": "false",
        "need": "land",
        "area_min_ha": 0.5,
        "area_max_ha": 2.0,
        "floor_m2": "",
        "investment": 1000,
        "output": 1000,
        "tax": 100,
        "jobs": 10,
        "rd_spend": 10,
        "supply_modes": "",
        "must_place": "",
        "park": "",
        "start_year": "",
        "locked_parcel": "",
    }
    row.update(kw)
    return row


Builder = Callable[..., Path]


def build_scenario(
    folder: Path,
    land: list[dict[str, Any]] | None = None,
    factories: list[dict[str, Any]] | None = None,
    projects: list[dict[str, Any]] | None = None,
    zoning: dict[str, str] | None = None,
    parks: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    layers: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a scenario folder in ``folder`` and return the YAML path.

    Keywords: ``land`` and ``factories`` (rows for two GeoPackage layers), ``projects``,
    ``zoning`` (sector -> codes), ``parks`` (rows), ``extra`` (scenario keys),
    ``layers`` (replace the layer list).
    """
    land = land if land is not None else [land_row("L1", 0), land_row("L2", 1)]
    gpkg = folder / "parcels.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    gpd.GeoDataFrame(land, crs="EPSG:4548").to_file(gpkg, layer="land", engine="pyogrio")
    entries = [{"path": "parcels.gpkg", "layer": "land", "kind": "vacant"}]
    if factories:
        gpd.GeoDataFrame(factories, crs="EPSG:4548").to_file(gpkg, layer="fact", engine="pyogrio")
        entries.append({"path": "parcels.gpkg", "layer": "fact", "kind": "factory"})
    projects = projects if projects is not None else [project_row("P1")]
    pd.DataFrame(projects).to_csv(folder / "projects.csv", index=False)
    zoning = zoning or {"bio": "M1;M4", "it": "M4;B29"}
    pd.DataFrame([{"sector": s, "allowed_zoning": z} for s, z in zoning.items()]).to_csv(
        folder / "zoning.csv", index=False
    )
    doc: dict[str, Any] = {
        "name": "t",
        "crs": "EPSG:4548",
        "layers": layers if layers is not None else entries,
        "projects": "projects.csv",
        "zoning": "zoning.csv",
    }
    if parks is not None:
        pd.DataFrame(parks).to_csv(folder / "parks.csv", index=False)
        doc["parks"] = "parks.csv"
    doc.update(extra or {})
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def make_scenario(tmp_path: Path) -> Builder:
    """``build_scenario`` in the test's own folder."""

    def build(**kw: Any) -> Path:
        return build_scenario(tmp_path, **kw)

    return build


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo scenario run once per test session (HiGHS, as the scenario says); every
    test that reads the demo's outputs shares it."""
    from landplan.cli import main

    out = tmp_path_factory.mktemp("demo") / "daxing-demo"
    assert main(["run", str(DEMO), "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="session")
def demo_cbc_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo run once more per session, with CBC at the demo's own gap."""
    from landplan.cli import main

    out = tmp_path_factory.mktemp("demo-cbc") / "daxing-demo"
    assert main(["run", str(DEMO), "--out", str(out), "--solver", "cbc", "-q"]) == 0
    return out


# Markers by the fixtures a test uses, so the developer's loop can leave out the
# slow kinds: pytest -m "not browser and not postgres and not cluster" (make test-fast).
MARKER_FIXTURES = {"browser": "browser", "bare_browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in MARKER_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, FLAGS

    assert Path(CHROMIUM).exists(), "Chromium missing: run the README's test command"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()
