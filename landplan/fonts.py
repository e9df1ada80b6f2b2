"""The CJK font landplan ships, so that Chinese shows on any machine.

``static/fonts/LandplanSansSC-Regular.otf`` is Noto Sans CJK SC (SIL OFL 1.1), cut
to GB 2312 and the symbols offices use (``tools/make_font.py``). Charts draw with
it (``charts``); every page embeds a further cut of it holding only the page's own
characters, as a WOFF data URI (``embed``), so a page shows Chinese on an office
PC without Chinese fonts and stays small. A character the font lacks (a rare
hanzi) falls back to the machine's fonts in ``STACK``.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from landplan.render import render

FAMILY = "Landplan Sans SC"
FONT = Path(str(resources.files("landplan"))) / "static" / "fonts" / "LandplanSansSC-Regular.otf"
# CSS: the shipped font first (every page looks the same, on screen and on paper),
# then the fonts of Windows, macOS and Linux for what it lacks
STACK = (
    f'"{FAMILY}", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", '
    '"WenQuanYi Zen Hei", sans-serif'
)
# always in a page's cut: ASCII, and what Leaflet's controls write (− for zoom out)
_ALWAYS = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset("−×·")
# JSON escapes (folium writes GeoJSON properties as \\uXXXX)
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


def page_characters(page: str) -> frozenset[str]:
    """Every character a page can show: its text, and what its JSON escapes spell."""
    escaped = {chr(int(code, 16)) for code in _ESCAPED.findall(page)}
    return frozenset(c for c in {*page, *escaped} if c.isprintable()) | _ALWAYS


@lru_cache(maxsize=64)
def woff_for(characters: frozenset[str]) -> bytes:
    """The shipped font cut to ``characters``, as WOFF (zlib; no extra library)."""
    font = TTFont(FONT, recalcBBoxes=False)
    subsetter = subset.Subsetter(subset.Options(hinting=False, layout_features=[]))
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def embed(page: str) -> str:
    """``page`` with the shipped font, cut to its characters, in its ``<head>``."""
    data = base64.b64encode(woff_for(page_characters(page))).decode("ascii")
    style = render("font_face.html", family=FAMILY, stack=STACK, data=data)
    return page.replace("<head>", "<head>" + style, 1)
