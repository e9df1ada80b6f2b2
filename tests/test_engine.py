"""The engine's two ways: independent parts solved apart add up to the whole model's
optimum; from PRICING_FROM pairs on, column generation."""

from __future__ import annotations

import numpy as np
import pytest

from landplan import engine
from landplan.model import build_model
from landplan.scenario import SolverOptions
from landplan.solve import solve
from tests.instances import random_instance


def test_parts_solved_apart_add_up_to_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    exact = SolverOptions(gap=0.0)
    for _ in range(15):
        model = build_model(random_instance(rng).priced)
        whole = solve(model, exact)
        solved = engine.solve_model(model, exact)
        found, parts, stats = solved.solution, solved.parts, solved.pricing
        assert found.status == whole.status
        if whole.status == "infeasible":
            continue
        assert stats is None and parts == len(model.components())
        assert found.objective == pytest.approx(whole.objective, abs=1e-6)
        # the same model through column generation (every size priced)
        monkeypatch.setattr(engine, "PRICING_FROM", 0)
        solved = engine.solve_model(model, exact)
        priced, parts = solved.solution, solved.parts
        monkeypatch.setattr(engine, "PRICING_FROM", 20_000)
        assert parts == 1 and priced.status == whole.status
        assert priced.objective == pytest.approx(whole.objective, abs=1e-6)
