"""Cost shares against numbers worked out by hand, and the identity as a property."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landplan.costshare import park_average_cost, share_costs
from landplan.scenario import CostShare

# Park A: 10,000 万元 over 10 ha = 1,000 万元/ha. Park B: 500 万元/ha.
AVG = pd.Series({"A": 1000.0, "B": 500.0})
PLACED = pd.DataFrame(
    {
        "project_id": ["H1", "H2", "N1", "N2", "HB"],
        "parcel_id": ["J1", "J2", "J3", "J4", "J5"],
        "park": ["A", "A", "A", "A", "B"],
        "hightech": [True, True, False, False, True],
        "land_ha": [2.0, 1.0, 3.0, 1.0, 2.0],
        "parcel_area_ha": [2.0, 1.0, 3.0, 1.0, 2.0],
        "parcel_dev_cost": [3000.0, np.nan, 2400.0, 1500.0, np.nan],
        # permitted floor space each pair takes (method floor), m²: H1 2 ha at plot
        # ratio 1.5; N2 a 5,000 m² tenant; NaN where the parcel gives no plot ratio
        "floor_used_m2": [30_000.0, np.nan, 20_000.0, 5_000.0, np.nan],
    }
)
# Method floor: park A charges 0.1 万元/m² of permitted floor space (1,000 万元/ha
# at a mean plot ratio of 1.0); park B 0.04.
FLOOR_RATE = pd.Series({"A": 0.1, "B": 0.04})
PLACED["park_avg_cost"] = PLACED["park"].map(AVG)
PLACED["floor_rate"] = PLACED["park"].map(FLOOR_RATE)


def shares(**kw: object) -> pd.DataFrame:
    return share_costs(PLACED, CostShare(**kw)).set_index("project_id")  # type: ignore[arg-type]


def test_area_method_with_subsidy() -> None:
    s = shares(method="area", shortfall="subsidy")
    # base = avg × land; cap = 0.7 × avg × land; shortfall = 0.3 × avg × land (high-tech)
    assert s["base_share"].to_dict() == {"H1": 2000, "H2": 1000, "N1": 3000, "N2": 1000, "HB": 1000}
    assert s["share"].to_dict() == pytest.approx(
        {"H1": 1400, "H2": 700, "N1": 3000, "N2": 1000, "HB": 700}
    )
    assert s["subsidy"].to_dict() == pytest.approx(
        {"H1": 600, "H2": 300, "N1": 0, "N2": 0, "HB": 300}
    )


def test_area_method_spread_over_other_users_of_the_park() -> None:
    s = shares(method="area", shortfall="spread")
    # park A's shortfall 900 borne by N1 and N2 in proportion 3000:1000 -> 675 and 225;
    # park B has no one else, so the fund pays its 300
    assert s["spread_burden"].to_dict() == pytest.approx(
        {"H1": 0, "H2": 0, "N1": 675, "N2": 225, "HB": 0}
    )
    assert s["share"].to_dict() == pytest.approx(
        {"H1": 1400, "H2": 700, "N1": 3675, "N2": 1225, "HB": 700}
    )
    assert s["subsidy"].to_dict() == pytest.approx({"H1": 0, "H2": 0, "N1": 0, "N2": 0, "HB": 300})


def test_spread_ceiling_sends_the_rest_to_the_fund() -> None:
    s = shares(method="area", shortfall="spread", spread_max_ratio=0.1)
    # ceilings 0.1 × 1000 × land: N1 300, N2 100; 500 of 900 left for the fund, booked
    # on H1 and H2 in proportion to their shortfalls 600:300
    assert s["spread_burden"].to_dict() == pytest.approx(
        {"H1": 0, "H2": 0, "N1": 300, "N2": 100, "HB": 0}
    )
    assert s["subsidy"].to_dict() == pytest.approx(
        {"H1": 1000 / 3, "H2": 500 / 3, "N1": 0, "N2": 0, "HB": 300}
    )


def test_deferred_books_the_shortfall_on_the_park() -> None:
    s = shares(method="area", shortfall="deferred")
    assert s["deferred"].to_dict() == pytest.approx(
        {"H1": 600, "H2": 300, "N1": 0, "N2": 0, "HB": 300}
    )
    assert s["subsidy"].sum() == 0


def test_actual_method_uses_the_parcels_own_cost() -> None:
    s = shares(method="actual", shortfall="subsidy")
    # H1's own cost 3000 against a cap of 0.7 × 1000 × 2 = 1400; H2 has none: avg × land
    assert s["base_share"].to_dict() == {"H1": 3000, "H2": 1000, "N1": 2400, "N2": 1500, "HB": 1000}
    assert s["subsidy"].to_dict() == pytest.approx(
        {"H1": 1600, "H2": 300, "N1": 0, "N2": 0, "HB": 300}
    )
    assert s.loc["H1", "share"] == pytest.approx(1400)


def test_cap_ratio_comes_from_the_parameters() -> None:
    s = shares(method="area", cap_ratio=0.5)
    assert s.loc["H1", "share"] == pytest.approx(1000) and s.loc["H1", "subsidy"] == pytest.approx(
        1000
    )
    s = shares(method="area", cap_ratio=1.0)
    assert s["subsidy"].sum() == 0


def test_floor_method_charges_permitted_floor_space() -> None:
    s = shares(method="floor", shortfall="subsidy")
    # base = rate × floor space; where a pair has none, avg × land (as for area)
    # H1 0.1 × 30,000 = 3,000; H2 1,000 × 1 = 1,000; N1 0.1 × 20,000 = 2,000;
    # N2 0.1 × 5,000 = 500; HB 500 × 2 = 1,000
    assert s["base_share"].to_dict() == pytest.approx(
        {"H1": 3000, "H2": 1000, "N1": 2000, "N2": 500, "HB": 1000}
    )
    # the cap stays on land: 0.7 × avg × land -> H1 1,400, H2 700, HB 700
    assert s["share"].to_dict() == pytest.approx(
        {"H1": 1400, "H2": 700, "N1": 2000, "N2": 500, "HB": 700}
    )
    assert s["subsidy"].to_dict() == pytest.approx(
        {"H1": 1600, "H2": 300, "N1": 0, "N2": 0, "HB": 300}
    )


def test_floor_method_spread_over_the_others() -> None:
    s = shares(method="floor", shortfall="spread")
    # park A shortfall 1,600 + 300 = 1,900 over N1 and N2 by base 2,000 : 500
    assert s["spread_burden"].to_dict() == pytest.approx(
        {"H1": 0, "H2": 0, "N1": 1520, "N2": 380, "HB": 0}
    )
    assert s["subsidy"].to_dict() == pytest.approx({"H1": 0, "H2": 0, "N1": 0, "N2": 0, "HB": 300})


def test_park_floor_rate_from_the_parks_table() -> None:
    from landplan.costshare import park_floor_rate

    parks = pd.DataFrame(
        {
            "park": ["A", "B"],
            "total_dev_cost": [9000.0, 500.0],
            "developable_area_ha": [10.0, 1.0],
            "floor_area_m2": [150_000.0, np.nan],
        }
    )
    rate = park_floor_rate(parks)
    assert rate["A"] == pytest.approx(0.06)
    assert np.isnan(rate["B"])


def test_park_average_prefers_the_parks_table() -> None:
    parcels = pd.DataFrame(
        {
            "park": ["A", "A", "B", "C"],
            "dev_cost": [1000.0, 3000.0, np.nan, 800.0],
            "area_ha": [1.0, 3.0, 2.0, 1.0],
        }
    )
    parks = pd.DataFrame({"park": ["C"], "total_dev_cost": [9000.0], "developable_area_ha": [10.0]})
    avg = park_average_cost(parcels, parks)
    assert avg["A"] == pytest.approx(1000.0)  # (1000 + 3000) / 4
    assert np.isnan(avg["B"])
    assert avg["C"] == pytest.approx(900.0)


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.booleans(),
            st.floats(0.01, 20),
            st.one_of(st.none(), st.floats(0, 1e5)),
            st.one_of(st.none(), st.floats(1, 1e5)),
        ),
        min_size=1,
        max_size=25,
    ),
    cap=st.floats(0.05, 1.0),
    method=st.sampled_from(["area", "actual", "floor"]),
    bearer=st.sampled_from(["subsidy", "spread", "deferred"]),
    ceiling=st.one_of(st.none(), st.floats(0.01, 2.0)),
)
def test_conservation_and_cap_hold_for_any_allocation(
    data: list[tuple[str, bool, float, float | None, float | None]],
    cap: float,
    method: str,
    bearer: str,
    ceiling: float | None,
) -> None:
    placed = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(len(data))],
            "parcel_id": [f"J{i}" for i in range(len(data))],
            "park": [d[0] for d in data],
            "hightech": [d[1] for d in data],
            "land_ha": [d[2] for d in data],
            "parcel_area_ha": [d[2] for d in data],
            "parcel_dev_cost": [np.nan if d[3] is None else d[3] for d in data],
            "floor_used_m2": [np.nan if d[4] is None else d[4] for d in data],
        }
    )
    placed["park_avg_cost"] = placed["park"].map({"A": 1200.0, "B": 300.0, "C": 4500.0})
    placed["floor_rate"] = placed["park"].map({"A": 0.08, "B": 0.02, "C": 0.3})
    params = CostShare(method=method, cap_ratio=cap, shortfall=bearer, spread_max_ratio=ceiling)  # type: ignore[arg-type]
    s = share_costs(placed, params)
    total = s["share"] + s["subsidy"] + s["deferred"]
    for _park, group in s.groupby("park"):
        assert total[group.index].sum() == pytest.approx(
            group["base_share"].sum(), rel=1e-9, abs=1e-6
        )
    ht = s["hightech"]
    assert (s.loc[ht, "share"] <= s.loc[ht, "cap"] * (1 + 1e-9) + 1e-9).all()
    assert (s[["share", "subsidy", "deferred", "spread_burden"]] >= -1e-9).all().all()
    if ceiling is not None and bearer == "spread":
        limit = ceiling * s["park_avg_cost"] * s["land_ha"]
        assert (s["spread_burden"] <= limit * (1 + 1e-9) + 1e-9).all()


def test_a_broken_identity_stops_the_run() -> None:
    from landplan.costshare import check_identity
    from landplan.errors import LandplanError

    good = share_costs(PLACED, CostShare())
    broken = good.assign(share=good["share"] + 1.0)
    with pytest.raises(LandplanError, match="conservation broken"):
        check_identity(broken)
    over = good.assign(share=good["base_share"], subsidy=0.0)
    with pytest.raises(LandplanError, match="exceeds its cap"):
        check_identity(over)


def test_a_budget_below_the_unconstrained_subsidy_changes_the_plan(make_scenario: Any) -> None:
    from landplan.run import compute
    from landplan.scenario import load_scenario
    from tests.conftest import land_row, project_row

    # four high-tech projects, each 1 ha at 1,000 万元/ha: 300 万元 of subsidy each
    land = [land_row(f"L{i}", i) for i in range(4)]
    projects = [project_row(f"H{i}", hightech="true", output=1000 + 100 * i) for i in range(4)]
    path = make_scenario(land=land, projects=projects)
    free = compute(load_scenario(path))
    assert float(free.shares["subsidy"].sum()) == pytest.approx(1200.0)
    tight = compute(load_scenario(path, {"costshare.budget": 600}))
    assert float(tight.shares["subsidy"].sum()) <= 600 + 1e-6
    # the two most valuable stay (H3, H2); the plan changed
    assert sorted(tight.allocation.placed["project_id"]) == ["H2", "H3"]
    assert len(free.allocation.placed) == 4
