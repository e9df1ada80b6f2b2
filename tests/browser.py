"""Pages opened in Debian's Chromium through Playwright, with the network blocked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
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

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))

    def close(self) -> None:
        self.context.close()
