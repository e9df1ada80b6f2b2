"""What blocks every plan, found before the solver runs, with the numbers."""

from __future__ import annotations

from typing import Any

import pytest

from landplan.errors import InfeasibleError
from landplan.run import compute
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, project_row


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"projects": [project_row("P1", sector="it", must_place="是")]},
            r"must-place project P1 has no eligible parcel — zoning",
        ),
        (
            {
                "land": [land_row("L1", 0)],
                "projects": [
                    project_row("P1", must_place="yes"),
                    project_row("P2", must_place="yes"),
                ],
            },
            r"must-place projects P1, P2 \(2\) can only use parcels L1 \(1\)",
        ),
        (
            {
                "projects": [project_row("P1", must_place="1", hightech="1")],
                "extra": {"costshare": {"budget": 100}},
            },
            r"needs at least 300 万元 of subsidy .* costshare.budget is 100",
        ),
        (
            {
                "factories": [land_row("F1", 5, floor_area_m2=3000)],
                "projects": [
                    project_row(f"P{i}", need="floor", floor_m2=2000, must_place="1")
                    for i in (1, 2)
                ],
            },
            r"P1, P2 can only go to factory F1 and need 4,000 m² of its 3,000 m²",
        ),
        (
            {
                "land": [land_row("L1", 0, zoning="B29")],
                "projects": [project_row("P1", must_place="1", locked_parcel="L1")],
            },
            r"P1 has no eligible parcel — locked parcel L1 is not eligible: zoning",
        ),
    ],
)
def test_infeasibility_is_explained_before_solving(
    make_scenario: Builder, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InfeasibleError, match=message):
        compute(load_scenario(make_scenario(**kwargs)))
