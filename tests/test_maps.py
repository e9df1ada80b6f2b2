"""map.html and report.html in a real browser (Debian's Chromium, driven by Playwright).

Every request that would leave ``file://`` is blocked and recorded: none may be
attempted. Screenshots go to ``test-artifacts/`` to be looked at.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

from landplan.cli import main
from landplan.maps import write_map
from landplan.webmap import wgs84_to_gcj02
from tests.browser import Page, a4_landscape
from tests.conftest import Builder, land_row, plot, project_row

# Layer counts, drawn shapes and the screen point of a feature, from the page itself.
COUNT = """() => {
  var c = landplan.config, map = window[c.map], out = {};
  for (var key in c.layers) {
    var g = window[c.layers[key]], n = 0;
    if (g.getLayers) { g.getLayers().forEach(function (l) { if (map.hasLayer(l)) n++; }); }
    out[key] = {on_map: map.hasLayer(g), drawn: n};
  }
  return out;
}"""
ZOOM_TO = """([key, id]) => {
  var c = landplan.config, map = window[c.map], g = window[c.layers[key]], hit = null;
  g.eachLayer(function (l) { if (l.feature.properties.parcel_id === id) hit = l; });
  map.fitBounds(hit.getBounds(), {animate: false, maxZoom: 17});
  return map.getZoom();
}"""
LABELS = "() => document.querySelectorAll('.lp-label').length"
LABEL_BOXES = """() => Array.from(document.querySelectorAll('.lp-label span')).map(e => {
  var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.innerText];
})"""


def _overlaps(boxes: list[list[Any]]) -> list[tuple[str, str]]:
    """The pairs of labels whose boxes intersect."""
    hits = []
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :]:
            if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5:
                hits.append((a[4], b[4]))
    return hits


IDLE = """() => {
  var m = window[landplan.config.map];
  return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress);
}"""
SCREEN = """([lon, lat]) => {
  var map = window[landplan.config.map], p = map.latLngToContainerPoint([lat, lon]);
  var box = map.getContainer().getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""


def _click_parcel(page: Page, key: str, parcel: Any) -> str:
    point = parcel.geometry.representative_point()
    page.page.wait_for_function(IDLE)  # the opening zoom may still be animating
    page.js(ZOOM_TO, [key, parcel["parcel_id"]])
    page.page.wait_for_function(IDLE)
    page.page.wait_for_timeout(100)
    x, y = page.js(SCREEN, [point.x, point.y])
    page.page.mouse.click(x, y)
    page.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    return str(page.page.inner_text(".leaflet-popup-content"))


def test_demo_map_offline_complete_and_clickable(browser: Any, demo_out: Path) -> None:
    parcels = gpd.read_file(demo_out / "allocation.gpkg", layer="parcels").to_crs("EPSG:4326")
    page = Page(browser, demo_out / "map.html")
    try:
        assert page.requests == []
        assert page.errors == []
        counts = page.js(COUNT)
        drawn = sum(counts[k]["drawn"] for k in ("factory", "vacant", "collective"))
        assert drawn == len(parcels) == 814
        placed = parcels[parcels["project_ids"] != ""]
        assert counts["allocation"]["drawn"] == len(placed)
        assert counts["costshare"]["on_map"] is False  # off until asked for
        assert "医药健康" in page.page.inner_text("#lp-legend")  # zoning.csv's label_zh
        page.page.wait_for_function(IDLE)  # after the opening zoom
        assert page.js(LABELS) == 0  # no ids at the opening zoom: they would be a blur
        page.shot("map-demo.png")

        # clicking a placed parcel opens its popup, with its id and its project
        parcel = placed.iloc[len(placed) // 2]
        text = _click_parcel(page, "allocation", parcel)
        assert parcel["parcel_id"] in text and parcel["project_ids"].split(";")[0] in text
        page.shot("map-demo-popup.png")

        # toggling a layer in the layer control hides it
        label = page.page.locator(".leaflet-control-layers label", has_text="项目落位")
        label.locator("input").click()
        assert page.js(COUNT)["allocation"]["on_map"] is False

        # search by project id: zooms there and opens the popup
        project = placed.iloc[0]["project_ids"].split(";")[0]
        page.page.fill("#lp-search", project)
        page.page.press("#lp-search", "Enter")
        page.page.wait_for_timeout(300)
        assert project in page.page.inner_text(".leaflet-popup-content")
        # the unplaced panel lists every unplaced project with its reason
        panel = page.page.inner_text("#lp-unplaced")
        summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
        assert f"({122 - summary['projects']['placed']})" in panel
        assert "补贴预算不足" in panel and "需区级补贴" in panel  # reason and detail in Chinese
        # the panel folds away and back
        page.page.click("#lp-unplaced button.lp-fold")
        assert page.page.is_hidden("#lp-unplaced ul")
        page.page.click("#lp-unplaced button.lp-fold")
        assert page.page.is_visible("#lp-unplaced ul")
        # a metric scale only
        scale = page.page.inner_text(".leaflet-control-scale")
        assert re.search(r"\d+ k?m", scale) and "ft" not in scale and "mi" not in scale
        # ids on the parcels once zoomed in (to a parcel, by the search above), none
        # written over another
        assert page.js(LABELS) > 5
        assert _overlaps(page.js(LABEL_BOXES)) == []
        page.shot("map-demo-labels.png")
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_the_map_in_english(browser: Any, demo_out: Path, tmp_path: Path) -> None:
    """Rebuilt in English from the Chinese folder: layers, legend, reasons, sectors."""
    target = tmp_path / "map-en.html"
    write_map(demo_out, target, "en")
    page = Page(browser, target)
    try:
        assert page.requests == [] and page.errors == []
        legend = page.page.inner_text("#lp-legend")
        assert "medicine health" in legend and "Standard factories" in legend
        assert "Parcel status (outline)" in legend and "reserved" in legend
        panel = page.page.inner_text("#lp-unplaced")
        assert "budget" in panel and "of the budget is left" in panel
        assert "补贴" not in panel
        page.shot("map-demo-en.png")
    finally:
        page.close()


def test_hostile_names_show_as_text(browser: Any, make_scenario: Builder, tmp_path: Path) -> None:
    evil = "<script>window.__pwned = 1</script>"
    path = make_scenario(
        # J2 (0.25 ha) is too small for P1 (0.5-2 ha), so P1 goes on J1
        land=[land_row("<b>J1</b>", 0), land_row("J2", 1, geometry=plot(1, 50, 50))],
        projects=[
            project_row("P1", name=evil),
            project_row("P2", name="<img src=x onerror='window.__pwned = 2'>", sector="it"),
        ],
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    for name in ("map.html", "report.html"):
        page = Page(browser, out / name)
        try:
            assert page.js("() => window.__pwned === undefined")
            assert page.requests == [] and page.errors == []
            if name == "map.html":
                parcels = gpd.read_file(out / "allocation.gpkg", layer="parcels")
                parcel = parcels.to_crs("EPSG:4326").set_index("parcel_id", drop=False)
                parcel = parcel.loc["<b>J1</b>"]
                text = _click_parcel(page, "allocation", parcel)
                assert "<b>J1</b>" in text and evil in text
                assert "<img src=x" in page.page.inner_text("#lp-unplaced")
            else:
                body = page.page.inner_text("body")
                assert evil in body and "<img src=x" in body
            assert page.js("() => window.__pwned === undefined")
            page.shot(f"hostile-{name}.png")
        finally:
            page.close()


def test_gaode_tiles_shift_the_overlays(demo_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "gaode"
    shutil.copytree(demo_out, out)
    scenario = yaml.safe_load((out / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    scenario["map"] = {
        "lang": "en",
        "tiles": "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8",
        "attribution": "Gaode",
        "datum": "auto",
    }
    (out / "scenario.resolved.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True))
    assert main(["map", str(out)]) == 0
    shifted = (out / "map.html").read_text(encoding="utf-8")
    plain = (demo_out / "map.html").read_text(encoding="utf-8")
    assert "webrd01.is.autonavi.com" in shifted and "autonavi" not in plain

    def first_ring(page: str) -> np.ndarray:
        match = re.search(r'"coordinates": \[\[\[([-\d.]+), ([-\d.]+)\]', page)
        assert match
        return np.array([float(match.group(1)), float(match.group(2))])

    wgs = first_ring(plain)
    lon, lat = wgs84_to_gcj02(wgs[:1], wgs[1:])
    assert first_ring(shifted) == pytest.approx([lon[0], lat[0]], abs=2e-6)
    assert "Vacant and unacquired plots" in shifted  # map.lang: en


def _rect(page: Page, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.js(
        "(s) => { var r = document.querySelector(s).getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }",
        selector,
    )
    return box


def test_search_filters_legend_and_attribution_on_an_office_screen(
    browser: Any, demo_out: Path
) -> None:
    """At 1366×768: search by project name, park and an unplaced project; one park at a
    time; a legend for the layers shown only, clear of the layer control; no flag."""
    page = Page(browser, demo_out / "map.html", viewport=(1366, 768))
    try:
        assert page.requests == [] and page.errors == []
        legend, layers = _rect(page, "#lp-legend"), _rect(page, ".leaflet-control-layers")
        assert legend["top"] >= layers["bottom"]  # the legend never covers the layers
        text = page.page.inner_text("#lp-legend")
        assert "医药健康" in text and "成本分摊" not in text  # only the layers shown
        page.page.locator(".leaflet-control-layers label", has_text="成本分摊").locator(
            "input"
        ).click()
        text = page.page.inner_text("#lp-legend")
        assert "按70%封顶" in text and "≤ 0.70" in text
        legend, layers = _rect(page, "#lp-legend"), _rect(page, ".leaflet-control-layers")
        assert legend["top"] >= layers["bottom"]
        attribution = page.js(
            "() => document.querySelector('.leaflet-control-attribution').innerHTML"
        )
        assert "Leaflet" in attribution and "<svg" not in attribution
        # a project by part of its name
        page.page.fill("#lp-search", "医药健康项目00")
        found = page.page.inner_text("#lp-matches")
        assert "医药健康项目005" in found and "项目" in found
        page.page.locator("#lp-matches li", has_text="P-005").first.click()
        page.page.wait_for_timeout(300)
        assert "P-005" in page.page.inner_text(".leaflet-popup-content")
        # a park: the map shows that park alone
        page.page.fill("#lp-search", "氢能示范")
        page.page.locator("#lp-matches li", has_text="氢能示范区").first.click()
        drawn = page.js(
            """() => { var out = {}; ['factory', 'vacant', 'collective', 'allocation']
                 .forEach(function (k) { window[landplan.config.layers[k]].eachLayer(
                   function (l) { out[l.feature.properties.park] = 1; }); });
                 return Object.keys(out); }"""
        )
        assert drawn == ["氢能示范区"]
        assert page.js("() => document.getElementById('lp-park').value") == "氢能示范区"
        page.page.select_option("#lp-park", "")
        assert (
            len(
                page.js(
                    """() => { var out = {};
                 window[landplan.config.layers.vacant].eachLayer(
                   function (l) { out[l.feature.properties.park] = 1; });
                 return Object.keys(out); }"""
                )
            )
            == 5
        )
        # an unplaced project: its line in the unplaced panel, unfolded
        unplaced = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
        first = unplaced.loc[unplaced["status"] != "placed", "project_id"].iloc[0]
        page.page.fill("#lp-search", first)
        page.page.locator("#lp-matches li", has_text="未落位").first.click()
        assert page.page.is_visible("#lp-unplaced li.lp-hit")
        assert first in page.page.inner_text("#lp-unplaced li.lp-hit")
        page.shot("map-demo-1366x768.png")
        assert page.errors == []
    finally:
        page.close()


def test_popups_speak_in_words(browser: Any, demo_out: Path) -> None:
    """No raw key in a popup; zoning codes with their names."""
    parcels = gpd.read_file(demo_out / "allocation.gpkg", layer="parcels").to_crs("EPSG:4326")
    placed = parcels[(parcels["project_ids"] != "") & (parcels["zoning"] == "M1")]
    page = Page(browser, demo_out / "map.html")
    try:
        text = _click_parcel(page, "allocation", placed.iloc[0])
        assert "M1 一类工业用地" in text
        headers = page.js(
            "() => Array.from(document.querySelectorAll('.leaflet-popup-content th'))"
            ".map(e => e.innerText)"
        )
        assert headers and not [h for h in headers if re.search(r"[a-z]_[a-z]", h)]
        assert "用地（亩）" in headers
    finally:
        page.close()


def test_the_cap_label_and_colours_follow_the_scenarios_cap(
    browser: Any, make_scenario: Builder, tmp_path: Path
) -> None:
    """A plan under a 60% cap says 60%, and every capped parcel is in the cap's class."""
    land = [land_row(f"L{k}", k) for k in range(4)]
    projects = [project_row(f"P{k}", hightech="true", output=3000 + k) for k in range(3)]
    path = make_scenario(land=land, projects=projects, extra={"costshare": {"cap_ratio": 0.6}})
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    page = Page(browser, out / "map.html")
    try:
        config = page.js("() => landplan.config")
        assert config["capText"] == "按60%封顶"
        assert config["ratioClasses"][0][0] == "≤ 0.60"
        classes = page.js(
            """() => { var out = []; window[landplan.config.layers.costshare].eachLayer(
                 function (l) { var p = l.feature.properties;
                   out.push([p.capped, p.share_ratio, p.ratio_class]); }); return out; }"""
        )
        assert len(classes) == 3 and all(c[0] and c[2] == 0 for c in classes)
    finally:
        page.close()


def test_the_map_prints_its_whole_view_on_one_a4_landscape_page(
    browser: Any, demo_out: Path, tmp_path: Path
) -> None:
    """Before printing the map takes the paper's size and still shows all the screen
    showed (a canvas left at the screen's size would be cut at the paper's edge);
    the search box, layer control and unplaced list stay off the paper; after
    printing the screen is as it was."""
    page = Page(browser, demo_out / "map.html")
    try:
        shown = """() => { var m = window[landplan.config.map], b = m.getBounds();
            return {box: [m.getContainer().offsetWidth, m.getContainer().offsetHeight],
                    view: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]}; }"""
        screen = page.js(shown)
        page.js("() => window.dispatchEvent(new Event('beforeprint'))")
        paper = page.js(shown)
        assert paper["box"] == [1056, 726]
        south, west, north, east = screen["view"]
        s, w, n, e = paper["view"]
        assert s <= south and w <= west and n >= north and e >= east  # nothing cut off
        page.js("() => window.dispatchEvent(new Event('afterprint'))")
        assert page.js(shown)["box"] == screen["box"]
        sizes = page.pdf(tmp_path / "map.pdf")
        assert len(sizes) == 1 and a4_landscape(sizes[0])
        page.page.emulate_media(media="print")
        hidden = page.js(
            """() => ['.lp-search', '.leaflet-control-layers', '#lp-unplaced'].map(
                 s => getComputedStyle(document.querySelector(s)).display)"""
        )
        assert hidden == ["none", "none", "none"]
    finally:
        page.close()


@pytest.mark.parametrize("hull_from", [10**9, 1])
def test_park_outlines_hold_every_parcel_of_their_park(
    hull_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of outlining a park (closing the road gaps; the concave hull of the
    corners from ``HULL_FROM`` parcels): one outline per park, around its parcels."""
    from landplan import maps
    from landplan.scenario import MapSpec

    monkeypatch.setattr(maps, "HULL_FROM", hull_from)
    parcels = gpd.GeoDataFrame(
        {"park": ["A", "A", "A", "B", "B"]},
        geometry=[plot(i, 100, 100) for i in (0, 1, 3, 10, 11)],
        crs="EPSG:4548",
    )
    outlines = maps._park_outlines(parcels, MapSpec())
    assert outlines is not None
    assert sorted(outlines["park"]) == ["A", "B"]
    shapes = outlines.set_index("park").geometry
    centres = parcels.to_crs("EPSG:4326").representative_point()
    for park, centre in zip(parcels["park"], centres, strict=True):
        assert shapes[park].contains(centre)
        assert not shapes["B" if park == "A" else "A"].contains(centre)
