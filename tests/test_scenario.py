"""Scenario files: typed values, defaults written once, every bad key reported."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from landplan.cli import main
from landplan.constants import DAXING_2025
from landplan.domain import Bearer, Kind, Method, SolverName
from landplan.errors import InputError
from landplan.scenario import CostShare, Objective, SolverOptions, load_scenario
from tests.conftest import Builder

CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "cap ratio out of range": (
        {"extra": {"costshare": {"cap_ratio": 1.4}}},
        ["scenario.yaml", "costshare.cap_ratio must be in (0, 1], got 1.4"],
    ),
    "unknown scenario key": (
        {"extra": {"objetive": {}}},
        ["scenario.yaml", "objetive", "not a known key"],
    ),
    "unknown kind": (
        {"layers": [{"path": "parcels.gpkg", "layer": "land", "kind": "farm"}]},
        ["scenario.yaml", "layers[0].kind", "factory, vacant, collective", "'farm'"],
    ),
    "geographic scenario crs": (
        {"extra": {"crs": "EPSG:4490"}},
        ["scenario.yaml", "crs", "projected"],
    ),
    "unknown method": (
        {"extra": {"costshare": {"method": "volume"}}},
        ["costshare.method must be one of area, actual, floor, got 'volume'"],
    ),
    "threads not whole": (
        {"extra": {"solver": {"threads": 1.5}}},
        ["solver.threads must be a whole number, got 1.5"],
    ),
    "threads below one": (
        {"extra": {"solver": {"threads": 0}}},
        ["solver.threads must be in [1, inf], got 0"],
    ),
    "weight not a number": (
        {"extra": {"objective": {"tax": "five"}}},
        ["objective.tax must be a number, got 'five'"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_keys_name_the_path_and_the_value(
    case: str, make_scenario: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    kwargs, expected = CASES[case]
    assert main(["validate", str(make_scenario(**kwargs))]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert any(all(t in line for t in expected) for line in err.splitlines()), err


def test_every_bad_key_in_one_pass(make_scenario: Builder) -> None:
    path = make_scenario(extra={"costshare": {"cap_ratio": 2, "budget": -1}, "solver": {"gap": 3}})
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    fields = sorted(p.field or "" for p in caught.value.problems)
    assert fields == ["costshare.budget", "costshare.cap_ratio", "solver.gap"]


def test_defaults_are_the_dataclass_defaults(make_scenario: Builder) -> None:
    scenario = load_scenario(make_scenario())
    for section in (Objective, CostShare, SolverOptions):
        name = {Objective: "objective", CostShare: "costshare", SolverOptions: "solver"}[section]
        for spec in dataclasses.fields(section):
            assert getattr(getattr(scenario, name), spec.name) == spec.default
    assert (
        scenario.costshare.method is Method.AREA and scenario.costshare.shortfall is Bearer.SUBSIDY
    )
    assert scenario.layers[0].kind is Kind.VACANT


def test_overrides_and_plain_data(make_scenario: Builder) -> None:
    scenario = load_scenario(
        make_scenario(), overrides={"costshare.cap_ratio": 0.6, "solver.name": "highs"}
    )
    assert scenario.costshare.cap_ratio == 0.6 and scenario.solver.name is SolverName.HIGHS
    data = yaml.safe_load(yaml.safe_dump(scenario.to_dict(), allow_unicode=True))
    assert data["costshare"] == {"method": "area", "cap_ratio": 0.6, "shortfall": "subsidy"}
    assert data["solver"]["name"] == "highs" and data["layers"][0]["kind"] == "vacant"


def test_tables_may_name_an_excel_sheet(make_scenario: Builder) -> None:
    path = make_scenario(extra={"projects": {"path": "projects.csv", "sheet": "项目"}})
    assert load_scenario(path).projects.sheet == "项目"


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: scenario file not found" in capsys.readouterr().err


def test_broken_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "s.yaml: not valid YAML" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"plan": {"indicators": {"gdp": {"target": 1}}}}, "plan.indicators.gdp is not a known"),
        ({"plan": {"indicators": {"output_per_ha": 5}}}, "must be {baseline, target}"),
        ({"plan": {"indicators": {"output_per_ha": {"goal": 5}}}}, "goal is not a known key"),
        ({"plan": {"baseline_year": 2026, "target_year": 2025}}, "must come after plan.baseline"),
        ({"output": {"csv_encoding": "latin-1"}}, "output.csv_encoding must be one of"),
        ({"policy": {"budget_step": -5}}, "policy.budget_step must be in"),
        ({"policy": {"place_all": "maybe"}}, "policy.place_all must be"),
    ],
)
def test_bad_plan_output_and_policy_keys(
    make_scenario: Builder, capsys: pytest.CaptureFixture[str], extra: Any, expected: str
) -> None:
    assert main(["validate", str(make_scenario(extra=extra))]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_the_plan_table_comes_from_the_scenario(make_scenario: Builder, tmp_path: Path) -> None:
    """A 2026-2030 plan with its own title, issuer and two rows changed, one removed;
    the rest is the 2025 table. summary.json measures the plan against them."""
    plan = {
        "title": "大兴区2026—2030年产业用地计划",
        "issuer": "大兴区规划和自然资源分局",
        "baseline_year": 2025,
        "target_year": 2030,
        "indicators": {
            "output_per_ha": {"baseline": 900, "target": 500},
            "labour_productivity": {"target": 200},
            "rd_intensity": None,
        },
    }
    path = make_scenario(extra={"plan": plan, "output": {"csv_encoding": "gb18030"}})
    scenario = load_scenario(path)
    assert scenario.plan.title == plan["title"] and scenario.plan.target_year == 2030
    assert "rd_intensity" not in scenario.plan.indicators
    assert set(scenario.plan.indicators) == set(DAXING_2025) - {"rd_intensity"}
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "-q"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["plan"] == {
        "title": plan["title"],
        "issuer": plan["issuer"],
        "baseline_year": 2025,
        "target_year": 2030,
    }
    # P1: 1,000 万元 of output on 1 ha by 10 people
    targets = summary["plan_targets"]
    assert targets["output_per_ha"] == {
        "unit": "万元/ha",
        "baseline": 900,
        "target": 500,
        "plan": pytest.approx(1000),
        "met": True,
    }
    labour = targets["labour_productivity"]
    assert labour["baseline"] is None and labour["plan"] == pytest.approx(100)
    assert labour["met"] is False
    assert "rd_intensity" not in targets
    # GB18030 asked for: the CSVs for people are written in it
    raw = (tmp_path / "o" / "allocation.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("gb18030")
