"""Chinese on any machine: the shipped font draws the charts, and every page carries
the font cut to its own characters. On a browser that sees no CJK font at all (a
fontconfig with DejaVu only, as a fresh office PC without Chinese fonts), the report,
the sweep page, the map and the battle map are screenshotted in Chinese: every
character on them is in the embedded font, which the browser used (form controls
too), and no English word is left."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager, rc_context
from matplotlib.font_manager import FontProperties

from landplan.charts import STYLE, figure, png
from landplan.cli import main
from landplan.fonts import FAMILY, FONT, page_characters, woff_for
from landplan.sweep import HEADLINES, PAYERS, sweep_html
from tests.browser import ARTIFACTS, CHROMIUM, FLAGS
from tests.conftest import ROOT
from tests.words import latin_words

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>
"""


def test_charts_draw_with_the_shipped_font() -> None:
    with rc_context(STYLE):
        found = font_manager.findfont(FontProperties(family=STYLE["font.sans-serif"]))
    assert Path(found) == FONT
    fig = figure(figsize=(2, 1))
    ax = fig.subplots()
    ax.set_title("地均工业产值（万元/公顷）亩均")  # a missing glyph would warn: an error here
    ax.bar([0], [1], label="高精尖")
    ax.legend()
    assert png(fig).src.startswith("data:image/png;base64,")


def test_a_page_carries_exactly_its_characters() -> None:
    page = "<html><head></head><body>园区\\u5317 P-001 ★</body></html>"
    chars = page_characters(page)
    assert {"园", "区", "北", "★", "P", "-"} <= chars  # \u5317 is 北, as JSON writes it
    font = TTFont(io.BytesIO(woff_for(chars)))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "园区北★P-001")
    assert ord("医") not in cmap  # only the page's own


@pytest.fixture(scope="module")
def bare_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium that sees no CJK font: a fontconfig with DejaVu only."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("fonts")
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    dirs = f"<dir>{dejavu}</dir>" if dejavu.is_dir() else ""
    conf = folder / "fonts.conf"
    conf.write_text(FONTS_CONF.format(dirs=dirs, cache=folder / "cache"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, env=env)
        yield browser
        browser.close()


def _embedded(path: Path) -> set[int]:
    """The code points of the font a page embeds."""
    found = re.search(r"font/woff;base64,([A-Za-z0-9+/=]+)", path.read_text(encoding="utf-8"))
    assert found, f"{path.name} embeds no font"
    return set(TTFont(io.BytesIO(base64.b64decode(found.group(1)))).getBestCmap())


def _fonts_used(page: Any) -> dict[str, int]:
    """Per font the browser drew with, how many glyphs (Chromium's own account)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    used: dict[str, int] = {}

    def walk(node: dict[str, Any]) -> None:
        if node.get("nodeType") == 1:
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
            for font in fonts["fonts"]:
                name = font["familyName"] + (" (embedded)" if font.get("isCustomFont") else "")
                used[name] = used.get(name, 0) + font["glyphCount"]
        for child in node.get("children", []):
            walk(child)

    walk(cdp.send("DOM.getDocument", {"depth": -1})["root"])
    return used


# elements whose own text, placeholder, value or title holds Chinese, set in another font
_NOT_IN_FONT = """family => {
  const cjk = /[\\u3000-\\u9fff\\uff00-\\uffef]/;
  const own = e => Array.from(e.childNodes).filter(n => n.nodeType === 3)
    .map(n => n.textContent).join('') + (e.placeholder || '')
    + (e.type === 'checkbox' ? '' : (e.value || ''));
  return Array.from(document.querySelectorAll('body *'))
    .filter(e => cjk.test(own(e)))
    .filter(e => !getComputedStyle(e).fontFamily.startsWith('"' + family + '"'))
    .map(e => e.tagName + ': ' + own(e).slice(0, 30));
}"""
# what form controls show that inner_text leaves out
_CONTROLS = """() => Array.from(document.querySelectorAll(
  'input[type=text], input[type=search], input:not([type]), textarea'))
  .map(e => (e.placeholder || '') + ' ' + (e.value || ''))"""


def _look(browser: Any, path: Path, shot: str) -> str:
    """Open ``path`` with no network, screenshot it; its visible text."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        ARTIFACTS.mkdir(exist_ok=True)
        whole = path.name in ("report.html", "sweep.html")  # maps: the screen
        page.screenshot(path=str(ARTIFACTS / shot), full_page=whole)
        used = _fonts_used(page)
        assert used.get(f"{FAMILY} (embedded)", 0) > 100, used
        # only the embedded font and DejaVu (for what is not Chinese) drew anything
        assert all(name.endswith("(embedded)") or "DejaVu" in name for name in used), used
        # and every element holding Chinese (form controls too: a search box's
        # placeholder, a select's options, a button) is set in the embedded font
        offenders = page.evaluate(_NOT_IN_FONT, FAMILY)
        assert offenders == [], (path.name, offenders)
        text: str = page.inner_text("body") + "\n" + "\n".join(page.evaluate(_CONTROLS))
        return text
    finally:
        context.close()


def test_pages_read_in_chinese_on_a_machine_without_cjk_fonts(
    bare_browser: Any, demo_out: Path, tmp_path: Path
) -> None:
    # three points, the last failed: its status and reason show in Chinese
    table = pd.DataFrame(
        {
            "point": [0, 1, 2],
            "costshare.cap_ratio": [0.6, 0.7, 0.8],
            "status": ["optimal", "optimal", "failed"],
            "reason": ["", "", "budget: placing the must-place projects needs at least 600"],
            "reason_zh": ["", "", "补贴预算：必须落位的项目至少需区级补贴600万元"],
            **{
                c: [1.0, 2.0, float("nan")]
                for c in (*HEADLINES, *PAYERS, "gap", "tax_per_mu", "runtime_s")
            },
        }
    )
    sweep = tmp_path / "sweep.html"
    sweep.write_text(
        sweep_html(table, ["costshare.cap_ratio"], name="daxing-demo", wall_s=3.0, lang="zh"),
        encoding="utf-8",
    )
    tracked = Path(shutil.copytree(demo_out, tmp_path / "tracked"))
    file = ROOT / "scenarios" / "tracking-demo.csv"
    assert main(["track", str(tracked), str(file), "--as-of", "2026-11-22", "-q"]) == 0
    for path, shot in (
        (demo_out / "report.html", "nocjk-report.png"),
        (demo_out / "map.html", "nocjk-map.png"),
        (sweep, "nocjk-sweep.png"),
        (tracked / "tracking.html", "nocjk-tracking.png"),
    ):
        text = _look(bare_browser, path, shot)
        cmap = _embedded(path)
        boxes = {c for c in text if not c.isspace() and ord(c) not in cmap}
        assert boxes == set(), (path.name, boxes)  # every character has its glyph
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 100  # it is Chinese
        assert latin_words(text) == set(), (path.name, latin_words(text))
