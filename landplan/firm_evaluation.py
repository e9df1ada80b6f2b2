"""亩均 evaluation of the firms on land in use, and which of their land is renewal supply.

亩均论英雄: every firm is scored on its figures per mu of land it holds (tax, output,
value added), per unit of energy, and on R&D intensity and labour productivity,
each against a benchmark (a number, or the evaluated firms' median), capped,
weighted, and sorted into tiers A/B/C/D by the scenario's thresholds
(docs/evaluation.md). With ``renewal:`` the land parcels whose every firm is in
one of the named tiers become candidate supply for new projects (腾笼换鸟): the
eligibility stage offers them, pricing charges the recovery cost and the firms'
lost yield to every pair on them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landplan.constants import MU_PER_HA
from landplan.domain import LAND_KINDS, Indicator, Status
from landplan.errors import ProblemLog
from landplan.inputs import Inputs
from landplan.scenario import TIER_NAMES, EvaluationSpec, RenewalSpec

log = logging.getLogger(__name__)

# indicator -> (numerator, denominator) columns of the firms table (land_mu: derived)
RATIOS: dict[Indicator, tuple[str, str]] = {
    Indicator.TAX_PER_MU: ("tax", "land_mu"),
    Indicator.OUTPUT_PER_MU: ("output", "land_mu"),
    Indicator.VALUE_ADDED_PER_MU: ("value_added", "land_mu"),
    Indicator.VALUE_ADDED_PER_ENERGY: ("value_added", "energy_tce"),
    Indicator.RD_INTENSITY: ("rd_spend", "output"),
    Indicator.LABOUR_PRODUCTIVITY: ("value_added", "jobs"),
}

# evaluation.csv: identity, land, figures, every indicator, score and tier
FIRM_OUTPUT = [
    "firm",
    "parcel_id",
    "park",
    "sector",
    "land_ha",
    "land_mu",
    "tax",
    "output",
    "value_added",
    "energy_tce",
    "jobs",
    "rd_spend",
    *(i.value for i in Indicator),
    "score",
    "tier",
    "missing",
]


@dataclass(frozen=True)
class Evaluation:
    """The firms scored and tiered, and the renewal supply they make.

    Attributes
    ----------
    firms
        One row per firm, ``FIRM_OUTPUT`` (indicators NaN where a figure is blank;
        ``missing`` names them).
    parcels
        One row per parcel with firms: ``parcel`` (row position), ``parcel_id``,
        ``park``, ``area_ha``, ``firms`` (how many), ``score`` (land-weighted),
        ``tier`` (of that score), ``worst`` (its lowest firm tier), ``renewal``
        (its land is candidate supply), ``cost`` (recovery, 万元), ``lost_output``,
        ``lost_tax``, ``lost_jobs`` (its firms' figures), ``available_year``.
    benchmarks
        Indicator -> the benchmark used (the median where the scenario says so).
    """

    firms: pd.DataFrame
    parcels: pd.DataFrame
    benchmarks: dict[str, float]
    spec: EvaluationSpec
    renewal: RenewalSpec | None

    @property
    def supply(self) -> pd.DataFrame:
        """The parcels offered as renewal supply."""
        return self.parcels[self.parcels["renewal"]]


def evaluate(inputs: Inputs) -> Evaluation | None:
    """Score the firms of ``inputs`` (None when the scenario has no ``evaluation:``).

    Raises
    ------
    InputError
        When a median benchmark is zero or no firm reports the indicator.
    """
    scenario = inputs.scenario
    spec = scenario.evaluation
    if spec is None:
        return None
    parcels = inputs.parcels
    firms = inputs.tables.firms.copy()
    position = pd.Series(np.arange(len(parcels)), index=parcels["parcel_id"].to_numpy())
    at = firms["parcel_id"].map(position).to_numpy(dtype=np.int64)
    firms["park"] = parcels["park"].to_numpy()[at]
    firms["land_ha"] = parcels["area_ha"].to_numpy(dtype=float)[at] * _land_share(firms)
    firms["land_mu"] = firms["land_ha"] * MU_PER_HA
    for indicator, (top, bottom) in RATIOS.items():
        firms[indicator.value] = _ratio(firms[top], firms[bottom])

    found = ProblemLog()
    benchmarks: dict[str, float] = {}
    weighted = {name: s for name, s in spec.indicators.items() if s.weight > 0}
    total = np.zeros(len(firms))
    missing = pd.Series("", index=firms.index)
    for name, ind in weighted.items():
        values = firms[name].to_numpy(dtype=float)
        bench = ind.benchmark
        if bench is None:
            finite = values[np.isfinite(values)]
            bench = float(np.median(finite)) if len(finite) else 0.0
            if bench <= 0:
                found.add(
                    str(scenario.file),
                    f"the firms' median of {name} is {bench:g}, so it cannot be a benchmark",
                    field=f"evaluation.indicators.{name}.benchmark",
                    fix="give the benchmark as a number, or set the indicator's weight to 0",
                )
                continue
        benchmarks[name] = bench
        score = np.minimum(values / bench, spec.cap)
        absent = np.isnan(values)
        missing = missing.where(~absent, missing + np.where(missing == "", "", ";") + name)
        total += ind.weight * np.where(absent, 0.0, score)
    found.raise_if_any()
    firms["score"] = 100.0 * total / sum(s.weight for s in weighted.values())
    firms["tier"] = tiers_of(firms["score"].to_numpy(), spec.tiers)
    firms["missing"] = missing
    by_parcel = _parcels(inputs, firms, at, spec.tiers, scenario.renewal)
    if scenario.renewal is not None:
        log.info(
            "renewal: %d parcels (%.1f ha) of tiers %s offered as supply",
            int(by_parcel["renewal"].sum()),
            by_parcel.loc[by_parcel["renewal"], "area_ha"].sum(),
            "+".join(scenario.renewal.tiers),
        )
    firms = firms[FIRM_OUTPUT].sort_values(["park", "parcel_id", "firm"], kind="stable")
    return Evaluation(
        firms=firms.reset_index(drop=True),
        parcels=by_parcel,
        benchmarks=benchmarks,
        spec=spec,
        renewal=scenario.renewal,
    )


def tiers_of(score: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """The tier of each score: the first (A, B, C) whose threshold it reaches, else D.

    A score within 1e-9 of a threshold counts as reaching it (scores are sums of
    floating-point ratios)."""
    tier = np.full(len(score), TIER_NAMES[-1], dtype=object)
    for name in reversed([n for n in TIER_NAMES if n in thresholds]):
        tier[score >= thresholds[name] - 1e-9] = name
    return tier


def parcel_scores(firms: pd.DataFrame, by: str, thresholds: dict[str, float]) -> pd.DataFrame:
    """Per parcel (grouped by column ``by``): ``firms`` (how many), ``land_ha`` (theirs),
    ``score`` (their scores weighted by land; 0 where they hold none) and ``tier``."""
    grouped = firms.assign(weighted=firms["score"] * firms["land_ha"]).groupby(by, sort=True)
    land = grouped["land_ha"].sum()
    out = pd.DataFrame({"firms": grouped.size(), "land_ha": land})
    out["score"] = (grouped["weighted"].sum() / land.where(land > 0)).fillna(0.0)
    out["tier"] = tiers_of(out["score"].to_numpy(), thresholds)
    return out


def _land_share(firms: pd.DataFrame) -> np.ndarray:
    """Each firm's part of its parcel: its ``land_share``, or an equal part of what
    the given shares on the parcel leave."""
    given = firms["land_share"]
    left = 1.0 - given.fillna(0.0).groupby(firms["parcel_id"]).transform("sum")
    blanks = given.isna().groupby(firms["parcel_id"]).transform("sum")
    share = given.fillna(left / blanks.where(blanks > 0, 1))
    result: np.ndarray = share.clip(lower=0.0).to_numpy(dtype=float)
    return result


def _ratio(top: pd.Series, bottom: pd.Series) -> np.ndarray:
    """top ÷ bottom; +inf where only the bottom is 0 (scores the cap), NaN where
    either is blank or both are 0."""
    t, b = top.to_numpy(dtype=float), bottom.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b > 0, t / b, np.where(t > 0, np.inf, np.nan))
    out[np.isnan(t) | np.isnan(b)] = np.nan
    return out


def _parcels(
    inputs: Inputs,
    firms: pd.DataFrame,
    at: np.ndarray,
    thresholds: dict[str, float],
    renewal: RenewalSpec | None,
) -> pd.DataFrame:
    """Per parcel with firms: its tiers, and whether and at what cost it is supply."""
    parcels = inputs.parcels
    firms = firms.assign(parcel=at)
    rank = {name: k for k, name in enumerate(TIER_NAMES)}
    grouped = firms.groupby("parcel", sort=True)
    out = parcel_scores(firms, "parcel", thresholds)
    out["worst"] = grouped["tier"].agg(lambda t: max(t, key=rank.__getitem__))
    lost = grouped[["output", "tax", "jobs"]].sum()  # blank figures count as 0
    out[["lost_output", "lost_tax", "lost_jobs"]] = lost.to_numpy()
    j = out.index.to_numpy()
    out.insert(0, "parcel", j)
    out.insert(1, "parcel_id", parcels["parcel_id"].to_numpy()[j])
    out.insert(2, "park", parcels["park"].to_numpy()[j])
    out["area_ha"] = parcels["area_ha"].to_numpy(dtype=float)[j]
    year = parcels["available_year"].to_numpy(dtype=float)[j]
    in_use = parcels["status"].to_numpy()[j] == Status.OCCUPIED
    land = parcels["kind"].isin(LAND_KINDS).to_numpy()[j]
    if renewal is None:
        out["renewal"] = False
        out["cost"] = 0.0
    else:
        every = grouped["tier"].agg(lambda t: set(t) <= set(renewal.tiers)).to_numpy(dtype=bool)
        out["renewal"] = every & in_use & land
        if renewal.cost_column is not None:
            out["cost"] = grouped[renewal.cost_column].sum().to_numpy(dtype=float)
        else:
            out["cost"] = renewal.cost_per_ha * out["area_ha"]
        if renewal.available_year is not None:
            year = np.fmax(year, float(renewal.available_year))
    out["available_year"] = year
    return out.reset_index(drop=True)


# per-mu figures a park is compared on: indicator -> the firms' column summed
PARK_FIGURES = {
    Indicator.TAX_PER_MU.value: "tax",
    Indicator.OUTPUT_PER_MU.value: "output",
    Indicator.VALUE_ADDED_PER_MU.value: "value_added",
}


def park_tiers(firms: pd.DataFrame, benchmarks: dict[str, float]) -> pd.DataFrame:
    """Per park (and a ``total`` row): firms and land by tier, the land held by C and
    D firms, and the park's 亩均 tax, output and value added (Σ figure ÷ Σ mu) with
    each as a ratio of the district benchmark (the scenario's, else the district's
    own Σ ÷ Σ).

    Columns: ``park, firms, A, B, C, D, land_mu, cd_land_mu, cd_land_share``, then
    per figure ``<indicator>`` and ``<indicator>_vs_benchmark``.
    """
    rows = []
    groups = [*firms.groupby("park", sort=True), ("total", firms)]
    district = {
        name: float(firms[column].sum()) / float(firms["land_mu"].sum())
        for name, column in PARK_FIGURES.items()
    }
    for park, group in groups:
        counts = group["tier"].value_counts()
        land = float(group["land_mu"].sum())
        low = float(group.loc[group["tier"].isin(["C", "D"]), "land_mu"].sum())
        row: dict[str, object] = {"park": park, "firms": len(group)}
        row.update({t: int(counts.get(t, 0)) for t in TIER_NAMES})
        row.update(land_mu=land, cd_land_mu=low, cd_land_share=low / land if land else np.nan)
        for name, column in PARK_FIGURES.items():
            value = float(group[column].sum()) / land if land else np.nan
            row[name] = value
            row[f"{name}_vs_benchmark"] = value / benchmarks.get(name, district[name])
        rows.append(row)
    return pd.DataFrame(rows)
