"""亩均 evaluation and renewal land: hand-worked scores, renewal decisions, the
reference optimum with renewal parcels, bad firm tables, sweeps over renewal keys."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from landplan.cli import main
from landplan.firm_evaluation import evaluate
from landplan.inputs import load_inputs
from landplan.run import compute
from landplan.scenario import load_scenario
from landplan.sweep import run_point
from tests.conftest import Builder, land_row, plot, project_row
from tests.oracle import brute_force, eligible

# value = output − what renewal costs; no subsidy, no bonuses
PLAIN = {"output": 1, "tax": 0, "jobs": 0, "hightech": 0, "major": 0, "subsidy": 1}


def firm(parcel: str, name: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "parcel_id": parcel,
        "firm": name,
        "sector": "machinery",
        "tax": 10,
        "output": 100,
        "value_added": 30,
        "energy_tce": 10,
        "jobs": 2,
        "rd_spend": 1,
        "year": 2024,
        "land_share": "",
    }
    row.update(kw)
    return row


def with_firms(make_scenario: Builder, firms: list[dict[str, Any]], **kw: Any) -> Path:
    path = make_scenario(**kw)
    pd.DataFrame(firms).to_csv(path.parent / "firms.csv", index=False)
    return path


def renewal_scenario(
    make_scenario: Builder,
    firms: list[dict[str, Any]],
    evaluation: dict[str, Any],
    renewal: dict[str, Any],
    **kw: Any,
) -> Path:
    """A scenario with firms, their evaluation and renewal, valued output − charge."""
    extra = {"firms": "firms.csv", "evaluation": evaluation, "renewal": renewal}
    return with_firms(make_scenario, firms, extra={**extra, "objective": PLAIN}, **kw)


def test_indicators_scores_and_tiers_by_hand(make_scenario: Builder) -> None:
    # L1 is 1 ha (15 mu), shared 0.6 / the rest; L2 is 2 ha (30 mu), one firm.
    land = [
        land_row("L1", 0, status="occupied"),
        land_row("L2", 1, status="occupied", geometry=plot(1, 200, 100)),
    ]
    firms = [
        firm("L1", "f1", tax=90, output=900, value_added=300, energy_tce=100, jobs=10, rd_spend=18,
             land_share=0.6),
        firm("L1", "f2", tax=12, output=300),
        firm("L2", "f3", tax=300, output=6000),
    ]  # fmt: skip
    evaluation = {
        "indicators": {
            "tax_per_mu": {"weight": 0.5, "benchmark": 10},
            "output_per_mu": {"weight": 0.5, "benchmark": "median"},
        },
        "cap": 1.5,
        "tiers": {"A": 100, "B": 80, "C": 60},
    }
    path = with_firms(
        make_scenario, firms, land=land, extra={"firms": "firms.csv", "evaluation": evaluation}
    )
    result = evaluate(load_inputs(load_scenario(path)))
    assert result is not None
    f = result.firms.set_index("firm")
    # f1: 9 mu; f2: the rest of L1, 6 mu; f3: 30 mu
    assert f.loc[["f1", "f2", "f3"], "land_mu"].tolist() == pytest.approx([9, 6, 30])
    assert f.loc["f1", "tax_per_mu"] == pytest.approx(10)
    assert f.loc["f1", "value_added_per_mu"] == pytest.approx(300 / 9)
    assert f.loc["f1", "value_added_per_energy"] == pytest.approx(3)
    assert f.loc["f1", "rd_intensity"] == pytest.approx(0.02)
    assert f.loc["f1", "labour_productivity"] == pytest.approx(30)
    # output per mu 100, 50, 200: the median benchmark is 100
    assert result.benchmarks == pytest.approx({"tax_per_mu": 10, "output_per_mu": 100})
    # f1 100·(.5·1 + .5·1); f2 100·(.5·.2 + .5·.5); f3 100·(.5·1 + .5·min(2, 1.5))
    assert f.loc[["f1", "f2", "f3"], "score"].tolist() == pytest.approx([100, 35, 125])
    assert f.loc[["f1", "f2", "f3"], "tier"].tolist() == ["A", "D", "A"]
    parcels = result.parcels.set_index("parcel_id")
    assert parcels.loc["L1", "score"] == pytest.approx(0.6 * 100 + 0.4 * 35)  # 74: C
    assert parcels.loc["L1", "tier"] == "C"
    assert parcels.loc["L1", "worst"] == "D"


def test_blank_figure_scores_zero_and_is_named(make_scenario: Builder) -> None:
    land = [land_row("L1", 0, status="occupied"), land_row("L2", 1, status="occupied")]
    firms = [firm("L1", "a", energy_tce=""), firm("L2", "b", value_added=60, energy_tce=10)]
    evaluation = {"indicators": {"value_added_per_energy": {"weight": 1, "benchmark": 3}}}
    path = with_firms(
        make_scenario, firms, land=land, extra={"firms": "firms.csv", "evaluation": evaluation}
    )
    result = evaluate(load_inputs(load_scenario(path)))
    assert result is not None
    f = result.firms.set_index("firm")
    assert f.loc["a", "score"] == 0 and f.loc["a", "missing"] == "value_added_per_energy"
    assert f.loc["b", "score"] == pytest.approx(150)  # 6 per tce / 3, capped at 1.5


def _renewal_case(make_scenario: Builder, **renewal: Any) -> Path:
    """L1 (1 ha, occupied by one low-yield firm) is the only parcel P1 fits;
    L2 (3 ha, available) fits nobody."""
    land = [
        land_row("L1", 0, status="occupied", available_year=2024),
        land_row("L2", 1, geometry=plot(1, 300, 100)),
    ]
    firms = [firm("L1", "low", tax=1, output=100), firm("L2", "other", tax=500, output=9000)]
    projects = [project_row("P1", area_min_ha=0.9, area_max_ha=1.1, output=1000, start_year=2027)]
    evaluation = {"indicators": {"tax_per_mu": {"weight": 1, "benchmark": 10}}}
    renewal = {"tiers": ["D"], "lost_yield_weight": 1.0, **renewal}
    return renewal_scenario(make_scenario, firms, evaluation, renewal, land=land, projects=projects)


def test_renewal_land_is_recovered_where_it_pays(make_scenario: Builder) -> None:
    # 1000 output against 300 万元/ha × 1 ha + the firm's 100 output: worth 600
    result = compute(load_scenario(_renewal_case(make_scenario, cost_per_ha=300)))
    placed = result.allocation.placed.set_index("project_id")
    assert placed.loc["P1", "parcel_id"] == "L1"
    assert placed.loc["P1", "v_renewal"] == pytest.approx(-400)
    assert result.allocation.objective == pytest.approx(600, abs=0.01)


def test_renewal_land_is_left_where_it_does_not_pay(make_scenario: Builder) -> None:
    # 1000 output against 1000 + 100: placing P1 would lose 100
    result = compute(load_scenario(_renewal_case(make_scenario, cost_per_ha=1000)))
    assert result.allocation.placed.empty
    outcome = result.outcome.set_index("project_id")
    assert outcome.loc["P1", "reason"] == "not worth placing"


def test_renewal_follows_its_year_tiers_and_cost_column(make_scenario: Builder) -> None:
    late = compute(load_scenario(_renewal_case(make_scenario, available_year=2028)))
    assert late.allocation.placed.empty  # P1 starts in 2027
    assert late.outcome.set_index("project_id").loc["P1", "reason"] == "no eligible parcel"
    other = compute(load_scenario(_renewal_case(make_scenario, tiers=["C"])))
    assert other.allocation.placed.empty  # the firm is in D, only C is offered
    path = _renewal_case(make_scenario, cost_column="compensation")
    frame = pd.read_csv(path.parent / "firms.csv").assign(compensation=[250, 0])
    frame.to_csv(path.parent / "firms.csv", index=False)
    by_column = compute(load_scenario(path))
    placed = by_column.allocation.placed.set_index("project_id")
    assert placed.loc["P1", "v_renewal"] == pytest.approx(-(250 + 100))


def test_a_parcel_is_renewal_land_only_when_every_firm_is_in_the_tiers(
    make_scenario: Builder,
) -> None:
    path = _renewal_case(make_scenario, cost_per_ha=300)
    frame = pd.read_csv(path.parent / "firms.csv")
    good = firm("L1", "good", tax=500, output=100, land_share=0.5)
    frame = pd.concat([frame, pd.DataFrame([good])])
    frame.to_csv(path.parent / "firms.csv", index=False)
    result = compute(load_scenario(path))
    assert result.allocation.placed.empty
    assert result.priced.evaluation is not None
    assert result.priced.evaluation.supply.empty


def _random_renewal(rng: np.random.Generator, make_scenario: Builder) -> Path:
    """4–7 plots, some in use by 1–2 firms of random yield; 2–5 land projects."""
    land, firms = [], []
    for i in range(int(rng.integers(4, 8))):
        w = float(rng.choice([60, 100, 140]))
        in_use = rng.random() < 0.5
        land.append(
            land_row(
                f"L{i}",
                i,
                geometry=plot(i, w, 100),
                status="occupied" if in_use else str(rng.choice(["available", "reserved"])),
                available_year=int(rng.choice([2024, 2026, 2028])),
                zoning=str(rng.choice(["M1", "M4"])),
            )
        )
        if in_use:
            for k in range(int(rng.integers(1, 3))):
                firms.append(
                    firm(
                        f"L{i}",
                        f"F{i}-{k}",
                        tax=float(rng.integers(1, 40)),
                        output=float(rng.integers(50, 600)),
                    )
                )
    projects = [
        project_row(
            f"P{k}",
            sector=str(rng.choice(["bio", "it"])),
            area_min_ha=(lo := float(rng.choice([0.4, 0.8, 1.2]))),
            area_max_ha=lo + float(rng.choice([0.3, 1.0])),
            output=int(rng.integers(100, 2000)),
            start_year=int(rng.choice([2025, 2027])),
        )
        for k in range(int(rng.integers(2, 6)))
    ]
    renewal = {
        "tiers": [str(t) for t in rng.choice(["C", "D"], size=int(rng.integers(1, 3)))],
        "cost_per_ha": float(rng.choice([0, 200, 600])),
        "available_year": int(rng.choice([2025, 2027])),
        "lost_yield_weight": float(rng.choice([0.5, 1.0])),
    }
    evaluation = {
        "indicators": {"tax_per_mu": {"weight": 1, "benchmark": 20}},
        "cap": 1.5,
        "tiers": {"A": 100, "B": 80, "C": 50},
    }
    return renewal_scenario(make_scenario, firms, evaluation, renewal, land=land, projects=projects)


def _oracle(path: Path) -> float | None:
    """The best plan by enumeration, with renewal land and its charge written out
    from the contract (tiers by tax per mu against 20, thresholds C ≥ 50)."""
    scenario = load_scenario(path)
    renewal = scenario.renewal
    assert renewal is not None
    inputs = load_inputs(scenario)  # reads the files; no landplan rule is used below
    firms = pd.read_csv(path.parent / "firms.csv")
    parcels = inputs.parcels.to_dict("records")
    area = {j["parcel_id"]: j["area_ha"] for j in parcels}
    tiers: dict[str, set[str]] = {}
    charge: dict[str, float] = {}
    for row in firms.itertuples():
        count = int((firms["parcel_id"] == row.parcel_id).sum())
        mu = area[row.parcel_id] * 15 / count
        score = 100 * min(row.tax / mu / 20, 1.5)
        tier = "A" if score >= 100 else "B" if score >= 80 else "C" if score >= 50 else "D"
        tiers.setdefault(row.parcel_id, set()).add(tier)
        charge[row.parcel_id] = charge.get(row.parcel_id, 0.0) + renewal.lost_yield_weight * (
            row.output
        )
    zoning = {k: set(v) for k, v in inputs.tables.zoning.items()}
    options: dict[str, list[tuple[str, float, float]]] = {}
    for p in inputs.tables.projects.to_dict("records"):
        options[p["project_id"]] = []
        for j in parcels:
            value = float(p["output"])
            j = dict(j)
            if j["status"] == "occupied" and tiers.get(j["parcel_id"], {"A"}) <= set(renewal.tiers):
                j["status"] = "available"
                j["available_year"] = max(j["available_year"], renewal.available_year or 0)
                value -= renewal.cost_per_ha * j["area_ha"] + charge[j["parcel_id"]]
            if eligible(p, j, zoning, {}):
                options[p["project_id"]].append((j["parcel_id"], value, 0.0))
    return brute_force(options, set(), set(area), {}, {}, None)


@pytest.mark.parametrize("seed", range(14))
def test_reference_optimum_with_renewal_land(seed: int, make_scenario: Builder) -> None:
    path = _random_renewal(np.random.default_rng(900 + seed), make_scenario)
    best = _oracle(path)
    result = compute(load_scenario(path))
    assert best is not None
    got = result.allocation.objective
    assert math.isclose(got, best, rel_tol=1e-6, abs_tol=0.01), (got, best)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([firm("NOPE", "a")], "parcel_id 'NOPE' is not in any parcel layer"),
        ([firm("L1", "a"), firm("L1", "a")], "firm is listed 2 times on parcel 'L1'"),
        ([firm("L1", "a"), firm("L2", "a")], "firm is listed on 2 parcels: L1, L2"),
        ([firm("L1", "a", tax="很多")], "field tax: is not a number, got '很多'"),
        ([firm("L1", "a", output="")], "field output: required value is empty"),
        (
            [firm("L1", "a", land_share=0.7), firm("L1", "b", land_share=0.6)],
            "the land_share of the firms on parcel 'L1' adds up to 1.3",
        ),
    ],
)
def test_bad_firm_tables_get_clear_errors(
    rows: list[dict[str, Any]],
    expected: str,
    make_scenario: Builder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    land = [land_row("L1", 0, status="occupied"), land_row("L2", 1, status="occupied")]
    path = with_firms(
        make_scenario, rows, land=land, extra={"firms": "firms.csv", "evaluation": {}}
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "firms.csv" in err and "Traceback" not in err


def test_evaluation_needs_firms_and_a_usable_median(
    make_scenario: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_scenario(extra={"renewal": {"tiers": ["D"]}})
    assert main(["validate", str(path)]) == 2
    assert "firms is required by evaluation: and renewal:" in capsys.readouterr().err
    land = [land_row("L1", 0, status="occupied"), land_row("L2", 1, status="occupied")]
    rows = [firm("L1", "a", rd_spend=0), firm("L2", "b", rd_spend=0)]
    path = with_firms(
        make_scenario,
        rows,
        land=land,
        extra={"firms": "firms.csv", "evaluation": {"indicators": {"rd_intensity": 1}}},
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "evaluation.indicators.rd_intensity.benchmark" in err and "median" in err


def test_evaluate_command_writes_csv_and_workbook(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    land = [land_row("L1", 0, status="occupied"), land_row("L2", 1, status="occupied")]
    rows = [firm("L1", "甲公司"), firm("L2", "乙公司", tax=1)]
    path = with_firms(make_scenario, rows, land=land, extra={"firms": "firms.csv"})
    out = tmp_path / "ev"
    assert main(["evaluate", str(path), "--out", str(out)]) == 0
    table = pd.read_csv(out / "evaluation.csv")
    assert set(table["firm"]) == {"甲公司", "乙公司"} and table["firm"].is_unique
    assert {"firm", "parcel_id", "tax_per_mu", "score", "tier"} <= set(table.columns)
    sheets = pd.read_excel(out / "evaluation.xlsx", sheet_name=None)
    assert list(sheets) == ["企业亩均评价", "园区分档汇总"]
    assert "2 firms evaluated" in capsys.readouterr().out


def test_renewal_keys_are_sweepable(make_scenario: Builder) -> None:
    path = str(_renewal_case(make_scenario, cost_per_ha=300))
    on = run_point(path, {"renewal.tiers": "D"})
    off = run_point(path, {"renewal.tiers": []})
    dear = run_point(path, {"renewal.cost_per_ha": 1000})
    assert (on["renewal_parcels"], off["renewal_parcels"], dear["renewal_parcels"]) == (1, 0, 0)
    assert on["placed"] == 1 and off["placed"] == 0 and dear["placed"] == 0


def test_demo_outputs_evaluation_and_renewal(demo_out: Path) -> None:
    table = pd.read_csv(demo_out / "evaluation.csv", keep_default_na=False)
    assert len(table) > 200 and table["firm"].is_unique
    assert set(table["tier"]) == {"A", "B", "C", "D"}
    recovered = table[table["recovered"].astype(str) == "True"]
    assert set(recovered["for_project"]) == {"P-121"}
    allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
    p121 = allocation.set_index("project_id").loc["P-121"]
    assert p121["parcel_id"] == recovered["parcel_id"].iloc[0] and float(p121["v_renewal"]) < 0
    report = (demo_out / "report.html").read_text(encoding="utf-8")
    assert "腾笼换鸟" in report and "P-121" in report and "C、D类企业用地" in report
    page = (demo_out / "map.html").read_text(encoding="utf-8")
    assert "企业亩均评价分档" in page and recovered["firm"].iloc[0] in page
