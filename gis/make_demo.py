"""Make the Daxing demo district: parcel layers in gis/, tables in scenarios/.

Deterministic (one seed): running it again gives the same parcels, attributes and
projects. Five parks named like the plan's, each a rotated street grid with
jittered block sizes and road gaps, blocks split into plots, the outer blocks
clipped by an irregular boundary (which leaves the small edge fragments the plan
calls 闲散边角地), and village-collective land in clusters at the park fringe.
Each park has its industrial positioning (主导产业); proximity layers (hydrogen
refuelling stations, the airport, a hospital cluster) score sites for the
sectors that need them. Part of the reserved land is in use (已供在用, and the
villages' industrial compounds, 村级工业大院), with the firms on it and in the
standard factories (``firms-demo.csv``, for 亩均 evaluation). What later
versions added draws from its own seeded
stream (``EXTRA_SEED``), so the parcels and projects of earlier versions stay
as they were.

Usage: python gis/make_demo.py [--parcels-per-park N] [--out-gpkg PATH]
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import Point, Polygon, box

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"
CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
SEED = 20210514
EXTRA_SEED = SEED + 1  # for what later versions added (positioning, preferred parks)
FIRM_SEED = SEED + 2  # land in use and its firms (亩均 evaluation, renewal)
# Unacquired plots that the land-use plan has no construction quota for yet (缺指标):
# the small available 未征 plots, which the edge fragments' quota can activate.
NEEDS_QUOTA_BELOW_HA = 0.9


@dataclass(frozen=True)
class Park:
    name: str
    name_en: str
    code: str
    lon: float
    lat: float
    cost: float  # average land development cost, 万元/ha
    zoning: dict[str, float]
    blocks: tuple[int, int]
    angle: float
    leading: tuple[str, ...]  # 主导产业: the park's industrial positioning


PARKS = (
    Park(
        "生物医药基地",
        "Biomedicine Base",
        "BIO",
        116.325,
        39.700,
        3000.0,
        {"M1": 0.40, "M4": 0.30, "A35": 0.18, "B29": 0.12},
        (7, 5),
        12.0,
        ("medicine_health",),
    ),
    Park(
        "临空经济区",
        "Airport Economic Zone",
        "AIR",
        116.430,
        39.610,
        3600.0,
        {"M1": 0.35, "W1": 0.25, "M4": 0.22, "B29": 0.18},
        (7, 5),
        -8.0,
        ("commercial_aerospace", "tech_services"),
    ),
    Park(
        "氢能示范区",
        "Hydrogen Demonstration Zone",
        "H2",
        116.505,
        39.690,
        2200.0,
        {"M2": 0.45, "M3": 0.20, "M1": 0.25, "W1": 0.10},
        (6, 5),
        20.0,
        ("hydrogen",),
    ),
    Park(
        "中关村大兴园",
        "Zhongguancun Daxing Park",
        "ZGC",
        116.360,
        39.765,
        4200.0,
        {"M4": 0.40, "B29": 0.25, "A35": 0.15, "M1": 0.20},
        (6, 5),
        3.0,
        ("next_gen_it", "ai", "third_gen_semiconductor"),
    ),
    Park(
        "镇级产业园",
        "Town Industrial Parks",
        "TWN",
        116.565,
        39.635,
        1500.0,
        {"M1": 0.45, "M2": 0.35, "W1": 0.20},
        (6, 4),
        -15.0,
        ("intelligent_manufacturing",),
    ),
)

# Permitted plot ratio (容积率) of vacant plots by zoning; parks that charge by
# building volume (costshare method ``floor``) spread their cost over this space.
FAR_BY_ZONING = {"M1": 1.6, "M2": 1.3, "M3": 1.0, "M4": 2.5, "B29": 3.0, "A35": 2.0, "W1": 1.2}

SECTORS = {
    # sector: (label_zh, allowed zoning, share of projects, share needing floor space)
    "medicine_health": ("医药健康", "M1;M4;A35", 0.24, 0.30),
    "next_gen_it": ("新一代信息技术", "M1;M4;B29", 0.14, 0.55),
    "intelligent_manufacturing": ("智能制造与装备", "M1;M2", 0.18, 0.15),
    "tech_services": ("科技服务", "B29;A35;M4", 0.10, 0.70),
    "hydrogen": ("氢能", "M2;M3", 0.10, 0.0),
    "commercial_aerospace": ("商业航天", "M1;M2", 0.08, 0.10),
    "third_gen_semiconductor": ("第三代半导体", "M1;M2;M4", 0.08, 0.10),
    "ai": ("人工智能", "M4;B29;A35", 0.08, 0.65),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-gpkg", type=Path, default=HERE / "daxing-demo.gpkg")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply blocks per park side (for benchmarks)"
    )
    parser.add_argument("--no-tables", action="store_true", help="skip the CSV tables")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    layers = make_layers(rng, scale=args.scale)
    write_layers(layers, args.out_gpkg)
    if not args.no_tables:
        write_tables(rng, layers)
    for name, frame in layers.items():
        print(f"{name}: {len(frame)} features")


def make_layers(rng: np.random.Generator, scale: float = 1.0) -> dict[str, gpd.GeoDataFrame]:
    to_xy = Transformer.from_crs("EPSG:4490", CRS, always_xy=True)
    factories, vacant, collective, boundaries, residential = [], [], [], [], []
    for park in PARKS:
        cx, cy = to_xy.transform(park.lon, park.lat)
        nx, ny = (max(2, round(b * scale)) for b in park.blocks)
        boundary = _boundary(rng, cx, cy, nx, ny, park.angle)
        plots = _plots(rng, cx, cy, nx, ny, park.angle, boundary)
        boundaries.append({"park": park.name, "name_en": park.name_en, "geometry": boundary})
        f, v, c = _label(rng, park, plots, boundary, cx, cy)
        factories += f
        vacant += v
        collective += c
        residential += _villages(rng, boundary, park)
    _in_use(np.random.default_rng(FIRM_SEED), vacant, collective)
    for row in vacant:
        row["needs_quota"] = bool(
            row["acquisition"] == "未征"
            and not row["fragment"]
            and row["status"] == "available"
            and row["geometry"].area / 10_000 < NEEDS_QUOTA_BELOW_HA
        )
    layers = {
        "standard_factories": gpd.GeoDataFrame(factories, crs=CRS),
        "vacant_plots": gpd.GeoDataFrame(vacant, crs=CRS),
        "collective_land": gpd.GeoDataFrame(collective, crs=CRS),
        "park_boundaries": gpd.GeoDataFrame(boundaries, crs=CRS),
        "residential": gpd.GeoDataFrame(residential, crs=CRS),
        "ecological_redline": gpd.GeoDataFrame(
            [{"name": "凤河生态廊道 Fenghe green corridor", "geometry": _river(to_xy)}], crs=CRS
        ),
        **_amenities(to_xy),
    }
    return layers


def _amenities(to_xy: Transformer) -> dict[str, gpd.GeoDataFrame]:
    """Proximity layers: hydrogen refuelling stations, the airport, a hospital cluster."""

    def point(lon: float, lat: float) -> Point:
        return Point(*to_xy.transform(lon, lat))

    stations = [
        ("加氢站1号 H2 station 1", 116.500, 39.683),
        ("加氢站2号 H2 station 2", 116.516, 39.699),
        ("加氢站3号 H2 station 3", 116.567, 39.641),
    ]
    hospitals = [
        ("医院集群·北 hospital north", 116.318, 39.712),
        ("医院集群·南 hospital south", 116.331, 39.691),
    ]
    airport = Polygon(
        [
            to_xy.transform(x, y)
            for x, y in [(116.38, 39.55), (116.47, 39.55), (116.47, 39.575), (116.38, 39.575)]
        ]
    )
    return {
        "hydrogen_stations": gpd.GeoDataFrame(
            [{"name": n, "geometry": point(x, y)} for n, x, y in stations], crs=CRS
        ),
        "airport": gpd.GeoDataFrame(
            [{"name": "大兴国际机场货运区 airport cargo area", "geometry": airport}], crs=CRS
        ),
        "hospitals": gpd.GeoDataFrame(
            [{"name": n, "geometry": point(x, y).buffer(150)} for n, x, y in hospitals], crs=CRS
        ),
    }


def _boundary(
    rng: np.random.Generator, cx: float, cy: float, nx: int, ny: int, angle: float
) -> Polygon:
    """An irregular park outline a little inside the street grid."""
    rx, ry = nx * 430 / 2 * 0.93, ny * 430 / 2 * 0.93
    t = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    wobble = 1 + 0.07 * rng.standard_normal(48).cumsum() / 6
    power = 0.35  # squarish superellipse: parks are bounded by roads
    x = rx * np.sign(np.cos(t)) * np.abs(np.cos(t)) ** power * wobble
    y = ry * np.sign(np.sin(t)) * np.abs(np.sin(t)) ** power * wobble
    shape = Polygon(np.column_stack([x + cx, y + cy]))
    return affinity.rotate(shapely.make_valid(shape), angle, origin=(cx, cy))


def _plots(
    rng: np.random.Generator,
    cx: float,
    cy: float,
    nx: int,
    ny: int,
    angle: float,
    boundary: Polygon,
) -> list[Polygon]:
    """Blocks between jittered streets, split into plots, clipped by the boundary."""
    xs = np.concatenate([[0], np.cumsum(rng.uniform(330, 540, nx))])
    ys = np.concatenate([[0], np.cumsum(rng.uniform(300, 500, ny))])
    xs += cx - xs[-1] / 2
    ys += cy - ys[-1] / 2
    plots: list[Polygon] = []
    for i in range(nx):
        for j in range(ny):
            main_x = 40 if i % 3 == 0 else 24  # arterial roads every third block
            main_y = 40 if j % 2 == 0 else 24
            block = box(xs[i] + main_x / 2, ys[j] + main_y / 2, xs[i + 1] - 12, ys[j + 1] - 12)
            block = affinity.rotate(block, angle, origin=(cx, cy))
            if rng.random() < 0.25:  # corner cut at a junction
                corner = Point(block.exterior.coords[0]).buffer(rng.uniform(40, 90), quad_segs=2)
                block = block.difference(corner)
            for plot in _split(rng, block, rng.uniform(1.2, 5.5) * 10_000):
                clipped = plot.intersection(boundary)
                if clipped.area < 300:
                    continue
                if clipped.geom_type == "MultiPolygon":
                    clipped = max(clipped.geoms, key=lambda g: g.area)
                plots.append(shapely.set_precision(clipped, 0.01))
    return plots


def _split(rng: np.random.Generator, poly: Polygon, target: float) -> list[Polygon]:
    """Recursive splits across the longer side until plots are near ``target`` m²."""
    if poly.area <= target * rng.uniform(1.0, 1.8):
        return [poly]
    rect = poly.minimum_rotated_rectangle
    coords = np.asarray(rect.exterior.coords)[:4]
    edges = np.roll(coords, -1, axis=0) - coords
    long_i = int(np.argmax(np.hypot(edges[:, 0], edges[:, 1])))
    a, d = coords[long_i], edges[long_i]
    other = edges[(long_i + 1) % 4]
    f = rng.uniform(0.35, 0.65)
    p = a + d * f
    cut_a = Polygon([a, p, p + other, a + other])
    cut_a = cut_a.buffer(0.01, join_style="mitre")
    parts = []
    for piece in (poly.intersection(cut_a), poly.difference(cut_a)):
        if piece.is_empty:
            continue
        for g in getattr(piece, "geoms", [piece]):
            if g.geom_type == "Polygon" and g.area > 50:
                parts.append(g)
    # 7 m access lane between neighbouring plots in the same block, sometimes
    gap = 3.5 if rng.random() < 0.4 else 0.0
    parts = [g.buffer(-gap, join_style="mitre") if gap else g for g in parts]
    out: list[Polygon] = []
    for g in parts:
        if g.geom_type == "Polygon" and not g.is_empty:
            out += _split(rng, g, target)
    return out


def _zone(rng: np.random.Generator, park: Park) -> str:
    codes = list(park.zoning)
    probs = np.array(list(park.zoning.values()))
    return str(rng.choice(codes, p=probs / probs.sum()))


def _label(
    rng: np.random.Generator,
    park: Park,
    plots: list[Polygon],
    boundary: Polygon,
    cx: float,
    cy: float,
) -> tuple[list[dict], list[dict], list[dict]]:
    """Decide which plots are factories, idle land or collective land, with attributes."""
    centre = Point(cx, cy)
    rmax = max(p.distance(centre) for p in plots) or 1.0
    factories, vacant, collective = [], [], []
    ring = boundary.exterior
    order = rng.permutation(len(plots))
    n_fact = n_vac = n_col = 0
    for k in order:
        plot = plots[k]
        area_ha = plot.area / 10_000
        r = plot.distance(centre) / rmax
        edge = plot.distance(ring) < 15
        cost = park.cost * area_ha * float(rng.lognormal(0.0, 0.15))
        # Idle land comes to market over several years (land supply pipeline).
        year = int(rng.choice(np.arange(2024, 2031), p=[0.12, 0.14, 0.14, 0.14, 0.16, 0.15, 0.15]))
        zoning = _zone(rng, park)
        if area_ha < 0.5 and edge:  # leftover edge fragment
            n_vac += 1
            vacant.append(
                _vacant(
                    rng,
                    park,
                    n_vac,
                    plot,
                    "M1" if zoning == "B29" else zoning,
                    cost * 1.2,
                    year,
                    fragment=True,
                )
            )
        elif r > 0.66 and n_col < 30 and rng.random() < 0.6:
            n_col += 1
            collective.append(
                {
                    "地块编号": f"C-{park.code}-{n_col:03d}",
                    "用地性质": zoning if zoning != "B29" else "M1",
                    "所属园区": park.name,
                    "村集体": f"{park.name[:2]}{rng.choice(['东', '西', '南', '北'])}村",
                    "开发成本": round(cost * 0.8, 1),
                    "供地方式": str(
                        rng.choice(["租赁;入股", "租赁;联营", "租赁;入股;联营", "租赁"])
                    ),
                    "状态": str(rng.choice(["可用"] * 9 + ["预留"])),
                    "可供年份": year,
                    "geometry": plot,
                }
            )
        elif r < 0.6 and 0.8 < area_ha < 4.5 and n_fact < 13 and rng.random() < 0.3:
            n_fact += 1
            storeys = int(rng.integers(4, 9))
            coverage = float(rng.uniform(0.38, 0.5))
            floor = round(plot.area * coverage * storeys * 0.85, -2)
            factories.append(
                {
                    "parcel_id": f"F-{park.code}-{n_fact:03d}",
                    "name": f"{park.name}标准厂房{n_fact}号",
                    "zoning": "M4"
                    if zoning in {"B29", "A35"}
                    else ("M1" if zoning == "W1" else zoning),
                    "park": park.name,
                    "dev_cost": round(cost, 1),
                    "floor_area_m2": floor,
                    "storeys": storeys,
                    "supply_modes": "lease;split_sale",
                    "status": str(rng.choice(["available"] * 6 + ["occupied"])),
                    "available_year": min(year, 2025),
                    "geometry": plot,
                }
            )
        else:
            n_vac += 1
            vacant.append(_vacant(rng, park, n_vac, plot, zoning, cost, year, fragment=False))
    return factories, vacant, collective


def _vacant(
    rng: np.random.Generator,
    park: Park,
    n: int,
    plot: Polygon,
    zoning: str,
    cost: float,
    year: int,
    fragment: bool,
) -> dict:
    acquired = rng.random() < 0.65
    standard = acquired and not fragment and rng.random() < 0.35
    modes = rng.choice(
        ["transfer;flexible;lease", "transfer;flexible", "flexible;lease", "transfer"]
    )
    return {
        "parcel_id": f"V-{park.code}-{n:03d}",
        "zoning": zoning,
        "park": park.name,
        "acquisition": "已征未建" if acquired else "未征",
        "dev_cost": round(cost * (1.0 if acquired else 1.25) * (1.1 if standard else 1.0), 1),
        "far": FAR_BY_ZONING[zoning],
        "supply_modes": str(modes),
        "status": str(rng.choice(["available"] * 11 + ["reserved"])),
        "standard_land": bool(standard),
        "fragment": bool(fragment),
        "available_year": 2024 if standard else year,
        "geometry": plot,
    }


def _in_use(rng: np.random.Generator, vacant: list[dict], collective: list[dict]) -> None:
    """Most reserved land is in fact in use: state land already supplied (已供在用)
    and the villages' industrial compounds (村级工业大院)."""
    for row in vacant:
        if row["status"] == "reserved" and rng.random() < 0.7:
            row["status"] = "occupied"
            row["acquisition"] = "已供在用"
            row["available_year"] = 2024  # supplied long ago
    for row in collective:
        if row["状态"] == "预留":
            row["状态"] = "已占用"
            row["可供年份"] = 2024


def renewal_project(layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """A project the district has negotiated for the largest village compound in use
    (腾笼换鸟): promised that parcel, which it gets only if its land is recovered."""
    col = layers["collective_land"]
    in_use = col[col["状态"] == "已占用"]
    site = in_use.loc[in_use.geometry.area.idxmax()]
    park = next(p for p in PARKS if p.name == site["所属园区"])
    sector = next(s for s in park.leading if site["用地性质"] in SECTORS[s][1].split(";"))
    area = site.geometry.area / 10_000
    return pd.DataFrame(
        [
            {
                "project_id": "P-121",
                "name": f"{SECTORS[sector][0]}腾退引进项目121",
                "sector": sector,
                "hightech": "否",
                "major": "否",
                "need": "land",
                "area_min_ha": round(area * 0.8, 2),
                "area_max_ha": round(area * 1.2, 2),
                "floor_m2": "",
                "investment": round(area * 12_000),
                "output": round(area * 11_000),
                "tax": round(area * 700),
                "jobs": round(area * 120),
                "rd_spend": round(area * 11_000 * 0.05),
                "supply_modes": "lease",
                "must_place": "",
                "park": park.name,
                "start_year": 2027,
                "locked_parcel": site["地块编号"],
            }
        ]
    )


def merged_project(layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """A large project that no single parcel fits but two adjacent available plots
    across an internal road do (拼合): the adjacent pair of one zoning with the most
    land, in a park whose leading sector may use that zoning."""
    vacant = layers["vacant_plots"]
    free = vacant[(vacant["status"] == "available") & ~vacant["needs_quota"]].reset_index()
    left, right = free.sindex.query(free.geometry, predicate="dwithin", distance=30.0)
    best = None
    for a, b in zip(left, right, strict=True):
        one, two = free.iloc[a], free.iloc[b]
        if a >= b or one["park"] != two["park"] or one["zoning"] != two["zoning"]:
            continue
        park = next(p for p in PARKS if p.name == one["park"])
        sector = next((s for s in park.leading if one["zoning"] in SECTORS[s][1]), None)
        total = (one.geometry.area + two.geometry.area) / 10_000
        if sector is not None and (best is None or total > best[0]):
            best = (total, one, two, sector)
    assert best is not None, "the demo has no adjacent available plots to merge"
    total, one, two, sector = best
    # above every single plot the sector may use, so only a merged site fits it
    allowed = SECTORS[sector][1].split(";")
    land = pd.concat([vacant, layers["collective_land"].rename(columns={"用地性质": "zoning"})])
    largest = float(land[land["zoning"].isin(allowed)].geometry.area.max()) / 10_000
    low = round(max(largest + 0.2, total - 1.5), 2)
    assert low < total, "the largest merged pair is no larger than a single plot"
    return pd.DataFrame(
        [
            {
                "project_id": "P-122",
                "name": f"{SECTORS[sector][0]}重大产业化项目122（拼合供地）",
                "sector": sector,
                "hightech": "否",
                "major": "是",
                "need": "land",
                "area_min_ha": low,
                "area_max_ha": round(total + 0.5, 2),
                "floor_m2": "",
                "investment": round(total * 15_000),
                "output": round(total * 14_000),
                "tax": round(total * 900),
                "jobs": round(total * 100),
                "rd_spend": round(total * 14_000 * 0.06),
                "supply_modes": "",
                "must_place": "是",
                "park": one["park"],
                "start_year": 2030,
                "locked_parcel": "",
            }
        ]
    )


FIRM_SECTORS = {  # sector -> (names, 亩均税收 median 万元/亩, output per 万元 tax)
    "electronics": (["电子", "精密电子", "光电"], 24.0, 16.0),
    "machinery": (["机械", "装备", "精工"], 18.0, 20.0),
    "medicine": (["医药", "生物", "制药"], 35.0, 9.0),
    "materials": (["新材料", "化工", "建材"], 14.0, 22.0),
    "logistics": (["物流", "仓储", "供应链"], 8.0, 12.0),
    "food": (["食品", "饮料", "包装"], 10.0, 18.0),
    "printing": (["印刷", "纸品", "家具"], 7.0, 20.0),
}


def make_firms(rng: np.random.Generator, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """The firms on land in use and in the standard factories, with a year's figures.

    Tax per mu spreads around the local standard-land threshold (20 万元/亩), lower
    on village compounds; a handful of large plots hold one low-yield firm each.
    """
    col = layers["collective_land"].rename(
        columns={"地块编号": "parcel_id", "状态": "status", "所属园区": "park"}
    )
    sites = pd.concat(
        [
            layers["vacant_plots"].assign(where="state")[
                ["parcel_id", "status", "geometry", "where"]
            ],
            col.assign(where="village")[["parcel_id", "status", "geometry", "where"]],
            layers["standard_factories"].assign(where="factory")[
                ["parcel_id", "status", "geometry", "where"]
            ],
        ]
    )
    sites = sites[sites["status"].isin(["occupied", "已占用"]) | (sites["where"] == "factory")]
    sites = sites.assign(area_ha=sites.geometry.area / 10_000).sort_values("parcel_id")
    large = set(sites[sites["where"] != "factory"].nlargest(5, "area_ha")["parcel_id"])
    names = list(FIRM_SECTORS)
    syllables = "京兴华创瑞丰恒达博远新源天宇金桥安泰宏图永盛嘉禾正通鑫隆海川中科"
    taken: set[str] = set()
    rows = []
    for site in sites.itertuples():
        if site.parcel_id in large:
            count = 1
        elif site.where == "factory":
            count = (
                int(rng.integers(3, 8)) if site.status == "occupied" else int(rng.integers(1, 5))
            )
        else:
            count = int(rng.integers(1, 5)) if site.area_ha > 1.0 else 1
        # factory tenants hold part of the building; the rest is vacant floor space
        held = 1.0 if site.where != "factory" else (0.9 if site.status == "occupied" else 0.45)
        shares = rng.dirichlet(np.ones(count)) * held
        for k in range(count):
            sector = str(rng.choice(names))
            words, tax_mu, per_tax = FIRM_SECTORS[sector]
            centre = tax_mu * (0.45 if site.where == "village" else 1.0)
            # a low-yield firm on a large plot: little tax, much energy, little R&D
            low = site.parcel_id in large
            if low:
                centre = float(rng.uniform(1.5, 4.0))
            mu = site.area_ha * 15 * shares[k]
            tax = mu * float(rng.lognormal(math.log(centre), 0.3 if low else 0.7))
            output = tax * per_tax * float(rng.lognormal(0, 0.25))
            value_added = output * float(rng.uniform(0.18, 0.35))
            per_tce, rd, per_job = (1.0, 0.003, 15) if low else (3.0, 0.012, 38)
            name = ""
            while not name or name in taken:
                trade = "".join(rng.choice(list(syllables), 2, replace=False))
                name = f"北京{trade}{rng.choice(words)}{rng.choice(['有限公司', '科技有限公司'])}"
            taken.add(name)
            rows.append(
                {
                    "parcel_id": site.parcel_id,
                    "firm": name,
                    "sector": sector,
                    "tax": round(tax, 1),
                    "output": round(output, 0),
                    "value_added": round(value_added, 0),
                    "energy_tce": round(value_added / float(rng.lognormal(math.log(per_tce), 0.6))),
                    "jobs": max(3, int(value_added / float(rng.lognormal(math.log(per_job), 0.4)))),
                    "rd_spend": round(output * float(rng.lognormal(math.log(rd), 0.8)), 1),
                    "year": 2024,
                    "land_share": round(float(shares[k]), 3) if site.where == "factory" else "",
                }
            )
    return pd.DataFrame(rows)


def _villages(rng: np.random.Generator, boundary: Polygon, park: Park) -> list[dict]:
    """Two village residential areas just outside the park (for buffer rules)."""
    out = []
    c = boundary.centroid
    for k in range(2):
        theta = rng.uniform(0, 2 * math.pi)
        far = boundary.exterior.distance(c) * 0 + 1.15 * math.sqrt(boundary.area / math.pi)
        px, py = c.x + far * math.cos(theta), c.y + far * math.sin(theta)
        shape = Point(px, py).buffer(rng.uniform(120, 220), quad_segs=3)
        shape = affinity.scale(shape, rng.uniform(0.7, 1.4), 1.0)
        out.append({"name": f"{park.name[:2]}居住区{k + 1}", "geometry": shape})
    return out


def _river(to_xy: Transformer) -> Polygon:
    """A green corridor along a river line through the south-east (ecological red line)."""
    lonlat = [(116.44, 39.672), (116.48, 39.684), (116.505, 39.6905), (116.54, 39.70)]
    line = shapely.LineString([to_xy.transform(x, y) for x, y in lonlat])
    return line.buffer(90, quad_segs=4)


def write_layers(layers: dict[str, gpd.GeoDataFrame], gpkg: Path) -> None:
    if gpkg.exists():
        gpkg.unlink()
    for name, frame in layers.items():
        if name == "collective_land":
            continue
        frame.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    # The way district offices send it: Shapefile, Chinese column names, GBK, no .cpg.
    shp = gpkg.parent / "collective_land.shp"
    layers["collective_land"].to_file(shp, encoding="gbk", engine="pyogrio")
    cpg = shp.with_suffix(".cpg")
    if cpg.exists():
        os.remove(cpg)


def write_tables(rng: np.random.Generator, layers: dict[str, gpd.GeoDataFrame]) -> None:
    SCENARIOS.mkdir(exist_ok=True)
    zoning = pd.DataFrame(
        [{"sector": s, "allowed_zoning": z, "label_zh": zh} for s, (zh, z, _, _) in SECTORS.items()]
    )
    zoning.to_csv(SCENARIOS / "zoning.csv", index=False)
    parks = []
    for park in PARKS:
        parts = [
            f[f["park"] == park.name]
            for f in (layers["standard_factories"], layers["vacant_plots"])
        ]
        col = layers["collective_land"]
        parts.append(
            col[col["所属园区"] == park.name].rename(
                columns={"开发成本": "dev_cost", "用地性质": "zoning"}
            )
        )
        area = sum(float(p.area.sum()) for p in parts) / 10_000
        # Park totals: the parcels' area; the cost adds 5% for roads and green space.
        developable = round(area, 2)
        total = round(developable * park.cost * 1.05, 0)
        # Permitted floor space: factories as built, land by its zoning's plot ratio.
        floor = float(parts[0]["floor_area_m2"].sum()) + sum(
            float((p.area * p["zoning"].map(FAR_BY_ZONING)).sum()) for p in parts[1:]
        )
        parks.append(
            {
                "park": park.name,
                "name_en": park.name_en,
                "total_dev_cost": total,
                "developable_area_ha": developable,
                "floor_area_m2": round(floor, 0),
                "leading_sectors": ";".join(park.leading),
            }
        )
    pd.DataFrame(parks).to_csv(SCENARIOS / "parks.csv", index=False)
    projects = pd.concat(
        [make_projects(rng, layers), renewal_project(layers), merged_project(layers)]
    )
    projects.to_csv(SCENARIOS / "projects-demo.csv", index=False)
    make_firms(np.random.default_rng(FIRM_SEED + 1), layers).to_csv(
        SCENARIOS / "firms-demo.csv", index=False
    )


def make_projects(
    rng: np.random.Generator, layers: dict[str, gpd.GeoDataFrame], n: int = 120
) -> pd.DataFrame:
    """Candidate projects with plausible figures (output per ha around 10,000 万元)."""
    sectors = list(SECTORS)
    shares = np.array([SECTORS[s][2] for s in sectors])
    rows = []
    vacant = layers["vacant_plots"]
    for i in range(1, n + 1):
        sector = str(rng.choice(sectors, p=shares / shares.sum()))
        zh, _, _, floor_share = SECTORS[sector]
        need = "floor" if rng.random() < floor_share else "land"
        hightech = rng.random() < 0.62
        major = need == "land" and rng.random() < 0.14
        productivity = float(rng.lognormal(math.log(10_000 if hightech else 7_000), 0.45))
        row: dict[str, object] = {
            "project_id": f"P-{i:03d}",
            "name": f"{zh}项目{i:03d}",
            "sector": sector,
            "hightech": "是" if hightech else "否",
            "major": "是" if major else "否",
            "need": need,
        }
        if need == "land":
            target = float(
                np.clip(rng.lognormal(math.log(2.4 if not major else 6.0), 0.5), 0.3, 12.0)
            )
            row["area_min_ha"] = round(target * 0.8, 2)
            row["area_max_ha"] = round(target * 1.3, 2)
            land = target
            row["floor_m2"] = ""
        else:
            floor = float(round(rng.uniform(1_500, 14_000), -2))
            row["area_min_ha"] = row["area_max_ha"] = ""
            row["floor_m2"] = floor
            land = floor / 25_000  # a plot ratio of 2.5
        output = land * productivity
        row["investment"] = round(land * float(rng.lognormal(math.log(9_000), 0.3)), 0)
        row["output"] = round(output, 0)
        row["tax"] = round(output * float(rng.uniform(0.035, 0.08)), 0)
        row["jobs"] = int(output / float(rng.lognormal(math.log(48), 0.3)))
        row["rd_spend"] = round(output * float(rng.uniform(0.005, 0.06 if hightech else 0.02)), 0)
        row["supply_modes"] = str(
            rng.choice(
                ["", "", "", "lease;flexible", "transfer", "lease;equity;joint", "lease;split_sale"]
            )
        )
        if need == "floor" and row["supply_modes"] in ("transfer", "lease;equity;joint"):
            row["supply_modes"] = "lease"
        row["must_place"] = "是" if major and rng.random() < 0.55 else ""
        row["park"] = ""
        row["start_year"] = int(rng.choice([2025, 2026, 2026, 2027]))
        row["locked_parcel"] = ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    # Must-place only where at least three available parcels fit (a demo that runs).
    col = layers["collective_land"].rename(columns={"用地性质": "zoning", "状态": "status"})
    land = pd.concat(
        [vacant[["zoning", "status", "geometry"]], col[["zoning", "status", "geometry"]]]
    )
    land = land[land["status"].isin(["available", "可用"])]
    area = land.geometry.area.to_numpy() / 10_000
    for idx in frame.index[frame["must_place"] == "是"]:
        allowed = SECTORS[frame.loc[idx, "sector"]][1].split(";")
        fits = (
            land["zoning"].isin(allowed).to_numpy()
            & (area >= frame.loc[idx, "area_min_ha"])
            & (area <= frame.loc[idx, "area_max_ha"])
        )
        if fits.sum() < 3:
            frame.loc[idx, "must_place"] = ""
    # Two projects already promised a site: the largest available standard-land plots.
    std = vacant[vacant["standard_land"] & (vacant["status"] == "available")]
    std = std.assign(area=std.area / 10_000).sort_values("area", ascending=False)
    for k, (_, parcel) in enumerate(std.head(2).iterrows()):
        mask = (frame["need"] == "land") & frame["sector"].map(
            lambda s, z=parcel["zoning"]: z in SECTORS[s][1].split(";")
        )
        if not mask.any():
            continue
        idx = frame.index[mask][k]
        frame.loc[idx, "locked_parcel"] = parcel["parcel_id"]
        frame.loc[idx, ["area_min_ha", "area_max_ha"]] = [
            round(parcel["area"] * 0.8, 2),
            round(parcel["area"] * 1.2, 2),
        ]
        frame.loc[idx, "supply_modes"] = ""
        frame.loc[idx, "start_year"] = 2026
    # A third of the projects state a preferred park: mostly one positioned for
    # their sector (a sponsor looks for its cluster), sometimes another.
    extra = np.random.default_rng(EXTRA_SEED)
    frame["park"] = ""
    for idx in frame.index[extra.random(len(frame)) < 0.35]:
        fitting = [p.name for p in PARKS if frame.loc[idx, "sector"] in p.leading]
        names = fitting if fitting and extra.random() < 0.75 else [p.name for p in PARKS]
        frame.loc[idx, "park"] = str(extra.choice(names))
    return frame


if __name__ == "__main__":
    main()
