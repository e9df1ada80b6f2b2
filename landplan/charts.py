"""Charts for the pages: matplotlib figures drawn off-screen and inlined as PNG.

Uses matplotlib's ``Figure`` directly (no pyplot state, no backend to select),
with fonts that draw Chinese when the machine has them.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cycler import cycler
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure

from landplan.palettes import OKABE_ITO

CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Zen Hei")
# read when a figure is drawn (savefig): fonts that draw Chinese, a plain minus sign,
# Okabe and Ito's colours for lines and bars
STYLE: Any = {
    "font.sans-serif": [*CJK_FONTS, "DejaVu Sans"],
    "axes.unicode_minus": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
}


def figure(**kwargs: Any) -> Figure:
    """A figure laid out with constrained layout (``figsize`` etc. as for ``Figure``)."""
    has_cjk_font()  # register fonts installed after matplotlib's cache was built
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


def has_cjk_font() -> bool:
    """True when matplotlib can draw Chinese; fonts installed after its cache was
    built (e.g. fonts-noto-cjk) are added from the system font folders."""
    wanted = set(CJK_FONTS)
    if wanted & {f.name for f in font_manager.fontManager.ttflist}:
        return True
    for path in font_manager.findSystemFonts():
        if "NotoSansCJK" in Path(path).name or "wqy-zenhei" in Path(path).name:
            font_manager.fontManager.addfont(path)
    return bool(wanted & {f.name for f in font_manager.fontManager.ttflist})
