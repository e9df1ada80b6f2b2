"""Each map layer in its own hues; the cost-share classes follow the cap."""

from __future__ import annotations

import itertools

import pytest

from landplan.palettes import (
    CANNOT_WITHHOLD,
    IMPORTANCE_CLASSES,
    SECTOR_PALETTE,
    STAGE_COLOURS,
    TIER_COLOURS,
    ratio_class,
    ratio_classes,
)


def test_no_two_layers_share_a_colour() -> None:
    layers = {
        "sectors": set(SECTOR_PALETTE),
        "costshare": {c for _, _, c in ratio_classes(0.7)} - {"#f7f7f7"},  # white: average
        "tiers": set(TIER_COLOURS.values()),
        "importance": {c for _, _, c in IMPORTANCE_CLASSES} | {CANNOT_WITHHOLD},
        "stages": set(STAGE_COLOURS.values()),
    }
    names = list(layers)
    for k, a in enumerate(names):
        for b in names[k + 1 :]:
            assert not layers[a] & layers[b], (a, b, layers[a] & layers[b])


@pytest.mark.parametrize("cap", [0.5, 0.6, 0.7, 0.95, 1.0])
def test_a_share_at_the_cap_is_in_the_caps_class_whatever_the_rounding(cap: float) -> None:
    classes = ratio_classes(cap)
    assert classes[0][1] == cap
    for ratio in (cap, cap - 1e-9, cap + 1e-9, round(cap, 2), cap * (1 + 1e-8)):
        assert ratio_class(ratio, classes) == 0
    assert ratio_class(cap + 0.01, classes) == 1 or cap >= 1.3
    assert ratio_class(5.0, classes) == len(classes) - 1
    assert ratio_class(float("nan"), classes) is None
    # the classes follow each other without a gap
    for (_, high, _), (low, _, _) in itertools.pairwise(classes):
        assert high == low
