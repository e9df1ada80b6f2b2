"""The colours of every map layer and chart, named once.

Each layer has its own hues, from schemes that stay distinct with colour-blind
eyes (Okabe and Ito; Paul Tol; ColorBrewer), so the web map, the report's
overview, the battle map and the QGIS style agree.
"""

from __future__ import annotations

import numpy as np

from landplan.domain import Status

# Okabe and Ito's colours for lines and bars in charts.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]

# Parcels by status and kind: status as the outline (colour, dash, width), kind as a
# pale fill, so that neither can be mistaken for a sector's strong fill.
STATUS_OUTLINES = {
    Status.AVAILABLE: ("#0072B2", "", 0.8),
    Status.RESERVED: ("#D55E00", "6 4", 1.8),
    Status.OCCUPIED: ("#555555", "2 3", 1.4),
}
STATUS_COLOURS = {status: colour for status, (colour, _, _) in STATUS_OUTLINES.items()}
KIND_FILLS = {"factory": "#dde7f0", "vacant": "#f6f1d8", "collective": "#eadccd"}
# Sectors of placed parcels: Paul Tol's "muted" scheme, then his "light" one.
SECTOR_PALETTE = [
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#77AADD",
    "#EE8866",
    "#BBCC33",
]
# Cost-share layer: share borne per ha of land used over the park average, in classes
# up to the scenario's cap ratio (``ratio_classes``): ColorBrewer PuOr, purple below
# the average, white around it, orange above.
AT_THE_CAP = "#5e3c99"
RATIO_BREAKS = ((0.95, "#b2abd2"), (1.05, "#f7f7f7"), (1.3, "#fdb863"), (np.inf, "#e66101"))
# Importance layer: the fall of the objective without the parcel, % of the objective.
IMPORTANCE_CLASSES = [
    (0.0, 0.1, "#fee5d9"),
    (0.1, 0.5, "#fcae91"),
    (0.5, 1.0, "#fb6a4a"),
    (1.0, np.inf, "#cb181d"),
]
CANNOT_WITHHOLD = "#252525"
# 亩均 tiers: ColorBrewer BrBG (colour-blind safe), A teal to D brown.
TIER_COLOURS = {"A": "#018571", "B": "#80cdc1", "C": "#dfc27d", "D": "#a6611a"}
# consolidation: merged sites outlined, returned land filled, activated land outlined
# (ColorBrewer Dark2: purple, green, orange)
SWAP_STYLES = {"merged": "#7570b3", "out": "#1b9e77", "in": "#d95f02"}
# the battle map: a project's reached stage ("none": not yet signed), overdue outline
STAGE_COLOURS = {
    "none": "#bdbdbd",
    "signed": "#9ecae1",
    "started": "#4292c6",
    "finished": "#2171b5",
    "producing": "#1a9850",
}
OVERDUE = "#d7191c"


def ratio_classes(cap_ratio: float) -> list[tuple[float, float, str]]:
    """The cost-share layer's classes for a cap ratio: ``(low, high, colour)``, the
    first ending at the cap (a capped share is exactly the cap, give or take rounding,
    so it always falls in it), the next ones at the fixed breaks above it."""
    classes = [(0.0, cap_ratio, AT_THE_CAP)]
    low = cap_ratio
    for high, colour in RATIO_BREAKS:
        if high > cap_ratio + 1e-9:
            classes.append((low, high, colour))
            low = high
    return classes


def ratio_class(ratio: float, classes: list[tuple[float, float, str]]) -> int | None:
    """The class of a share ratio: the first whose upper end it does not pass (within
    1e-6, so that a share at the cap is in the cap's class); None when missing."""
    if ratio != ratio:  # NaN: no land used
        return None
    for k, (_, high, _) in enumerate(classes):
        if ratio <= high + 1e-6:
            return k
    return len(classes) - 1


def sector_colours(sectors: list[str]) -> dict[str, str]:
    """Each sector's colour, by the sectors' sorted order."""
    return {s: SECTOR_PALETTE[k % len(SECTOR_PALETTE)] for k, s in enumerate(sorted(sectors))}
