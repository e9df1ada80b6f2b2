"""Pages opened in Debian's Chromium through Playwright, with the network blocked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"


def a4_landscape(size: tuple[float, float]) -> bool:
    """A PDF page's size (points) is A4 landscape."""
    return abs(size[0] - 842) < 2 and abs(size[1] - 595) < 2


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Page:
    """A page opened from disk with the network blocked and every request recorded."""

    def __init__(self, browser: Any, path: Path, viewport: tuple[int, int] = (1400, 900)) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        width, height = viewport
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.route(re.compile(r"^(?!file:|data:)"), self._block)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def _block(self, route: Any) -> None:
        self.requests.append(route.request.url)
        route.abort()

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def pdf(self, path: Path) -> list[tuple[float, float]]:
        """Print to ``path`` as the browser's print dialog would (the page's own paper
        size); each page's size in points."""
        self.page.pdf(path=str(path), prefer_css_page_size=True)
        data = path.read_bytes()
        assert data.startswith(b"%PDF")
        boxes = re.findall(rb"/MediaBox \[([^\]]*)\]", data)
        return [tuple(float(v) for v in box.split()[2:4]) for box in boxes]  # type: ignore[misc]

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))

    def close(self) -> None:
        self.context.close()
