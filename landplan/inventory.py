"""The short inventory ``landplan validate`` prints."""

from __future__ import annotations

import pandas as pd

from landplan.domain import Kind
from landplan.firm_evaluation import Evaluation, park_tiers
from landplan.inputs import Inputs


def inventory(inputs: Inputs) -> str:
    """Layers, parcels by kind and park (count and ha), projects by sector; columns
    aligned for Chinese text too (pandas' East Asian widths)."""
    with pd.option_context("display.unicode.east_asian_width", True):
        return _inventory(inputs)


def _inventory(inputs: Inputs) -> str:
    parcels, projects = inputs.parcels, inputs.tables.projects
    lines = [
        f"scenario {inputs.scenario.name}  ({inputs.scenario.file})",
        f"CRS {inputs.scenario.crs}",
        "",
        "layers:",
    ]
    for spec in inputs.scenario.layers:
        count = int((parcels["layer"] == spec.name).sum())
        lines.append(
            f"  {spec.kind.value:<10} {count:>6,} parcels  {spec.source}"
            + (f" [{spec.layer}]" if spec.layer else "")
        )
    table = parcels.pivot_table(
        index="park", columns="kind", values="area_ha", aggfunc=["count", "sum"], fill_value=0
    )
    rows = []
    for park in sorted(parcels["park"].unique()):
        row = {"park": park}
        for kind in Kind:
            n = int(table["count"].get(kind, pd.Series(dtype=float)).get(park, 0))
            ha = float(table["sum"].get(kind, pd.Series(dtype=float)).get(park, 0.0))
            row[kind] = f"{n} / {ha:,.1f} ha"
        row["total"] = f"{int((parcels['park'] == park).sum())} / " + (
            f"{parcels.loc[parcels['park'] == park, 'area_ha'].sum():,.1f} ha"
        )
        rows.append(row)
    lines += [
        "",
        "parcels by park and kind (count / area):",
        pd.DataFrame(rows).set_index("park").to_string(),
    ]
    status = parcels["status"].value_counts()
    lines.append(
        f"total {len(parcels):,} parcels, {parcels['area_ha'].sum():,.1f} ha; "
        + ", ".join(f"{k} {int(v):,}" for k, v in status.items())
        + f"; standard land {int(parcels['standard_land'].sum()):,}"
    )
    land = int((projects["need"] == "land").sum())
    lines += [
        "",
        f"projects: {len(projects)} (land {land}, floor {len(projects) - land}); "
        f"high-tech {int(projects['hightech'].sum())}, major {int(projects['major'].sum())}, "
        f"must-place {int(projects['must_place'].sum())}, "
        f"locked {int((projects['locked_parcel'] != '').sum())}",
        "projects by sector:",
    ]
    labels = inputs.tables.sector_labels
    by_sector = projects.groupby("sector").agg(
        projects=("project_id", "size"), hightech=("hightech", "sum"), major=("major", "sum")
    )
    by_sector.index = [f"{s} {labels.get(s, '')}".strip() for s in by_sector.index]
    lines.append(by_sector.to_string())
    return "\n".join(lines)


def tier_table(evaluation: Evaluation) -> str:
    """Firms by tier and park, C/D land, and 亩均 tax and output against the benchmarks."""
    table = park_tiers(evaluation.firms, evaluation.benchmarks)
    shown = pd.DataFrame(
        {
            "firms": table["firms"],
            **{t: table[t] for t in ("A", "B", "C", "D")},
            "land mu": table["land_mu"].map("{:,.0f}".format),
            "C+D mu": table["cd_land_mu"].map("{:,.0f}".format),
            "tax/mu": table["tax_per_mu"].map("{:,.1f}".format),
            "vs bench": table["tax_per_mu_vs_benchmark"].map("{:.0%}".format),
            "output/mu": table["output_per_mu"].map("{:,.0f}".format),
        }
    )
    shown.index = table["park"].to_list()
    with pd.option_context("display.unicode.east_asian_width", True):
        text = shown.to_string()
    bench = ", ".join(f"{k} {v:,.4g}" for k, v in evaluation.benchmarks.items())
    return f"firms by park and tier (亩均: 万元/亩):\n{text}\nbenchmarks: {bench}"
