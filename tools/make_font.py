"""Make the CJK font landplan ships: ``landplan/static/fonts/LandplanSansSC-Regular.otf``.

It is Noto Sans CJK SC Regular (© Google, SIL Open Font License 1.1: ``OFL.txt``
beside it) cut down to what a Chinese office's pages and charts show: ASCII and
Latin-1, punctuation, arrows, mathematical signs, shapes, CJK symbols and
punctuation, full-width forms, every character of GB 2312 (its 6,763 hanzi and
682 symbols: Greek, Cyrillic, kana, box drawing) and every character of
landplan's message catalogue. Layout and vertical tables are dropped (the pages
and charts set horizontal text). Renamed "Landplan Sans SC", as the OFL asks of a
modified font. Pages embed a further cut of it holding only their own characters
(``landplan.fonts``); matplotlib draws charts with it.

Run once by a maintainer, from Debian's fonts-noto-cjk:

    python tools/make_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landplan.fonts import FAMILY, FONT  # noqa: E402
from landplan.messages import CATALOGUE  # noqa: E402

BLOCKS = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A
    (0x2000, 0x206F),  # General Punctuation
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (−, ≤, ≥, ×)
    (0x2460, 0x24FF),  # enclosed numbers (①)
    (0x2500, 0x25FF),  # box drawing, shapes (●, ■, ▲)
    (0x2600, 0x26FF),  # symbols (★)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x33FF),  # enclosed CJK, compatibility (㎡)
    (0xFF00, 0xFFEF),  # full-width forms
]
DROPPED = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx")


def gb2312() -> set[str]:
    """Every character GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def characters() -> set[str]:
    chars = {chr(c) for low, high in BLOCKS for c in range(low, high + 1)}
    chars |= gb2312()
    chars |= {c for pair in CATALOGUE.values() for text in pair for c in text}
    return chars


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.name_languages = [0x0409]  # English names only
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters())))
    subsetter.subset(font)
    for tag in DROPPED:
        if tag in font:
            del font[tag]
    names = font["name"]
    postscript = FAMILY.replace(" ", "") + "-Regular"
    for number, text in (
        (1, FAMILY),
        (2, "Regular"),
        (3, f"{postscript};landplan"),
        (4, f"{FAMILY} Regular"),
        (6, postscript),
    ):
        names.removeNames(nameID=number)
        names.setName(text, number, 3, 1, 0x409)
        names.setName(text, number, 1, 0, 0)
    missing = sorted(
        c for c in characters() if ord(c) not in font.getBestCmap() and c.isprintable()
    )
    catalogue = {c for pair in CATALOGUE.values() for text in pair for c in text}
    lost = [c for c in missing if c in catalogue and not c.isspace()]
    if lost:
        raise SystemExit(f"the source font lacks catalogue characters: {''.join(lost)}")
    FONT.parent.mkdir(parents=True, exist_ok=True)
    font.save(FONT)
    print(f"{FONT}: {len(font.getBestCmap()):,} characters, {FONT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    )
