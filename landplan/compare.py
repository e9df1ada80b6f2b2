"""``landplan compare``: which projects moved, appeared or dropped between two plans,
and how their totals changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from landplan.folder import read_folder


def compare(out_a: Path, out_b: Path, echo: Callable[[str], None] = print) -> None:
    """Which projects moved, appeared or dropped between two runs; how totals changed."""
    first, second = read_folder(out_a), read_folder(out_b)
    a = first.allocation.astype(str).set_index("project_id")
    b = second.allocation.astype(str).set_index("project_id")
    fa, fb = first.summary, second.summary
    both = a.merge(b, left_index=True, right_index=True, how="outer", suffixes=("_a", "_b"))
    both = both.fillna("")
    moved = both[
        (both["status_a"] == "placed")
        & (both["status_b"] == "placed")
        & (both["parcel_id_a"] != both["parcel_id_b"])
    ]
    appeared = both[(both["status_a"] != "placed") & (both["status_b"] == "placed")]
    dropped = both[(both["status_a"] == "placed") & (both["status_b"] != "placed")]
    echo(f"A: {out_a}\nB: {out_b}")
    echo(f"moved {len(moved)}, appeared {len(appeared)}, dropped {len(dropped)}")
    for pid, r in moved.iterrows():
        echo(f"  moved    {pid}: {r['parcel_id_a']} -> {r['parcel_id_b']}")
    for pid, r in appeared.iterrows():
        echo(f"  appeared {pid}: on {r['parcel_id_b']}")
    for pid, r in dropped.iterrows():
        echo(f"  dropped  {pid}: was on {r['parcel_id_a']}, now {r['reason_b'] or 'not in B'}")
    rows = [
        ("objective", fa["objective"], fb["objective"]),
        ("projects placed", fa["projects"]["placed"], fb["projects"]["placed"]),
        ("high-tech placed", fa["hightech"]["placed"], fb["hightech"]["placed"]),
        ("land used (ha)", fa["land_used_ha"], fb["land_used_ha"]),
        ("subsidy (万元)", fa["costshare"]["subsidy"], fb["costshare"]["subsidy"]),
        (
            "spread burden (万元)",
            fa["costshare"]["spread_burden"],
            fb["costshare"]["spread_burden"],
        ),
        ("output per ha", fa["kpis"]["output_per_ha"], fb["kpis"]["output_per_ha"]),
    ]
    echo("totals:                         A              B          B - A")
    for what, va, vb in rows:
        diff = (vb or 0) - (va or 0)
        echo(f"  {what:<24} {va or 0:>14,.1f} {vb or 0:>14,.1f} {diff:>+14,.1f}")
