"""Numbers that matter, named once: units, defaults and the plan's 2025 targets."""

from __future__ import annotations

from typing import Final

VERSION: Final = "0.1.0"  # the package's version (``landplan.__version__``)

MU_PER_HA: Final = 15.0
M2_PER_HA: Final = 10_000.0

SUPPLY_MODES: Final = ("transfer", "flexible", "lease", "split_sale", "equity", "joint")
# Village-collective land enters the market only by lease, equity or joint operation.
COLLECTIVE_MODES: Final = ("lease", "equity", "joint")

# What Chinese offices write in the same fields.
MODE_ALIASES: Final = {
    "出让": "transfer",
    "弹性出让": "flexible",
    "租赁": "lease",
    "分割销售": "split_sale",
    "入股": "equity",
    "联营": "joint",
}
STATUS_ALIASES: Final = {"可用": "available", "预留": "reserved", "已占用": "occupied"}

TRUE_WORDS: Final = frozenset({"true", "1", "yes", "y", "t", "是"})
FALSE_WORDS: Final = frozenset({"false", "0", "no", "n", "f", "否", ""})

# Two parcels of different layers overlapping by less than this are drawing noise.
OVERLAP_TOLERANCE_M2: Final = 1.0

# The indicators a plan's target table may hold and their units; shares are
# fractions in data, and the unit "%" says a page shows them as percent.
INDICATOR_UNITS: Final = {
    "output_per_ha": "万元/ha",
    "labour_productivity": "万元/person",
    "rd_intensity": "%",
    "hightech_output_share": "%",
}
# Daxing 14th Five-Year plan: indicator -> (2020, 2025 target), the default of ``plan:``.
DAXING_2025: Final = {
    "output_per_ha": (5_600.0, 10_000.0),
    "labour_productivity": (38.5, 50.0),
    "rd_intensity": (0.0144, 0.02),
    "hightech_output_share": (0.342, 0.45),
}
