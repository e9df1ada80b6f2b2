"""Charts for the pages: matplotlib figures drawn off-screen and inlined as PNG.

Uses matplotlib's ``Figure`` directly (no pyplot state, no backend to select).
Text is drawn with the CJK font landplan ships (``fonts.FONT``), registered with
matplotlib by its path, so a chart reads in Chinese on any machine; a character
it lacks falls back to the machine's CJK fonts, then DejaVu Sans.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from cycler import cycler
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure

from landplan.fonts import FAMILY, FONT
from landplan.palettes import OKABE_ITO

font_manager.fontManager.addfont(str(FONT))
# read when a figure is drawn (savefig): the fonts in order, a plain minus sign,
# Okabe and Ito's colours for lines and bars
STYLE: Any = {
    "font.sans-serif": [FAMILY, "Noto Sans CJK SC", "Microsoft YaHei", "SimHei", "DejaVu Sans"],
    "axes.unicode_minus": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
}


def figure(**kwargs: Any) -> Figure:
    """A figure laid out with constrained layout (``figsize`` etc. as for ``Figure``)."""
    return Figure(layout="constrained", **kwargs)


@dataclass(frozen=True)
class Image:
    """A chart as a page embeds it: a PNG data URI and the text that stands for it."""

    src: str
    alt: str


def png(fig: Figure, alt: str = "", dpi: int = 110) -> Image:
    """``fig`` drawn as a PNG, inline."""
    buf = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=dpi)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return Image(f"data:image/png;base64,{data}", alt)
