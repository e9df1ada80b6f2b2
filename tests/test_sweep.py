"""Sweeps on a process pool and on a real Dask cluster; comparing two runs."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from landplan.cli import main
from landplan.errors import InputError
from landplan.messages import label
from landplan.scenario import load_scenario
from landplan.sweep import grid, parse_sets, run_point, sweep
from tests.browser import Page, a4_landscape
from tests.conftest import DEMO, Builder, build_scenario, land_row, project_row
from tests.scenarios import LocationOracle, random_scenario


def test_parse_sets_and_grid() -> None:
    sets = parse_sets(["costshare.cap_ratio=0.6,0.7", "costshare.budget=null,100"])
    assert sets == {"costshare.cap_ratio": [0.6, 0.7], "costshare.budget": [None, 100]}
    assert len(grid(sets)) == 4
    with pytest.raises(InputError, match="expected KEY=V1,V2"):
        parse_sets(["cap_ratio"])


def _budget_scenario(make_scenario: Builder) -> Path:
    # One must-place high-tech project needing 300 万元 of subsidy (1 ha at 1,000 万元/ha, cap 0.7)
    return make_scenario(
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[project_row("P1", hightech="true", must_place="true"), project_row("P2")],
    )


def test_a_failing_point_does_not_sink_the_sweep(make_scenario: Builder, tmp_path: Path) -> None:
    path = _budget_scenario(make_scenario)
    table = sweep(path, {"costshare.budget": [100, 1000]}, tmp_path / "sw", workers=2)
    by_budget = table.set_index("costshare.budget")
    assert by_budget.loc[100, "status"] == "failed"
    assert "needs at least 300 万元 of subsidy" in by_budget.loc[100, "reason"]
    assert "至少需区级补贴300万元" in by_budget.loc[100, "reason_zh"]
    assert by_budget.loc[1000, "reason_zh"] == ""
    assert by_budget.loc[1000, "status"] == "optimal"
    assert by_budget.loc[1000, "subsidy"] == pytest.approx(300)
    assert by_budget.loc[1000, "placed"] == 2
    written = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert len(written) == 2
    assert not written.isna().all().any()  # no column left empty for every point
    # each point's plan, for the points that have one, numbered as in sweep.csv
    ok = int(written.loc[written["status"] == "optimal", "point"].iloc[0])
    failed = int(written.loc[written["status"] == "failed", "point"].iloc[0])
    plan = pd.read_csv(tmp_path / "sw" / "points" / str(ok) / "allocation.csv")
    assert sorted(plan.loc[plan["status"] == "placed", "project_id"]) == ["P1", "P2"]
    assert not (tmp_path / "sw" / "points" / str(failed)).exists()
    page = (tmp_path / "sw" / "sweep.html").read_text(encoding="utf-8")
    assert "1个点（共2个）运行失败" in page and "data:image/png;base64," in page
    assert by_budget.loc[100, "reason_zh"] in page  # the page in Chinese says why in Chinese
    assert "needs at least" not in page


def test_bad_set_key_is_an_input_error_before_any_run(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _budget_scenario(make_scenario)
    code = main(
        ["sweep", str(path), "--set", "costshare.cap_ratio=0.5,1.5", "--out", str(tmp_path / "o")]
    )
    assert code == 2
    assert "costshare.cap_ratio must be in (0, 1], got 1.5" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_demo_sweep_of_the_cap_moves_the_subsidy(tmp_path: Path) -> None:
    table = sweep(
        DEMO,
        {"costshare.cap_ratio": [0.6, 1.0], "costshare.budget": [None]},
        tmp_path / "sw",
        workers=2,
    )
    by_cap = table.set_index("costshare.cap_ratio")
    assert (table["status"] == "optimal").all()
    # no budget: the same plan both times; the fund pays (1 - cap) of the high-tech base share
    assert by_cap.loc[1.0, "subsidy"] == 0
    assert by_cap.loc[0.6, "subsidy"] > 0
    assert by_cap.loc[0.6, "hightech_placed"] == by_cap.loc[1.0, "hightech_placed"]


@pytest.mark.cluster
@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::ResourceWarning", "ignore::UserWarning"
)
def test_sweep_on_a_real_dask_scheduler(make_scenario: Builder, tmp_path: Path) -> None:
    from distributed import LocalCluster

    path = _budget_scenario(make_scenario)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        table = sweep(
            path,
            {"costshare.budget": [100, 1000]},
            tmp_path / "sw",
            scheduler=cluster.scheduler_address,
        )
    assert table.set_index("costshare.budget")["status"].to_dict() == {
        100: "failed",
        1000: "optimal",
    }


@pytest.mark.cluster
def test_unreachable_scheduler_is_a_clear_error(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _budget_scenario(make_scenario)
    code = main(
        [
            "sweep",
            str(path),
            "--set",
            "costshare.budget=1000",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "cannot reach tcp://127.0.0.1:9" in capsys.readouterr().err


def test_a_sweep_where_every_point_fails_still_writes_its_files(
    make_scenario: Builder, tmp_path: Path
) -> None:
    path = _budget_scenario(make_scenario)
    table = sweep(path, {"costshare.budget": [10, 100]}, tmp_path / "sw", workers=1)
    assert list(table["status"]) == ["failed", "failed"]
    page = (tmp_path / "sw" / "sweep.html").read_text(encoding="utf-8")
    assert "2个点（共2个）运行失败" in page


def test_later_points_start_from_the_previous_plan(make_scenario: Builder, tmp_path: Path) -> None:
    path = _budget_scenario(make_scenario)
    table = sweep(path, {"costshare.cap_ratio": [0.6, 0.7, 0.8]}, tmp_path / "sw", workers=1)
    # one worker: the first point starts cold, the others from the plan before
    assert list(table["warm_start"]) == [False, True, True]
    # and a warm start changes nothing about the answer: 1 ha at 1,000 万元/ha
    assert list(table["subsidy"]) == pytest.approx([400, 300, 200])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sweep_page_in_a_browser(
    browser: Any, make_scenario: Builder, tmp_path: Path, lang: str
) -> None:
    """Offline; settings and figures in words, with separators; a bar chart for a
    named setting; who pays; every point links to its own plan."""
    path = _budget_scenario(make_scenario)
    out = tmp_path / "sw"
    args = ["sweep", str(path), "--set", "costshare.cap_ratio=0.6,0.8", "--out", str(out)]
    args += ["--set", "costshare.shortfall=subsidy,spread", "--lang", lang, "-q"]
    assert main(args) == 0
    page = Page(browser, out / "sweep.html")
    try:
        assert page.requests == [] and page.errors == []
        body = page.page.inner_text("body")
        for key in ("sweep.who_pays", "setting.costshare.cap_ratio", "value.spread"):
            assert label(key, lang) in body
        assert "costshare.shortfall" not in body  # the key in words, not its name
        assert page.js("() => document.images.length") == 3  # two settings, who pays
        assert page.js("() => Array.from(document.images).every(i => i.naturalWidth > 0)")
        links = page.js("() => Array.from(document.links).map(a => a.getAttribute('href'))")
        assert links == [f"points/{k}/allocation.csv" for k in range(4)]
        assert all((out / link).exists() for link in links)
        # the table fits the page or scrolls inside its own box, never the page
        assert page.js("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.shot(f"sweep-{lang}.png")
        sizes = page.pdf(tmp_path / "sweep.pdf")
        assert sizes and all(a4_landscape(size) for size in sizes)
    finally:
        page.close()


def test_a_point_that_finishes_on_the_earlier_plan_is_within_its_gap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Points in one process, each starting from the plan before it: where the LP
    bound proves that plan within the gap no MIP runs, and the point's plan is still
    within the gap of its own optimum (enumerated), its stated gap no wider."""
    rng = np.random.default_rng(2705)
    settled = points = 0
    for k in range(12):
        (tmp_path / str(k)).mkdir()
        path = random_scenario(
            rng, functools.partial(build_scenario, tmp_path / str(k)), location=True
        )
        for cap in (0.5, 0.6, 0.7, 0.8):
            fixed = {"solver.gap": 0.05}
            with caplog.at_level(logging.INFO, logger="landplan.engine"):
                caplog.clear()
                row = run_point(str(path), {"costshare.cap_ratio": cap}, fixed)
            if row["status"] == "failed":
                continue
            scenario = load_scenario(path, {**fixed, "costshare.cap_ratio": cap})
            best = LocationOracle(scenario).best()
            assert best is not None
            assert row["gap"] <= 0.05 + 1e-9
            assert row["objective"] <= best + 1e-3
            assert row["objective"] >= best - 0.05 * abs(best) - 1e-3
            settled += "within the gap of the LP bound" in caplog.text
            points += 1
    assert points >= 30 and settled >= 5, (points, settled)
