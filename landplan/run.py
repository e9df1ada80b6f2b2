"""``landplan run``: the stages in order, then the output folder, whole or not at all.

scenario -> inputs -> eligible pairs -> priced pairs -> model -> solve -> plan
-> explanations -> cost shares -> outputs (files, database, map, report)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from landplan.allocate import Allocation, allocate
from landplan.costshare import share_costs
from landplan.eligibility import Eligibility, eligible_pairs
from landplan.explain import explain
from landplan.firm_evaluation import Evaluation, evaluate
from landplan.importance import parcel_importance
from landplan.inputs import Inputs, load_inputs
from landplan.output import evaluation_files, write_folder, writers
from landplan.policy import policy_answers
from landplan.postgis_sink import check_target, write_results
from landplan.results import RunResult
from landplan.scenario import EvaluationSpec, Scenario
from landplan.valuation import PricedPairs, price_pairs

log = logging.getLogger(__name__)


def compute(
    scenario: Scenario,
    *,
    inputs: Inputs | None = None,
    eligibility: Eligibility | None = None,
    start: set[tuple[Any, ...]] | None = None,
    export_model: Path | None = None,
    importance: bool = False,
    workers: int = 1,
    policy: bool = True,
) -> RunResult:
    """Run every stage in memory; nothing is written (except an asked-for model file).

    ``inputs`` and ``eligibility`` may be given when they are known not to change
    (a sweep over cost-share keys); ``inputs.scenario`` is replaced by ``scenario``.
    ``start`` is a plan (``(project_id, parcel_id)`` pairs) to start the solver from.
    ``importance``: also each used parcel's importance (one more solve per parcel,
    on ``workers`` processes). ``policy``: also the scenario's policy questions
    (``policy:``; a few more solves).
    """
    clock = time.perf_counter()
    inputs = load_inputs(scenario) if inputs is None else replace(inputs, scenario=scenario)
    if eligibility is None:
        eligibility = eligible_pairs(inputs)
    priced = price_pairs(inputs, eligibility)
    allocation = allocate(priced, scenario.solver, start=start, export_model=export_model)
    worth = (
        parcel_importance(
            priced,
            allocation,
            scenario.solver,
            workers=workers,
            tolerance=scenario.policy.importance_tolerance,
        )
        if importance
        else None
    )
    answers = (
        policy_answers(priced, allocation, scenario.solver, scenario.policy) if policy else None
    )
    return finish(inputs, priced, allocation, clock=clock, importance=worth, policy=answers)


def finish(
    inputs: Inputs,
    priced: PricedPairs,
    allocation: Allocation,
    *,
    clock: float,
    importance: pd.DataFrame | None = None,
    policy: dict[str, Any] | None = None,
) -> RunResult:
    """The stages after the solve: explanations and cost shares (``clock``: when the
    run began, for its runtime)."""
    return RunResult(
        inputs=inputs,
        priced=priced,
        allocation=allocation,
        outcome=explain(priced, allocation),
        shares=share_costs(allocation.placed, inputs.scenario.costshare),
        runtime_s=time.perf_counter() - clock,
        importance=importance,
        policy=policy,
    )


@dataclass(frozen=True)
class PostgisTarget:
    """Where ``run --to-postgis`` writes: a database URL, a schema, replace or add."""

    url: str
    schema: str = "landplan"
    keep_history: bool = False


def run(
    scenario: Scenario,
    out_dir: Path,
    *,
    export_model: Path | None = None,
    to_postgis: PostgisTarget | None = None,
    importance: bool = False,
    workers: int = 1,
) -> RunResult:
    """Compute the plan; write the output folder (and PostGIS tables) whole or not at all."""
    if to_postgis is not None:
        check_target(to_postgis.url, to_postgis.schema)
    result = compute(scenario, export_model=export_model, importance=importance, workers=workers)
    commit = None
    if to_postgis is not None:
        target = to_postgis

        def commit() -> None:
            write_results(
                result, target.url, schema=target.schema, keep_history=target.keep_history
            )

    write_folder(out_dir, writers(result), before_commit=commit)
    return result


def write_evaluation(scenario: Scenario, out_dir: Path) -> Evaluation:
    """``landplan evaluate``: score the firms and write ``evaluation.csv`` and
    ``evaluation.xlsx`` to ``out_dir`` (whole or not at all); no plan is made."""
    if scenario.evaluation is None:
        scenario = replace(scenario, evaluation=EvaluationSpec())  # the documented defaults
    evaluation = evaluate(load_inputs(scenario))
    assert evaluation is not None
    files = evaluation_files(
        evaluation.firms,
        evaluation.benchmarks,
        recovered=None,
        lang=scenario.map.lang,
        encoding=scenario.output.csv_encoding,
    )
    write_folder(out_dir, files)
    return evaluation
