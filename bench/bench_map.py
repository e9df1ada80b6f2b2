"""Map and report benchmark: HTML size, build time, time until drawn in Chromium.

Usage: python bench/bench_map.py [SCALE ...]     (default: 1 2.6 5.3)
Scale 1 is the demo district (814 parcels); the generator's ``--scale`` multiplies
the blocks per park side, so 2.6 gives about 5,000 parcels and 5.3 about 20,000,
with the demo's real-looking shapes. Each district is run once (HiGHS, 0.1% gap);
then ``map.html`` and ``report.html`` are rebuilt from the output folder and timed,
and the map is opened from disk in headless Chromium (network blocked) and timed
until Leaflet has drawn every layer.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def district(folder: Path, scale: float) -> Path:
    """A scenario on the demo generator's layers at ``scale``."""
    gpkg = folder / "district.gpkg"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "gis" / "make_demo.py"),
            *("--scale", str(scale), "--out-gpkg", str(gpkg), "--no-tables"),
        ],
        check=True,
        capture_output=True,
    )
    doc = yaml.safe_load((ROOT / "scenarios" / "daxing-demo.yaml").read_text(encoding="utf-8"))
    doc["layers"] = [
        {"path": str(gpkg), "layer": "standard_factories", "kind": "factory"},
        {"path": str(gpkg), "layer": "vacant_plots", "kind": "vacant"},
    ]
    for c in doc["constraints"]:
        c["path"] = str(gpkg)
    for key in ("zoning", "parks"):
        doc[key] = str(ROOT / "scenarios" / doc[key])
    # the demo's locks and must-places name demo parcels that differ at other scales
    projects = pd.read_csv(ROOT / "scenarios" / "projects-demo.csv", keep_default_na=False)
    projects["locked_parcel"] = ""
    projects["must_place"] = "false"
    projects.to_csv(folder / "projects.csv", index=False)
    doc["projects"] = str(folder / "projects.csv")
    doc["solver"] = {"name": "highs", "gap": 0.001, "time_limit": 120, "threads": 2}
    path = folder / "district.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def drawn_in_chromium(page_path: Path) -> tuple[float, int, list[str]]:
    """Seconds from navigation until every layer is drawn; shapes drawn; requests."""
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route(
            lambda url: not url.startswith(("file:", "data:")),
            lambda route: (requests.append(route.request.url), route.abort()),
        )
        page = context.new_page()
        start = time.perf_counter()
        page.goto(page_path.resolve().as_uri())
        page.wait_for_function("() => window.landplan && landplan.config !== null")
        # one animation frame after start(): the canvas has painted
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
        seconds = time.perf_counter() - start
        shapes = page.evaluate(
            """() => { var c = landplan.config, n = 0;
               ['factory', 'vacant', 'collective'].forEach(function (k) {
                 if (c.layers[k]) n += window[c.layers[k]].getLayers().length; });
               return n; }"""
        )
        browser.close()
    return seconds, int(shapes), requests


def main() -> None:
    from landplan.folder import read_folder
    from landplan.maps import write_map
    from landplan.output import write_folder, writers
    from landplan.report import write_report
    from landplan.run import compute
    from landplan.scenario import load_scenario

    scales = [float(s) for s in sys.argv[1:]] or [1.0, 2.6, 5.3]
    for scale in scales:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            path = (
                ROOT / "scenarios" / "daxing-demo.yaml" if scale == 1 else district(folder, scale)
            )
            result = compute(load_scenario(path, {"solver.name": "highs", "solver.gap": 0.001}))
            out = folder / "out"
            write_folder(out, writers(result))
            n = len(result.inputs.parcels)
            t = time.perf_counter()
            read_folder(out)
            read_s = time.perf_counter() - t
            t = time.perf_counter()
            write_map(out, out / "map.html")
            map_s = time.perf_counter() - t
            t = time.perf_counter()
            write_report(out, out / "report.html")
            report_s = time.perf_counter() - t
            drawn_s, shapes, requests = drawn_in_chromium(out / "map.html")
            map_mb = (out / "map.html").stat().st_size / 1e6
            report_mb = (out / "report.html").stat().st_size / 1e6
            print(
                f"{n:,} parcels ({len(result.allocation.placed)} placed): map.html {map_mb:.2f} MB "
                f"built in {map_s:.2f} s (reading the folder {read_s:.2f} s of it); "
                f"report.html {report_mb:.2f} MB in {report_s:.2f} s; Chromium drew "
                f"{shapes:,} parcel shapes in {drawn_s:.2f} s; {len(requests)} requests",
                flush=True,
            )


if __name__ == "__main__":
    main()
